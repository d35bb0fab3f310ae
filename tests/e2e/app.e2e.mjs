// @ts-check
// The real app, no provider needed: window and sidebar, create, delete with
// confirmation, settings, and chats surviving a restart.
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

  it("creates a chat that appears first in the sidebar and opens", async () => {
    const first = await createSession(browser);
    const second = await createSession(browser);
    created.push(first, second);
    assert.deepEqual(await sessionIds(browser), [second, first]);
    // The new chat is selected and shown.
    await browser.$(`${sessionRow(second)}.selected`).waitForExist({ timeoutMsg: "the new chat is not selected" });
    await browser.$(byTestId("chat-title")).waitForDisplayed();
    assert.equal(await textOf(browser.$(byTestId("chat-title"))), "New chat");
    await h.screenshot("e2e-chat.png");
  });

  it("deletes a chat only after confirmation", async () => {
    const [keep, doomed] = [created[0], created[1]];
    assert.ok(keep && doomed);
    const row = () => browser.$(sessionRow(doomed));

    // Ask, then cancel: nothing happens.
    await clickWhenReady(row().$(byTestId("session-delete")));
    await row().$(byTestId("session-delete-confirm")).waitForDisplayed();
    await clickWhenReady(row().$(byTestId("session-delete-no")));
    await row().$(byTestId("session-delete")).waitForDisplayed();
    assert.deepEqual(await sessionIds(browser), [doomed, keep]);

    // Ask, then confirm: the row goes.
    await clickWhenReady(row().$(byTestId("session-delete")));
    await clickWhenReady(row().$(byTestId("session-delete-yes")));
    await browser.waitUntil(async () => !(await sessionIds(browser)).includes(doomed), {
      timeoutMsg: "the deleted chat is still listed",
    });
    assert.deepEqual(await sessionIds(browser), [keep]);
    created.splice(1, 1);
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
