import { describe, expect, it } from "vitest";
import type { StorageStatus } from "../../bindings/bindings";
import { migrateCommand, pendingStorageNote } from "./storageState";

const file: StorageStatus = { kind: "sqlite", location: "/data/clawdesk.db" };
const pg: StorageStatus = { kind: "postgres", location: "postgres://u:***@db/x" };

describe("what Settings → Storage says is pending", () => {
  it.each([
    // now, urlSet, changed in this run → the note's start (null: none)
    [file, false, null, null],
    [pg, true, null, null],
    [file, true, null, "A database URL is set, but this run uses the local file"],
    [pg, false, null, "No URL is set here, yet this run uses PostgreSQL: it was named by the CLAWDESK_DATABASE_URL"],
    [file, true, "saved", "Saved. ClawDesk uses this database from its next start"],
    // A new URL replacing the one in use applies at the next start too.
    [pg, true, "saved", "Saved. ClawDesk uses this database from its next start"],
    [pg, false, "removed", "Removed. From the next start your history is in the local SQLite file again"],
    // Set and removed again in this run, on the file: nothing changes.
    [file, false, "removed", null],
    // Health not read (yet): only what this run did is known.
    [null, true, "saved", "Saved."],
    [null, false, "removed", "Removed."],
    [null, true, null, null],
  ] as const)("now %o, URL set %s, changed %s", (now, urlSet, changed, expected) => {
    const note = pendingStorageNote(now, urlSet, changed);
    if (expected === null) expect(note).toBeNull();
    else expect(note?.startsWith(expected)).toBe(true);
  });
});

describe("the migrate command shown", () => {
  it("names the file this run uses, quoted for a shell", () => {
    expect(migrateCommand("/home/o'neil/clawdesk.db")).toBe(
      `clawdesk migrate --from '/home/o'\\''neil/clawdesk.db' --to 'postgres://USER:PASSWORD@HOST:5432/DB'`,
    );
    expect(migrateCommand(null)).toBe("clawdesk migrate --from <your clawdesk.db> --to 'postgres://USER:PASSWORD@HOST:5432/DB'");
  });
});
