// @ts-check
// Message actions and keys in the real window: copy a code block (read back
// from the clipboard), a link in a reply opens through the opener plugin in
// the system's browser and never in the app window, Ctrl+N puts the focus in
// the new chat's composer, and the sidebar collapses so a 640×480 window has
// room for the chat.
//
// The system browser is a test double: the opener plugin runs `xdg-open`
// (the `open` crate on Linux, looked up on PATH), so a script named
// xdg-open early on the app's PATH records its argument to a file instead.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { byTestId, clickWhenReady, createSession, Harness, ProviderDouble, sleep, textOf, writeOllamaConfig } from "./harness.mjs";

const MODEL = "llama3.2";
const LINK = "https://example.com/docs?from=clawdesk";
const CODE = 'fn main() {\n    println!("copied <ok> & done");\n}';
const REPLY = ["Here is the code:\n\n", "```rust\n", `${CODE}\n`, "```\n\n", `Read [the docs](${LINK}) for more.`];

describe("message actions and keys", { timeout: 300_000 }, () => {
  /** @type {Harness} */
  let h;
  /** @type {ProviderDouble} */
  let double;
  /** @type {import("./harness.mjs").Browser} */
  let browser;
  /** Where the xdg-open double writes what it was asked to open. */
  let opened = "";

  before(async () => {
    const bin = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "clawdesk-e2e-opener-"));
    opened = path.join(bin, "opened.txt");
    const script = path.join(bin, "xdg-open");
    fs.writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" >> '${opened}'\n`);
    fs.chmodSync(script, 0o755);
    h = new Harness("actions", { env: { PATH: `${bin}:${process.env.PATH ?? ""}` } });
    h.onClose(() => fs.rmSync(bin, { recursive: true, force: true }));
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

  /** The last assistant message, once it is complete. */
  const completeReply = async () => {
    await browser.waitUntil(
      async () => {
        const all = await browser.$$(`${byTestId("message")}.role-assistant.status-complete`).getElements();
        return all.length > 0;
      },
      { timeout: 20_000, timeoutMsg: "no complete reply" },
    );
    const all = await browser.$$(`${byTestId("message")}.role-assistant.status-complete`).getElements();
    return all[all.length - 1];
  };

  it("Ctrl+N opens a new chat with the focus in the composer", async () => {
    await createSession(browser);
    await browser.$(byTestId("composer-input")).setValue("a draft keeps this chat from being reused");
    // Focus elsewhere first, so the focus has to move.
    await browser.$(byTestId("settings-button")).click();
    await browser.$(byTestId("settings-button")).click();
    await browser.keys(["Control", "n"]);
    await browser.waitUntil(
      async () => browser.execute(() => document.activeElement?.getAttribute("data-testid") === "composer-input"),
      { timeout: 10_000, timeoutMsg: "the focus is not in the composer after Ctrl+N" },
    );
    const value = await browser.execute(() => /** @type {HTMLTextAreaElement} */ (document.activeElement).value);
    assert.equal(value, "", "Ctrl+N did not open a fresh chat");
    // The one-line composer has no scrollbar when focused.
    const overflow = await browser.execute(() => {
      const el = /** @type {HTMLTextAreaElement} */ (document.activeElement);
      return { scroll: el.scrollHeight, client: el.clientHeight, overflowY: getComputedStyle(el).overflowY };
    });
    assert.ok(overflow.scroll <= overflow.client, `the composer overflows: ${JSON.stringify(overflow)}`);
  });

  it("copies a code block to the clipboard", async () => {
    await double.script({ reply: { type: "stream", chunks: REPLY, intervalMs: 10, inputTokens: 5, outputTokens: 5 } });
    const input = browser.$(byTestId("composer-input"));
    await input.setValue("Show me some code");
    await browser.keys("Enter");
    const reply = await completeReply();
    const button = reply.$(byTestId("code-copy"));
    await clickWhenReady(button);
    await browser.waitUntil(async () => (await button.getAttribute("data-copied")) !== null, {
      timeout: 5_000,
      timeoutMsg: "the copy button did not react",
    });
    assert.equal(await button.getAttribute("data-copied"), "true", `copy failed: ${await textOf(button)}`);
    // Read the system clipboard back. WebKitGTK refuses navigator.clipboard
    // .readText() outside a user gesture (NotAllowedError), so paste it
    // instead with a real Ctrl+V into the composer: that goes through the
    // platform clipboard, not through anything of the app's.
    const composer = browser.$(byTestId("composer-input"));
    await composer.clearValue();
    await composer.click();
    await browser.keys(["Control", "v"]);
    await browser.waitUntil(async () => (await composer.getValue()) !== "", {
      timeout: 5_000,
      timeoutMsg: "nothing was pasted from the clipboard",
    });
    assert.equal(await composer.getValue(), CODE);
    await composer.clearValue();
  });

  it("a link opens in the system's browser through the opener, never in the window", async () => {
    const before = await browser.execute(() => window.location.href);
    const reply = await completeReply();
    const link = reply.$(`a[href="${LINK}"]`);
    await clickWhenReady(link);
    // First the window says where the link goes; nothing is opened yet.
    const target = browser.$(byTestId("link-target"));
    await target.waitForDisplayed({ timeoutMsg: "no popover showing where the link goes" });
    assert.equal(await textOf(target), LINK);
    assert.equal(fs.existsSync(opened), false, "the link opened before it was confirmed");
    await clickWhenReady(browser.$(byTestId("link-open")));
    await browser.waitUntil(async () => fs.existsSync(opened) && fs.readFileSync(opened, "utf8").includes(LINK), {
      timeout: 10_000,
      timeoutMsg: "the opener's xdg-open was not asked to open the link",
    });
    assert.equal(fs.readFileSync(opened, "utf8").trim(), LINK);
    await sleep(300);
    assert.equal(await browser.execute(() => window.location.href), before, "the app window navigated");
    assert.equal(await browser.$(byTestId("link-popover")).isExisting(), false);
    assert.ok(await browser.$(byTestId("sidebar")).isExisting(), "the app is no longer shown");
  });

  it("the sidebar collapses so a 640×480 window has room for the chat", async () => {
    await browser.setWindowSize(640, 480);
    await browser.waitUntil(async () => (await browser.execute(() => window.innerWidth)) <= 660, {
      timeout: 5_000,
      timeoutMsg: "the window did not shrink",
    });
    await clickWhenReady(browser.$(byTestId("sidebar-hide")));
    await browser.$(byTestId("sidebar")).waitForDisplayed({ reverse: true, timeoutMsg: "the sidebar is still shown" });
    const layout = await browser.execute(() => {
      const chat = document.querySelector('[data-testid="chat-view"]')?.getBoundingClientRect();
      const composer = document.querySelector('[data-testid="composer-input"]')?.getBoundingClientRect();
      return {
        width: window.innerWidth,
        height: window.innerHeight,
        chatWidth: chat?.width ?? 0,
        composerBottom: composer?.bottom ?? Infinity,
        composerWidth: composer?.width ?? 0,
        horizontalScroll: document.documentElement.scrollWidth > window.innerWidth,
      };
    });
    assert.ok(layout.chatWidth >= layout.width - 2, `the chat does not get the window's width: ${JSON.stringify(layout)}`);
    assert.ok(layout.composerWidth >= 400, `the composer is too narrow: ${JSON.stringify(layout)}`);
    assert.ok(layout.composerBottom <= layout.height, `the composer is cut off: ${JSON.stringify(layout)}`);
    assert.equal(layout.horizontalScroll, false);
    await h.screenshot("e2e-actions-640x480.png");
    await clickWhenReady(browser.$(byTestId("sidebar-show")));
    await browser.$(byTestId("sidebar")).waitForDisplayed({ timeoutMsg: "the sidebar did not come back" });
  });
});
