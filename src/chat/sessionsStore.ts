// The sessions list (sidebar): pinned first, then most recently active.
// Loaded a page at a time (`listSessionsPage`), so start-up does not grow
// with the number of chats; more pages load as the list scrolls.
import { createSignal } from "solid-js";
import { type SessionCursor, type SessionId, type SessionInfo, type SessionPatch } from "../../bindings/bindings";
import { commands } from "../transport";
import { errorOf, unwrap, type CommandError } from "../api";

export type SessionsStore = ReturnType<typeof createSessionsStore>;

/** Sessions per page: a couple of screenfuls. */
export const PAGE_SIZE = 50;
/** How long a deleted chat can still be brought back. */
export const UNDO_DELETE_MS = 5000;

/** The backend's page order: pinned first, then last activity, then id (newest first). */
export function byRecent(a: SessionInfo, b: SessionInfo): number {
  return Number(b.pinned) - Number(a.pinned) || b.lastActive.localeCompare(a.lastActive) || b.id.localeCompare(a.id);
}

/** A chat nothing was written to, that "New chat" can hand out again:
 * no messages, no title of its own, not pinned, no prompt of its own. */
export function isBlank(s: SessionInfo): boolean {
  return s.messageCount === 0 && s.title === null && !s.pinned && s.systemPrompt === null;
}

/** Adds `fresh` to `list` (replacing any copy) in order. */
function merge(list: SessionInfo[], fresh: SessionInfo[]): SessionInfo[] {
  const ids = new Set(fresh.map((s) => s.id));
  return [...list.filter((s) => !ids.has(s.id)), ...fresh].sort(byRecent);
}

export function createSessionsStore(options: { undoDeleteMs?: number } = {}) {
  const undoMs = options.undoDeleteMs ?? UNDO_DELETE_MS;
  const [all, setAll] = createSignal<SessionInfo[]>([]);
  const [loaded, setLoaded] = createSignal(false);
  const [error, setError] = createSignal<CommandError | null>(null);
  const [nextCursor, setNextCursor] = createSignal<SessionCursor | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);
  /** Deleted in the list, not yet in the backend: id → its timer. */
  const [pending, setPending] = createSignal<ReadonlyMap<SessionId, ReturnType<typeof setTimeout>>>(new Map());

  /** What the sidebar shows: everything loaded but the chats being deleted. */
  const sessions = () => {
    const hidden = pending();
    return hidden.size === 0 ? all() : all().filter((s) => !hidden.has(s.id));
  };

  // A refresh started after a page request makes that page stale.
  let generation = 0;

  /** (Re)loads the first page. */
  async function refresh(): Promise<void> {
    const mine = ++generation;
    try {
      const page = await unwrap(commands.listSessionsPage(null, PAGE_SIZE, true));
      if (mine !== generation) return;
      setAll([...page.sessions].sort(byRecent));
      setNextCursor(page.nextCursor);
      setError(null);
    } catch (e) {
      if (mine === generation) setError(errorOf(e));
    } finally {
      setLoaded(true);
    }
  }

  /** Loads the next page, if there is one and none is loading. */
  async function loadMore(): Promise<void> {
    const cursor = nextCursor();
    if (cursor === null || loadingMore()) return;
    const mine = generation;
    setLoadingMore(true);
    try {
      const page = await unwrap(commands.listSessionsPage(cursor, PAGE_SIZE, true));
      if (mine !== generation) return;
      // Chats already here (moved up by activity meanwhile) keep the newer copy.
      const have = new Set(all().map((s) => s.id));
      setAll((list) => merge(list, page.sessions.filter((s) => !have.has(s.id))));
      setNextCursor(page.nextCursor);
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setLoadingMore(false);
    }
  }

  /** Creates a chat; resolves to it, or to null (the error is in `error()`). */
  async function create(model: string | null): Promise<SessionInfo | null> {
    try {
      const session = await unwrap(commands.createSession(null, model));
      setAll((list) => merge(list, [session]));
      setError(null);
      return session;
    } catch (e) {
      setError(errorOf(e));
      return null;
    }
  }

  /** Applies `patch`; resolves to the updated chat, or null (see `error()`). */
  async function update(sessionId: SessionId, patch: SessionPatch): Promise<SessionInfo | null> {
    try {
      const fresh = await unwrap(commands.updateSession(sessionId, patch));
      setAll((list) => merge(list, [fresh]));
      setError(null);
      return fresh;
    } catch (e) {
      setError(errorOf(e));
      return null;
    }
  }

  async function remove(sessionId: SessionId): Promise<boolean> {
    try {
      await unwrap(commands.deleteSession(sessionId));
      setAll((list) => list.filter((s) => s.id !== sessionId));
      setError(null);
      return true;
    } catch (e) {
      const err = errorOf(e);
      // Already gone elsewhere: the list was just stale.
      if (err.kind === "sessionNotFound") {
        setAll((list) => list.filter((s) => s.id !== sessionId));
        return true;
      }
      setError(err);
      return false;
    }
  }

  function forget(sessionId: SessionId): void {
    setPending((map) => {
      const next = new Map(map);
      next.delete(sessionId);
      return next;
    });
  }

  /** Hides the chat now and deletes it after the undo window, unless
   * `undoDelete` comes first. Resolves once it is deleted (true), undone or
   * failed (false; a failed delete shows the chat again with the error). */
  function deleteLater(sessionId: SessionId): Promise<boolean> {
    if (pending().has(sessionId)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        undoers.delete(sessionId);
        void remove(sessionId).then((ok) => {
          forget(sessionId);
          resolve(ok);
        });
      }, undoMs);
      undoers.set(sessionId, () => {
        clearTimeout(timer);
        forget(sessionId);
        resolve(false);
      });
      setPending((map) => new Map(map).set(sessionId, timer));
    });
  }
  const undoers = new Map<SessionId, () => void>();

  /** Brings back a chat whose delete has not run yet. */
  function undoDelete(sessionId: SessionId): void {
    const undo = undoers.get(sessionId);
    undoers.delete(sessionId);
    undo?.();
  }

  /** Re-reads one session's summary (title, lastActive) after it changed. */
  async function touch(sessionId: SessionId): Promise<void> {
    try {
      const fresh = await unwrap(commands.getSession(sessionId));
      setAll((list) => merge(list, [fresh]));
    } catch {
      await refresh();
    }
  }

  /** The chats being deleted, newest request last, with their titles. */
  const pendingDeletes = () => {
    const ids = [...pending().keys()];
    return ids.map((id) => all().find((s) => s.id === id)).filter((s): s is SessionInfo => s !== undefined);
  };

  return {
    sessions,
    loaded,
    error,
    hasMore: () => nextCursor() !== null,
    loadingMore,
    pendingDeletes,
    clearError: () => setError(null),
    refresh,
    loadMore,
    create,
    update,
    remove,
    deleteLater,
    undoDelete,
    touch,
  };
}
