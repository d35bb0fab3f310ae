// What Settings → Storage says about where the history is and where it
// will be. The backend chooses its database once, at start
// (`CLAWDESK_DATABASE_URL` in its environment, else `storage.databaseUrl`,
// else the SQLite file), and health tells which one this run uses; the URL
// itself is a write-only secret, so the window knows only whether one is
// set. Comparing the two, and remembering what was changed in this run,
// is all the window can honestly say.
import { createSignal } from "solid-js";
import type { StorageStatus } from "../../bindings/bindings";

/** What this window did to `storage.databaseUrl` since it started. */
export type StorageChange = "saved" | "removed" | null;

// For the window's lifetime, not a component's: the backend reads the URL
// only at start, so a change made in this run stays pending until the next,
// even after Settings was closed and opened again.
const [change, setChange] = createSignal<StorageChange>(null);

/** The change made to the database URL in this run, if any. */
export const storageChange = change;
/** Notes a change that the backend accepted. */
export const noteStorageChange = (next: Exclude<StorageChange, null>) => setChange(next);
/** Forgets it (tests start from a fresh window). */
export const forgetStorageChange = () => setChange(null);

export const kindLabel = (kind: StorageStatus["kind"]): string => (kind === "postgres" ? "PostgreSQL" : "SQLite");

/**
 * What will differ at the next start, or `null` when nothing the window
 * knows of will: `now` is health's storage (this run), `urlSet` whether a
 * URL is stored.
 */
export function pendingStorageNote(now: StorageStatus | null, urlSet: boolean, changed: StorageChange): string | null {
  if (changed === "saved" && urlSet) {
    return "Saved. ClawDesk uses this database from its next start; until then your history stays where it is now.";
  }
  // Removed after being set in this same run, on the file: nothing changes.
  if (changed === "removed" && !urlSet && now?.kind !== "sqlite") {
    return "Removed. From the next start your history is in the local SQLite file again; the chats on the PostgreSQL server stay there.";
  }
  if (!now || changed === "removed") return null;
  if (urlSet && now.kind === "sqlite") {
    return "A database URL is set, but this run uses the local file: the URL applies from the next start.";
  }
  if (!urlSet && now.kind === "postgres") {
    return "No URL is set here, yet this run uses PostgreSQL: it was named by the CLAWDESK_DATABASE_URL environment variable, or by a URL removed since the start (the next start then uses the local file).";
  }
  return null;
}

/** The command that moves a SQLite history into PostgreSQL, for `file` when known. */
export function migrateCommand(file: string | null): string {
  const from = file ? `'${file.replace(/'/g, `'\\''`)}'` : "<your clawdesk.db>";
  return `clawdesk migrate --from ${from} --to 'postgres://USER:PASSWORD@HOST:5432/DB'`;
}
