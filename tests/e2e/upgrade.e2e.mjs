// @ts-check
// A database whose migration fails, in the real window: the app opens, the
// status line says the upgrade failed in a few words, the Status panel has
// the whole reason and the backup's name, and the file is left as it was.
// The database is the committed schema-v3 fixture with its record of
// migration 3 removed, so the real migration 3 runs and fails (its columns
// are already there).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { byTestId, clickWhenReady, Harness, ROOT, textOf } from "./harness.mjs";

describe("a failed database upgrade in the window", { timeout: 180_000 }, () => {
  const h = new Harness("upgrade");
  const dirs = h.appDirs("profile");
  fs.copyFileSync(path.join(ROOT, "crates/clawdesk-core/tests/fixtures/v3/clawdesk.db"), dirs.db);
  execFileSync("sqlite3", ["-batch", "-bail", dirs.db], {
    input: "DELETE FROM _sqlx_migrations WHERE version = 3;\nPRAGMA wal_checkpoint(TRUNCATE);\n",
    timeout: 30_000,
  });
  const original = fs.readFileSync(dirs.db);
  /** @type {import("./harness.mjs").Browser} */
  let browser;

  before(async () => {
    browser = await h.launch(dirs);
  });
  after(async () => {
    await h.close();
  });

  it("says so in the status line and the Status panel, and changes nothing", async () => {
    const summary = browser.$(byTestId("status-summary"));
    await browser.waitUntil(async () => /could not be upgraded/.test(await textOf(summary)), {
      timeout: 20_000,
      timeoutMsg: "the status line does not report the failed upgrade",
    });
    assert.equal(await textOf(summary), "Unhealthy · the database could not be upgraded; nothing was changed");
    await clickWhenReady(summary);
    const attention = browser.$('[aria-label="What needs attention"]');
    await attention.waitForDisplayed();
    const text = await textOf(attention);
    assert.match(text, /migration 3 \(message failure\) failed: .*duplicate column name/);
    assert.match(text, /left unchanged at schema version 2/);
    assert.match(text, /clawdesk\.db\.backup-v2-\d{8}T\d{6}\.\d{3}Z/);
    assert.match(text, /Your chats are safe/);
    await h.screenshot("e2e-upgrade-failed.png");

    const backups = fs.readdirSync(dirs.dataDir).filter((f) => f.startsWith("clawdesk.db.backup-v2-"));
    assert.equal(backups.length, 1, `one backup: ${backups}`);
    await h.quit();
    assert.ok(fs.readFileSync(dirs.db).equals(original), "the database file is byte for byte what it was");
  });
});
