// @ts-check
// Conversations as trees in the real window, against the provider double:
// edit a question and see the new reply, switch back to "1 / 2" and see the
// old one; open a search hit in the other version; retry a failed reply in place and get a complete one as "2 / 2";
// Up in the empty composer opens the last question in the editor.
//
// Needs `target/debug/provider-double` (`cargo build -p provider-double`);
// `script` follows crates/provider-double/src/script.rs, as in chat.e2e.mjs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { byTestId, clickWhenReady, createSession, Harness, ProviderDouble, textOf, writeOllamaConfig } from "./harness.mjs";

const MODEL = "llama3.2";

const script = {
  /** @param {string[]} chunks */
  textReply: (chunks) => ({ reply: { type: "stream", chunks, intervalMs: 20, inputTokens: 12, outputTokens: chunks.length } }),
  /** @param {number} status @param {string} message */
  httpError: (status, message) => ({ reply: { type: "httpError", status, message } }),
};

describe("edit, regenerate and branch in the window", { timeout: 300_000 }, () => {
  /** @type {Harness} */
  let h;
  /** @type {ProviderDouble} */
  let double;
  /** @type {import("./harness.mjs").Browser} */
  let browser;

  before(async () => {
    h = new Harness("branch");
    double = await ProviderDouble.start();
    h.onClose(() => double.stop());
    const dirs = h.appDirs("profile");
    await double.reset();
    await double.call("/_double/models", [MODEL]);
    writeOllamaConfig(dirs, double.url, MODEL);
    browser = await h.launch(dirs);
  });
  after(async () => {
    await h?.close();
  });

  /** The last message of `role` in the open chat. @param {"user" | "assistant"} role */
  const last = async (role) => {
    const all = await browser.$$(`${byTestId("message")}.role-${role}`).getElements();
    const el = all[all.length - 1];
    assert.ok(el, `no ${role} message in the chat`);
    return el;
  };
  /** @param {WebdriverIO.Element} el */
  const statusOf = async (el) => ((await el.getAttribute("class")) ?? "").split(/\s+/).find((c) => c.startsWith("status-")) ?? "";
  /** "2 / 3" on the message, or "" when it has no other versions. @param {WebdriverIO.Element} el */
  const versionOf = async (el) => {
    const label = await el.$(byTestId("version-label"));
    return (await label.isExisting()) ? (await textOf(label)).replace(/\s+/g, " ").trim() : "";
  };
  /**
   * Waits until the last reply is `status` with `text`, and the last message
   * of `role` shows version `version`.
   * @param {{ status: string, text: RegExp, versionOn?: "user" | "assistant", version?: string }} want
   */
  const waitForReply = async (want) => {
    /** @type {string} */
    let seen = "";
    try {
      await browser.waitUntil(
        async () => {
          try {
            const reply = await last("assistant");
            const version = want.versionOn ? await versionOf(await last(want.versionOn)) : "";
            seen = `${await statusOf(reply)} | ${await textOf(reply)} | ${version}`;
            return (
              (await statusOf(reply)) === `status-${want.status}` &&
              want.text.test(await textOf(reply)) &&
              (!want.versionOn || version === want.version)
            );
          } catch (e) {
            seen = String(e);
            return false;
          }
        },
        { timeout: 20_000 },
      );
    } catch {
      // What the chat shows, to tell why.
      const chat = await browser.execute(() => document.querySelector('[data-testid="chat-view"]')?.textContent ?? "");
      await h.screenshot("e2e-branch-failure.png");
      assert.fail(`the reply is not ${want.status} with ${want.text} (${want.version ?? "-"}); last seen: ${seen}; the chat shows: ${chat}`);
    }
  };
  /** @param {string} text */
  const send = async (text) => {
    const input = browser.$(byTestId("composer-input"));
    await input.waitForEnabled();
    await input.setValue(text);
    await browser.keys("Enter");
  };

  it("edits a question, shows the new reply, and switches back to 1 / 2 with the old one", async () => {
    await double.script(script.textReply(["The first ", "answer."]));
    await createSession(browser);
    await send("What is a zebra?");
    await waitForReply({ status: "complete", text: /The first answer\./ });

    await double.script(script.textReply(["The second ", "answer."]));
    await clickWhenReady((await last("user")).$(byTestId("message-edit")));
    const editor = browser.$(byTestId("edit-input"));
    await editor.waitForDisplayed({ timeoutMsg: "Edit opened no editor" });
    assert.equal(await editor.getValue(), "What is a zebra?");
    await editor.setValue("What is a giraffe?");
    await browser.keys("Enter");
    await waitForReply({ status: "complete", text: /The second answer\./, versionOn: "user", version: "2 / 2" });
    assert.match(await textOf(await last("user")), /What is a giraffe\?/);
    assert.equal(await browser.$(byTestId("edit-box")).isExisting(), false, "the editor stayed open");
    // Only the new path went to the provider: the edited question, not the old one.
    const requests = /** @type {unknown[]} */ (await double.requests());
    const latest = JSON.stringify(requests[requests.length - 1]);
    assert.match(latest, /What is a giraffe\?/);
    assert.doesNotMatch(latest, /What is a zebra\?|The first answer/);
    await h.screenshot("e2e-branch-edited.png");

    await clickWhenReady((await last("user")).$(byTestId("version-previous")));
    await waitForReply({ status: "complete", text: /The first answer\./, versionOn: "user", version: "1 / 2" });
    assert.match(await textOf(await last("user")), /What is a zebra\?/);
    assert.equal((await browser.$$(byTestId("message")).getElements()).length, 2);

    // And forward again.
    await clickWhenReady((await last("user")).$(byTestId("version-next")));
    await waitForReply({ status: "complete", text: /The second answer\./, versionOn: "user", version: "2 / 2" });
  });

  it("opens a search hit in the other version of its chat in that version", async () => {
    // The chat shows the giraffe version now; the zebra question is in the other one.
    await browser.keys(["Control", "k"]);
    const input = browser.$(byTestId("search-input"));
    await input.waitForDisplayed({ timeoutMsg: "Ctrl+K did not open the palette" });
    await input.setValue("zebra");
    const hit = browser.$(byTestId("search-hit"));
    await hit.waitForExist({ timeoutMsg: "the earlier version's question was not found" });
    assert.equal((await browser.$$(byTestId("search-hit")).getElements()).length, 1);
    assert.ok(await hit.$(byTestId("search-hit-branch")).isExisting(), "the hit does not say it is in another version");
    const id = await hit.getAttribute("data-message-id");
    await browser.keys("Enter");
    await browser.$(byTestId("search-palette")).waitForExist({ reverse: true });
    const article = browser.$(`article[data-message-id="${id}"][data-highlighted="true"]`);
    await article.waitForExist({ timeoutMsg: "the hit is not shown highlighted: was its version switched to?" });
    assert.equal(await versionOf(await article.getElement()), "1 / 2");
    await waitForReply({ status: "complete", text: /The first answer\./, versionOn: "user", version: "1 / 2" });
    assert.equal(await browser.$(".chat .error-note").isExisting(), false, "an error is shown");
  });

  it("retries a failed reply in place and gets a complete one as 2 / 2", async () => {
    await double.script(script.httpError(500, "boom"));
    await createSession(browser);
    await send("Please answer");
    await waitForReply({ status: "failed", text: /boom|500/ });

    await double.script(script.textReply(["Recovered ", "after all."]));
    const retry = (await last("assistant")).$(byTestId("message-failure")).$(byTestId("message-retry"));
    await clickWhenReady(retry);
    await waitForReply({ status: "complete", text: /Recovered after all\./, versionOn: "assistant", version: "2 / 2" });
    assert.equal((await browser.$$(byTestId("message")).getElements()).length, 2, "the retry added messages instead of a version");
    await h.screenshot("e2e-branch-retried.png");

    // The failed one is still there, one arrow back.
    await clickWhenReady((await last("assistant")).$(byTestId("version-previous")));
    await waitForReply({ status: "failed", text: /boom|500/, versionOn: "assistant", version: "1 / 2" });
  });

  it("Up in the empty composer opens the last question in the editor; Escape leaves it", async () => {
    const input = browser.$(byTestId("composer-input"));
    await input.click();
    await input.clearValue();
    await browser.keys("ArrowUp");
    const editor = browser.$(byTestId("edit-input"));
    await editor.waitForDisplayed({ timeoutMsg: "Up in the empty composer opened no editor" });
    assert.equal(await editor.getValue(), "Please answer");
    await browser.waitUntil(async () => browser.execute(() => document.activeElement?.getAttribute("data-testid") === "edit-input"), {
      timeoutMsg: "the editor did not take the focus",
    });
    await browser.keys("Escape");
    await editor.waitForExist({ reverse: true, timeoutMsg: "Escape did not close the editor" });
  });
});
