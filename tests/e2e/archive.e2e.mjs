// @ts-check
// Export and import in the real window, through the real buttons and
// commands. WebDriver cannot drive the native save/open dialog, so the test
// gives only the dialog's answer in the page (`window.__clawdeskDialogAnswer`,
// read in place of the dialog by src/archive/archiveStore.ts); everything
// else is the app as users run it. Starts on the committed schema-v3 database.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { byTestId, clickWhenReady, Harness, ROOT, sessionIds, sessionRow, textOf } from "./harness.mjs";

const FIXTURES = path.join(ROOT, "crates/clawdesk-core/tests/fixtures");

/**
 * Makes the next dialog (save or open) answer `file`, as if the user chose
 * it (see `e2eAnswer` in src/archive/archiveStore.ts).
 * @param {import("./harness.mjs").Browser} browser
 * @param {string} file
 */
async function dialogAnswers(browser, file) {
  await browser.execute((answer) => {
    /** @type {any} */ (window).__clawdeskDialogAnswer = answer;
  }, file);
}

/** @param {import("./harness.mjs").Browser} browser */
async function notice(browser) {
  const el = browser.$(byTestId("archive-notice"));
  await el.waitForDisplayed({ timeout: 30_000, timeoutMsg: "no export/import notice" });
  return textOf(el);
}

describe("export and import in the window", { timeout: 240_000 }, () => {
  const h = new Harness("archive");
  const source = h.appDirs("source");
  fs.copyFileSync(path.join(FIXTURES, "v3/clawdesk.db"), source.db);
  const out = path.join(h.tmp, "files");
  fs.mkdirSync(out);
  /** @type {import("./harness.mjs").Browser} */
  let browser;

  before(async () => {
    browser = await h.launch(source);
  });
  after(async () => {
    await h.close();
  });

  it("exports the open chat as Markdown and as JSON", async () => {
    assert.equal((await sessionIds(browser)).length, 4);
    const ids = await sessionIds(browser);
    /** @type {string | undefined} */
    let failures;
    for (const id of ids) {
      if ((await textOf(browser.$(sessionRow(id)))).includes("Replies that did not complete")) failures = id;
    }
    assert.ok(failures, "the fixture's chat with failed replies is listed");
    await clickWhenReady(browser.$(sessionRow(failures)));
    await browser.$(byTestId("chat-title")).waitForDisplayed();

    const md = path.join(out, "failures.md");
    await dialogAnswers(browser, md);
    await clickWhenReady(browser.$(byTestId("export-markdown")));
    assert.match(await notice(browser), /Exported 6 messages to .*failures\.md/);
    const text = fs.readFileSync(md, "utf8");
    assert.ok(text.startsWith("# Replies that did not complete\n"), text.slice(0, 80));
    assert.match(text, /cancelled \(cancelled: stopped by the user\)/);

    const json = path.join(out, "failures.json");
    await dialogAnswers(browser, json);
    await clickWhenReady(browser.$(byTestId("export-json")));
    await browser.waitUntil(() => fs.existsSync(json), { timeoutMsg: "no JSON export" });
    const archive = JSON.parse(fs.readFileSync(json, "utf8"));
    assert.equal(archive.format, "clawdesk-archive");
    assert.equal(archive.sessions[0].session.id, failures);
    assert.equal(archive.sessions[0].messages.length, 6);
  });

  it("exports every chat, and a fresh app imports them with the same content", async () => {
    const all = path.join(out, "all.json");
    await dialogAnswers(browser, all);
    await clickWhenReady(browser.$(byTestId("export-all")));
    await browser.waitUntil(async () => /Exported 4 chats/.test(await notice(browser)), { timeoutMsg: "export all" });
    const sourceIds = await sessionIds(browser);

    browser = await h.launch(h.appDirs("target"));
    assert.deepEqual(await sessionIds(browser), []);
    await dialogAnswers(browser, all);
    await clickWhenReady(browser.$(byTestId("import")));
    assert.match(await notice(browser), /Imported 4 chats \(137 messages\)/);
    await browser.waitUntil(async () => (await sessionIds(browser)).length === 4, { timeoutMsg: "imported chats listed" });
    assert.deepEqual(await sessionIds(browser), sourceIds);

    // Export → import → export: the same file.
    const again = path.join(out, "again.json");
    await dialogAnswers(browser, again);
    await clickWhenReady(browser.$(byTestId("export-all")));
    await browser.waitUntil(() => fs.existsSync(again), { timeoutMsg: "second export" });
    await browser.waitUntil(() => fs.readFileSync(again).equals(fs.readFileSync(all)), {
      timeout: 5_000,
      timeoutMsg: "the second export differs from the first",
    });

    // The same archive again adds nothing.
    await dialogAnswers(browser, all);
    await clickWhenReady(browser.$(byTestId("import")));
    await browser.waitUntil(async () => /Imported 0 chats .*4 chats already here/.test(await notice(browser)), {
      timeoutMsg: "second import",
    });
    assert.equal((await sessionIds(browser)).length, 4);
  });

  it("imports ChatGPT's conversations.json, and refuses a truncated file without importing anything", async () => {
    await dialogAnswers(browser, path.join(FIXTURES, "chatgpt/conversations.json"));
    await clickWhenReady(browser.$(byTestId("import")));
    await browser.waitUntil(async () => /Imported 2 chats from ChatGPT \(6 messages\)/.test(await notice(browser)), {
      timeoutMsg: "ChatGPT import",
    });
    await browser.waitUntil(async () => (await sessionIds(browser)).length === 6, { timeoutMsg: "ChatGPT chats listed" });
    assert.match(await textOf(browser.$(byTestId("session-nav"))), /Sourdough starter help/);

    const whole = fs.readFileSync(path.join(out, "all.json"));
    const truncated = path.join(out, "truncated.json");
    fs.writeFileSync(truncated, whole.subarray(0, whole.length / 2));
    await dialogAnswers(browser, truncated);
    await clickWhenReady(browser.$(byTestId("import")));
    const error = browser.$(`${byTestId("archive-bar")} [role="alert"]`);
    await error.waitForDisplayed({ timeoutMsg: "no error for a truncated file" });
    assert.match(await textOf(error), /cannot be imported: the file ends too early.*Nothing was imported/);
    assert.equal((await sessionIds(browser)).length, 6);
    await h.screenshot("e2e-archive.png");
  });
});
