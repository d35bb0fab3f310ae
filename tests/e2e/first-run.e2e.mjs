// @ts-check
// First run, as a new user meets it: no key and no model server, so the
// window says so and shows the ways to start; adding an OpenAI-compatible
// server (the loopback provider double) is checked live, and a chat opens
// on its model by itself, ready to answer.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { byTestId, Harness, ProviderDouble, textOf } from "./harness.mjs";

const MODEL = "first-run-model";

describe("ClawDesk's first run", { timeout: 300_000 }, () => {
  /** @type {Harness} */
  let h;
  /** @type {ProviderDouble} */
  let double;
  /** @type {import("./harness.mjs").Browser} */
  let browser;

  before(async () => {
    h = new Harness("first-run");
    double = await ProviderDouble.start();
    h.onClose(() => double.stop());
    await double.call("/_double/models", [MODEL]);
    // appDirs' config turns every built-in provider off: a machine with no
    // key and no local model server.
    browser = await h.launch(h.appDirs("fresh"));
  });
  after(async () => {
    await h?.close();
  });

  it("says that nothing answers and shows the ways to start", async () => {
    const page = browser.$(byTestId("first-run"));
    await page.waitForDisplayed({ timeoutMsg: "no first-run page while no provider answers" });
    const text = await textOf(page);
    assert.match(text, /No model can answer yet/);
    for (const way of ["Anthropic", "OpenAI", "Ollama", "OpenAI-compatible server"]) assert.ok(text.includes(way), way);
    await h.screenshot("e2e-first-run.png");
  });

  it("adds a server, sees it answer, and lands in a chat on its model", async () => {
    const url = browser.$(byTestId("first-run-server-url"));
    await url.setValue(`${double.url}/v1`);
    await browser.keys("Enter");
    await browser.$(byTestId("chat-title")).waitForDisplayed({
      timeout: 20_000,
      timeoutMsg: "no chat opened once the server answered",
    });
    assert.equal(await browser.$(byTestId("first-run")).isExisting(), false);
    assert.match(await textOf(browser.$(byTestId("chat-model"))), new RegExp(MODEL));

    await double.script({ reply: { type: "stream", chunks: ["Ready", " when", " you", " are."], intervalMs: 10 } });
    const input = browser.$(byTestId("composer-input"));
    await input.waitForEnabled();
    await input.setValue("Hello");
    await browser.keys("Enter");
    await browser.waitUntil(async () => /Ready when you are\./.test(await textOf(browser.$(byTestId("chat-view")))), {
      timeoutMsg: "the first chat did not get its reply",
    });
  });
});
