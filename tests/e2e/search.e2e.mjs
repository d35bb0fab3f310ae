// @ts-check
// Search and jump in the real window: a chat of 3,000 messages is written
// into the app's database (the search index follows through its triggers),
// Ctrl+K opens the palette, a word found only in a message 2,600 messages
// back is searched, the hit is chosen with Enter, and the chat opens
// scrolled to that message (not loaded before: only its neighbours are),
// highlighted; scrolling up then loads the older messages.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { byTestId, createSession, Harness, seededMessageId, seedMessages, sleep } from "./harness.mjs";

const COUNT = 3000;
const TARGET = 400;
const WORD = "zanzibar";

describe("search palette", () => {
  /** @type {Harness} */
  let h;
  /** @type {import("./harness.mjs").Browser} */
  let browser;
  let chat = "";
  let other = "";

  before(async () => {
    h = new Harness("search");
    const dirs = h.appDirs("profile");
    browser = await h.launch(dirs);
    // "New chat" hands out an empty chat again rather than a second one:
    // the first gets its messages before the second is made.
    chat = await createSession(browser);
    await h.quit();
    seedMessages(dirs.db, chat, COUNT, "Search: a long chat", "ollama/llama3.2");
    browser = await h.launch(dirs);
    other = await createSession(browser);
    await h.quit();
    seedMessages(dirs.db, other, 20, "Search: another chat", "ollama/llama3.2");
    const target = seededMessageId(chat, TARGET);
    execFileSync("sqlite3", ["-batch", "-bail", dirs.db], {
      input: `UPDATE messages SET content = 'Remember the ${WORD} protocol (café edition) for later.' WHERE id = '${target}';`,
      encoding: "utf8",
      timeout: 60_000,
    });
    browser = await h.launch(dirs);
  });

  after(async () => {
    await h?.close();
  });

  it("finds a word far back in a long chat and opens the chat there, highlighted", async () => {
    const target = seededMessageId(chat, TARGET);
    await browser.$(byTestId("sidebar")).waitForExist({ timeout: 30_000 });
    await browser.keys(["Control", "k"]);
    const input = await browser.$(byTestId("search-input"));
    await input.waitForDisplayed({ timeout: 10_000, timeoutMsg: "Ctrl+K did not open the palette" });
    await input.setValue(WORD);
    const hit = await browser.$(`${byTestId("search-hit")}[data-message-id="${target}"]`);
    await hit.waitForExist({ timeout: 10_000, timeoutMsg: "the old message was not found" });
    assert.equal(await hit.$("mark").getText(), WORD, "the match is highlighted in the snippet");
    assert.equal((await browser.$$(byTestId("search-hit"))).length, 1);

    await browser.keys(["Enter"]);
    await browser.$(byTestId("search-palette")).waitForExist({ reverse: true, timeout: 5_000 });
    const article = await browser.$(`article[data-message-id="${target}"][data-highlighted="true"]`);
    await article.waitForExist({ timeout: 15_000, timeoutMsg: "the chosen message is not shown highlighted" });
    // On screen, inside the message list's viewport.
    await browser.waitUntil(
      async () =>
        browser.execute((/** @type {string} */ id) => {
          const el = document.querySelector(`article[data-message-id="${id}"]`);
          const scroll = document.querySelector(".message-scroll");
          if (!el || !scroll) return false;
          const r = el.getBoundingClientRect();
          const s = scroll.getBoundingClientRect();
          return r.height > 0 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1;
        }, target),
      { timeout: 10_000, timeoutMsg: "the highlighted message is not scrolled into view" },
    );
    await h.screenshot("e2e-search.png");
    // Only the neighbourhood was loaded: the newest message is not in the list.
    const newest = await browser.$(`article[data-message-id="${seededMessageId(chat, COUNT)}"]`);
    assert.equal(await newest.isExisting(), false);

    // Scrolling up loads older pages in front.
    const older = seededMessageId(chat, TARGET - 150);
    for (let i = 0; i < 20 && !(await browser.$(`article[data-message-id="${older}"]`).isExisting()); i++) {
      await browser.execute(() => {
        const scroll = document.querySelector(".message-scroll");
        if (scroll) scroll.scrollTop = 0;
      });
      await sleep(300);
    }
    assert.ok(await browser.$(`article[data-message-id="${older}"]`).isExisting(), "older messages load on scroll up");
  });

  it("refuses an unfinished query with a message and Escape closes the palette", async () => {
    await browser.keys(["Control", "k"]);
    const input = await browser.$(byTestId("search-input"));
    await input.waitForDisplayed({ timeout: 10_000 });
    await input.setValue('"unbalanced');
    await browser.$(byTestId("search-error")).waitForExist({ timeout: 10_000 });
    await browser.keys(["Escape"]);
    await browser.$(byTestId("search-palette")).waitForExist({ reverse: true, timeout: 5_000 });
  });
});
