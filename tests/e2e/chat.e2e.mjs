// @ts-check
// Chat against the loopback provider double (crates/provider-double): send
// with Enter and see the streamed reply complete, stop a slow stream, see a
// provider error, and find the conversation again after a restart.
//
// On by default (`make e2e` builds the double); CLAWDESK_E2E_CHAT=0 skips
// them. Besides what the window scenarios need, they use
// `target/debug/provider-double` (`cargo build -p provider-double`).
// The app gets a config.toml pointing `providers.ollama.baseUrl` at the
// double with `defaults.model = "llama3.2"` (see writeOllamaConfig), and
// `script` below follows crates/provider-double/src/script.rs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  byTestId,
  clickWhenReady,
  createSession,
  Harness,
  ProviderDouble,
  sessionRow,
  sleep,
  textOf,
  writeOllamaConfig,
} from "./harness.mjs";

const enabled = process.env.CLAWDESK_E2E_CHAT !== "0";

/** The double's scripts, in one place so they follow its Script type. */
const script = {
  /** @param {string[]} chunks @param {number} [intervalMs] */
  textReply: (chunks, intervalMs = 0) => ({
    reply: { type: "stream", chunks, intervalMs, inputTokens: 12, outputTokens: chunks.length },
  }),
  /** @param {number} status @param {string} message */
  httpError: (status, message) => ({ reply: { type: "httpError", status, message } }),
};

const MODEL = "llama3.2";
const REPLY = ["Hello", " from", " the", " provider", " double."];

describe("ClawDesk chat against the provider double", {
  timeout: 300_000,
  skip: enabled ? false : "CLAWDESK_E2E_CHAT=0",
}, () => {
  /** @type {Harness} */
  let h;
  /** @type {ProviderDouble} */
  let double;
  /** @type {import("./harness.mjs").AppDirs} */
  let dirs;
  /** @type {import("./harness.mjs").Browser} */
  let browser;
  /** The chat of the first scenario, checked again after the restart. */
  let firstChat = "";

  before(async () => {
    h = new Harness("chat");
    double = await ProviderDouble.start();
    h.onClose(() => double.stop());
    dirs = h.appDirs("profile");
    await resetDouble();
    writeOllamaConfig(dirs, double.url, MODEL);
    browser = await h.launch(dirs);
  });
  after(async () => {
    await h?.close();
  });

  /** Empties the double's queue and recordings, and offers the configured model. */
  const resetDouble = async () => {
    await double.reset();
    await double.call("/_double/models", [MODEL]);
  };
  const messages = () => browser.$$(byTestId("message")).getElements();
  /** The last message of `role` in the open chat. @param {"user" | "assistant"} role */
  const last = async (role) => {
    const all = await browser.$$(`${byTestId("message")}.role-${role}`).getElements();
    const el = all[all.length - 1];
    assert.ok(el, `no ${role} message in the chat`);
    return el;
  };
  /** @param {string} text */
  const send = async (text) => {
    const input = browser.$(byTestId("composer-input"));
    await input.waitForEnabled({ timeoutMsg: "the composer is disabled: is sending wired in src/chat/backend.ts?" });
    await input.setValue(text);
    await browser.keys("Enter");
  };
  /** @param {string} status */
  const waitForReplyStatus = async (status, timeout = 20_000) => {
    await browser.waitUntil(
      async () => {
        const el = await last("assistant");
        return ((await el.getAttribute("class")) ?? "").split(/\s+/).includes(`status-${status}`);
      },
      { timeout, timeoutMsg: `the reply was not marked ${status}` },
    );
  };

  it("sends with Enter and shows the streamed reply, marked complete", async () => {
    await resetDouble();
    await double.script(script.textReply(REPLY, 20));
    firstChat = await createSession(browser);
    await send("Hello double");

    const user = await last("user");
    assert.match(await textOf(user), /Hello double/);
    await waitForReplyStatus("complete");
    const reply = await last("assistant");
    assert.match(await textOf(reply), /Hello from the provider double\./);
    assert.equal(await reply.$(".badge-streaming").isExisting(), false);
    assert.match(await textOf(reply.$(".message-usage")), /12 in · 5 out tokens/);
    assert.equal(await browser.$(byTestId("stop-button")).isExisting(), false);

    const seen = JSON.stringify(await double.requests());
    assert.match(seen, /Hello double/, "the double did not receive the user's message");
    assert.ok(seen.includes(`"model":"${MODEL}"`), "the request did not name the configured Ollama model");
    await h.screenshot("e2e-chat-reply.png");
  });

  it("stops a slow stream with the Stop button and Escape, marking it cancelled", async () => {
    const slow = Array.from({ length: 100 }, (_, i) => `word${i} `);
    await createSession(browser);

    for (const how of ["button", "escape"]) {
      await resetDouble();
      await double.script(script.textReply(slow, 100));
      await send(`Count slowly (${how})`);
      const stop = browser.$(byTestId("stop-button"));
      await stop.waitForDisplayed({ timeoutMsg: "no Stop button while streaming" });
      // Let a few chunks arrive first.
      await browser.waitUntil(async () => /word2/.test(await textOf(await last("assistant"))), {
        timeoutMsg: "no streamed text arrived",
      });
      if (how === "button") await clickWhenReady(stop);
      else await browser.keys("Escape");
      await waitForReplyStatus("cancelled", 10_000);
      const reply = await last("assistant");
      assert.match(await textOf(reply), /cancelled/);
      assert.doesNotMatch(await textOf(reply), /word99/, "the whole reply arrived despite the stop");
      await browser.$(byTestId("send-button")).waitForDisplayed({ timeoutMsg: "the composer did not come back" });
      await sleep(200);
    }
  });

  it("shows a provider error on the reply", async () => {
    await resetDouble();
    await double.script(script.httpError(500, "boom"));
    await createSession(browser);
    await send("This will fail");
    await waitForReplyStatus("failed");
    const failure = (await last("assistant")).$(byTestId("message-failure"));
    await failure.waitForDisplayed({ timeoutMsg: "no error shown on the failed reply" });
    assert.equal(await failure.getAttribute("role"), "alert");
    assert.match(await textOf(failure), /boom|500/);
  });

  it("keeps the conversation after a restart", async () => {
    assert.ok(firstChat, "the first scenario did not create a chat");
    await h.quit();
    browser = await h.launch(dirs);
    await clickWhenReady(browser.$(sessionRow(firstChat)).$(byTestId("session-open")));
    await browser.waitUntil(async () => (await messages()).length >= 2, {
      timeoutMsg: "the restarted app does not show the earlier messages",
    });
    assert.match(await textOf(await last("user")), /Hello double/);
    const reply = await last("assistant");
    assert.match(await textOf(reply), /Hello from the provider double\./);
    assert.ok(((await reply.getAttribute("class")) ?? "").includes("status-complete"));
    await h.screenshot("e2e-chat-history.png");
  });
});
