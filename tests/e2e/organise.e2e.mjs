// @ts-check
// Organising chats in the real window, no provider needed: rename in place
// (double-click or F2; Enter saves, Escape cancels), pin to the top, delete
// with a few seconds to undo, and all of it surviving a restart.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Key } from "webdriverio";
import { byTestId, clickWhenReady, createSession, Harness, sessionIds, sessionRow, sleep, textOf } from "./harness.mjs";

describe("Organising chats", { timeout: 240_000 }, () => {
  const h = new Harness("organise");
  const dirs = h.appDirs("profile");
  /** @type {import("./harness.mjs").Browser} */
  let browser;
  let first = "";
  let second = "";

  before(async () => {
    browser = await h.launch(dirs);
  });
  after(async () => {
    await h.close();
  });

  /** @param {string} id */
  const titleOf = async (id) => textOf(browser.$(sessionRow(id)).$(".session-title"));
  /** @param {string} id */
  const select = async (id) => {
    await clickWhenReady(browser.$(sessionRow(id)).$(byTestId("session-open")));
    await browser.$(`${sessionRow(id)}.selected`).waitForExist({ timeoutMsg: `${id} is not selected` });
  };
  const renameInput = () => browser.$(byTestId("session-rename-input"));

  it("renames a chat in place: double-click, type, Enter", async () => {
    first = await createSession(browser);
    assert.equal(await titleOf(first), "New chat");
    await browser.$(sessionRow(first)).$(byTestId("session-open")).doubleClick();
    const input = renameInput();
    await input.waitForDisplayed({ timeoutMsg: "no title field after a double-click" });
    assert.equal(await browser.execute(() => document.activeElement?.getAttribute("data-testid")), "session-rename-input");
    await input.setValue("Trip plans");
    await browser.waitUntil(async () => (await input.getValue()) === "Trip plans", { timeoutMsg: "typing did not reach the title field" });
    await browser.keys(Key.Enter);
    await input.waitForExist({ reverse: true, timeoutMsg: "the title field stayed open after Enter" });
    await browser.waitUntil(async () => (await titleOf(first)) === "Trip plans", { timeoutMsg: "the new title is not shown" });
    // The chat's header follows.
    await browser.waitUntil(async () => (await textOf(browser.$(byTestId("chat-title")))) === "Trip plans", {
      timeoutMsg: "the chat header still has the old title",
    });
  });

  it("renames with F2 and cancels with Escape", async () => {
    await browser.$(sessionRow(first)).$(byTestId("session-open")).click();
    await browser.keys(Key.F2);
    const input = renameInput();
    await input.waitForDisplayed({ timeoutMsg: "no title field after F2" });
    assert.equal(await input.getValue(), "Trip plans");
    // Typed without clearing first (WebDriver's clear blurs the field, and
    // leaving the field saves).
    await input.addValue(" draft");
    await browser.waitUntil(async () => (await input.getValue()).includes("draft"), { timeoutMsg: "typing did not reach the title field" });
    await browser.keys(Key.Escape);
    await input.waitForExist({ reverse: true, timeoutMsg: "the title field stayed open after Escape" });
    assert.equal(await titleOf(first), "Trip plans");
  });

  it("makes a new chat once the empty one was renamed, and hands that one out again", async () => {
    second = await createSession(browser);
    assert.deepEqual(await sessionIds(browser), [second, first]);
    await clickWhenReady(browser.$(byTestId("new-chat")));
    await browser.$(byTestId("new-chat")).waitForEnabled();
    await sleep(300);
    assert.deepEqual(await sessionIds(browser), [second, first]);
  });

  it("pins a chat to the top and unpins it", async () => {
    await select(first);
    const pin = () => browser.$(sessionRow(first)).$(byTestId("session-pin"));
    assert.equal(await pin().getAttribute("aria-pressed"), "false");
    await clickWhenReady(pin());
    await browser.waitUntil(async () => (await sessionIds(browser))[0] === first, { timeoutMsg: "the pinned chat did not move up" });
    assert.equal(await pin().getAttribute("aria-pressed"), "true");
    assert.deepEqual(await sessionIds(browser), [first, second]);
  });

  it("deletes a chat only after the undo window, and Undo brings it back", async () => {
    await select(second);
    await clickWhenReady(browser.$(sessionRow(second)).$(byTestId("session-delete")));
    await browser.waitUntil(async () => !(await sessionIds(browser)).includes(second), { timeoutMsg: "the deleted chat is still listed" });
    const undo = browser.$(byTestId("undo-delete"));
    await undo.waitForDisplayed({ timeoutMsg: "no Undo after a delete" });
    assert.match(await textOf(browser.$(byTestId("undo-toast"))), /Deleted/);
    await clickWhenReady(undo);
    await browser.waitUntil(async () => (await sessionIds(browser)).includes(second), { timeoutMsg: "Undo did not bring the chat back" });
    // Well past the undo window: still there, so nothing was deleted.
    await sleep(6_000);
    assert.deepEqual(await sessionIds(browser), [first, second]);

    await select(second);
    await clickWhenReady(browser.$(sessionRow(second)).$(byTestId("session-delete")));
    await browser.$(byTestId("undo-toast")).waitForDisplayed();
    await browser.$(byTestId("undo-toast")).waitForExist({ reverse: true, timeout: 15_000, timeoutMsg: "the undo window never closed" });
    assert.deepEqual(await sessionIds(browser), [first]);
  });

  it("keeps the rename, the pin and the deletion after a restart", async () => {
    await h.quit();
    browser = await h.launch(dirs);
    await browser.waitUntil(async () => (await sessionIds(browser)).length > 0, { timeoutMsg: "no chats after the restart" });
    assert.deepEqual(await sessionIds(browser), [first]);
    assert.match(await titleOf(first), /Trip plans/);
    assert.equal(await browser.$(sessionRow(first)).$(byTestId("session-pin")).getAttribute("aria-pressed"), "true");
  });
});
