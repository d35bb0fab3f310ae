// @ts-check
// The real app, no provider needed: window and sidebar, create (an empty
// chat is handed out again), settings, and chats surviving a restart.
// Rename, pin and delete with undo: organise.e2e.mjs.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { byTestId, clickWhenReady, createSession, Harness, sessionIds, sessionRow, textOf } from "./harness.mjs";

describe("ClawDesk window", { timeout: 240_000 }, () => {
  const h = new Harness("app");
  const dirs = h.appDirs("profile");
  /** @type {import("./harness.mjs").Browser} */
  let browser;
  /** @type {string[]} */
  const created = [];

  before(async () => {
    browser = await h.launch(dirs);
  });
  after(async () => {
    await h.close();
  });

  it("opens with the sidebar and an empty chat list", async () => {
    assert.equal(await browser.getTitle(), "ClawDesk");
    await browser.$(byTestId("new-chat")).waitForClickable();
    assert.deepEqual(await sessionIds(browser), []);
    assert.match(await textOf(browser.$(byTestId("session-nav"))), /No chats yet/);
    // The app uses the temp directories it was given, not the user's.
    assert.ok(fs.existsSync(dirs.db), `no database at ${dirs.db}`);
  });

  it("creates a chat that appears first in the sidebar and opens; New chat again hands out the same one", async () => {
    const first = await createSession(browser);
    created.push(first);
    // The new chat is selected and shown.
    await browser.$(`${sessionRow(first)}.selected`).waitForExist({ timeoutMsg: "the new chat is not selected" });
    await browser.$(byTestId("chat-title")).waitForDisplayed();
    assert.equal(await textOf(browser.$(byTestId("chat-title"))), "New chat");
    // Pressing it again does not pile up empty chats.
    await clickWhenReady(browser.$(byTestId("new-chat")));
    await browser.$(byTestId("new-chat")).waitForEnabled();
    await browser.pause(300);
    assert.deepEqual(await sessionIds(browser), [first]);
    await h.screenshot("e2e-chat.png");
  });

  it("opens the settings panel and goes back to the chat", async () => {
    await browser.$(byTestId("settings-button")).click();
    const panel = browser.$(byTestId("settings-panel"));
    await panel.waitForDisplayed();
    await browser.waitUntil(async () => (await textOf(panel)).includes("Defaults"), {
      timeoutMsg: "settings did not load",
    });
    assert.equal(await browser.$(byTestId("settings-button")).getAttribute("aria-pressed"), "true");
    await browser.$(byTestId("settings-button")).click();
    await browser.$(byTestId("chat-view")).waitForDisplayed();
  });

  it("keeps the chats after the app quits and starts again on the same data", async () => {
    const before = await sessionIds(browser);
    assert.deepEqual(before, created);
    await h.quit();
    browser = await h.launch(dirs);
    await browser.waitUntil(async () => (await sessionIds(browser)).length === before.length, {
      timeoutMsg: "the chats did not come back after the restart",
    });
    assert.deepEqual(await sessionIds(browser), before);
  });

  it("says in the status panel where the secrets are kept", async () => {
    await clickWhenReady(browser.$(byTestId("status-summary")));
    const line = browser.$(byTestId("secret-store"));
    await line.waitForDisplayed({ timeoutMsg: "the status panel does not say where the secrets are" });
    // The harness runs the app with CLAWDESK_SECRET_STORE=file.
    assert.equal(await line.getAttribute("data-kind"), "file");
    const text = await textOf(line);
    assert.match(text, /^Secrets in secrets\.toml \(readable by you only\)/);
    assert.ok(text.includes(path.join(dirs.configDir, "secrets.toml")), text);
  });
});
