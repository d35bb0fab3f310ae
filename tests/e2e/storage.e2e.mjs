// @ts-check
// Settings → Storage in the app window, on this computer: it says where the
// history is (the SQLite file the window was started on), refuses a URL
// that is not PostgreSQL with the backend's reason beside the field, takes
// a PostgreSQL URL write-only (into the secrets file, never config.toml,
// never shown again) and says it applies at the next start; the next start
// does use it (health names the server, its password masked); removing it
// takes the start after that back to the file. No PostgreSQL is needed: the
// URL names a port where nothing listens, which the backend reports as its
// storage error.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { byTestId, clickWhenReady, freePort, Harness, textOf } from "./harness.mjs";

describe("Settings → Storage", { timeout: 300_000 }, () => {
  /** @type {Harness} */
  let h;
  /** @type {import("webdriverio").Browser} */
  let browser;
  /** @type {import("./harness.mjs").AppDirs} */
  let dirs;
  let pgUrl = "";

  before(async () => {
    h = new Harness("storage");
    dirs = h.appDirs("window");
    // A loopback port where nothing listens: the URL is well-formed, and a
    // start on it fails at once (connection refused), touching nothing.
    pgUrl = `postgres://clawdesk:e2e-db-secret@127.0.0.1:${await freePort()}/clawdesk`;
    browser = await h.launch(dirs);
  });
  after(async () => {
    await h?.close();
  });

  const openStorage = async () => {
    await clickWhenReady(browser.$(byTestId("settings-button")));
    await browser.$(byTestId("storage-settings")).waitForDisplayed({ timeoutMsg: "no Storage section in Settings" });
    await browser.waitUntil(async () => (await browser.$(byTestId("storage-now")).isExisting()), {
      timeoutMsg: "the Storage section does not say where the history is",
    });
  };

  /** @param {string} url */
  const saveUrl = async (url) => {
    const field = browser.$(byTestId("storage-url"));
    await field.clearValue();
    await field.setValue(url);
    await clickWhenReady(browser.$(byTestId("storage-url-save")));
  };

  const secrets = () => {
    const file = path.join(dirs.configDir, "secrets.toml");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  };
  const configToml = () => fs.readFileSync(path.join(dirs.configDir, "config.toml"), "utf8");

  it("says the history is in the window's SQLite file", async () => {
    await openStorage();
    const now = browser.$(byTestId("storage-now"));
    assert.equal(await now.getAttribute("data-kind"), "sqlite");
    assert.ok((await textOf(now)).includes(dirs.db), `not the window's file: ${await textOf(now)}`);
    assert.equal(await textOf(browser.$(byTestId("storage-url-state"))), "not set");
    assert.ok((await textOf(browser.$(byTestId("storage-migrate")))).includes(`clawdesk migrate --from '${dirs.db}'`));
  });

  it("refuses a URL that is not PostgreSQL, with the reason next to the field", async () => {
    await saveUrl("mysql://root:pw@127.0.0.1/clawdesk");
    const error = browser.$(byTestId("storage-url-error"));
    await error.waitForDisplayed({ timeoutMsg: "no error for a mysql:// URL" });
    assert.equal(await textOf(error), "storage.databaseUrl must be a postgres:// or postgresql:// URL, or null for the local database.");
    assert.equal(await browser.$(byTestId("storage-url")).getValue(), "mysql://root:pw@127.0.0.1/clawdesk", "the typed URL was lost");
    assert.equal(await textOf(browser.$(byTestId("storage-url-state"))), "not set");
    assert.ok(!secrets().includes("mysql://"), "a refused URL was stored");
  });

  it("takes a PostgreSQL URL write-only and says it applies at the next start", async () => {
    await saveUrl(pgUrl);
    await browser.waitUntil(async () => (await textOf(browser.$(byTestId("storage-url-state")))) === "a database URL is set", {
      timeoutMsg: "the URL was not taken",
    });
    assert.match(await textOf(browser.$(byTestId("storage-pending"))), /from its next start/);
    assert.equal(await browser.$(byTestId("storage-url-error")).isExisting(), false);
    assert.equal(await browser.$(byTestId("storage-url")).getValue(), "", "the URL stays in the field");
    const html = await browser.execute(() => document.body.innerHTML);
    assert.ok(!html.includes("e2e-db-secret"), "the URL's password is in the page");
    assert.ok(secrets().includes(pgUrl), "the URL is not in the secrets file");
    assert.ok(!configToml().includes("postgres://"), "the URL is in config.toml");
    // This run keeps its file.
    assert.equal(await browser.$(byTestId("storage-now")).getAttribute("data-kind"), "sqlite");
    await browser.$(byTestId("storage-settings")).scrollIntoView();
    await h.screenshot("e2e-storage-url-set.png");
  });

  it("uses it from the next start, its password masked", async () => {
    browser = await h.launch(dirs);
    await openStorage();
    const now = browser.$(byTestId("storage-now"));
    assert.equal(await now.getAttribute("data-kind"), "postgres");
    const shown = await textOf(now);
    assert.ok(shown.includes(pgUrl.replace("e2e-db-secret", "***")), `not the masked URL: ${shown}`);
    assert.ok(!shown.includes("e2e-db-secret"), "the password is shown");
    assert.equal(await browser.$(byTestId("storage-pending")).isExisting(), false);
  });

  it("removing it takes the start after that back to the file", async () => {
    await clickWhenReady(browser.$(byTestId("storage-url-remove")));
    await browser.waitUntil(async () => (await textOf(browser.$(byTestId("storage-url-state")))) === "not set", {
      timeoutMsg: "the URL was not removed",
    });
    assert.match(await textOf(browser.$(byTestId("storage-pending"))), /From the next start your history is in the local SQLite file again/);
    assert.ok(!secrets().includes("postgres://"), "the URL is still in the secrets file");
    browser = await h.launch(dirs);
    await openStorage();
    assert.equal(await browser.$(byTestId("storage-now")).getAttribute("data-kind"), "sqlite");
  });
});
