// The sessions list (sidebar), most recently active first.
import { createSignal } from "solid-js";
import { type SessionId, type SessionInfo } from "../../bindings/bindings";
import { commands } from "../transport";
import { errorOf, unwrap, type CommandError } from "../api";

export type SessionsStore = ReturnType<typeof createSessionsStore>;

export function byRecent(a: SessionInfo, b: SessionInfo): number {
  return b.lastActive.localeCompare(a.lastActive) || b.createdAt.localeCompare(a.createdAt);
}

export function createSessionsStore() {
  const [sessions, setSessions] = createSignal<SessionInfo[]>([]);
  const [loaded, setLoaded] = createSignal(false);
  const [error, setError] = createSignal<CommandError | null>(null);

  async function refresh(): Promise<void> {
    try {
      const list = await unwrap(commands.listSessions());
      setSessions([...list].sort(byRecent));
      setError(null);
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setLoaded(true);
    }
  }

  /** Creates a chat; resolves to it, or to null (the error is in `error()`). */
  async function create(model: string | null): Promise<SessionInfo | null> {
    try {
      const session = await unwrap(commands.createSession(null, model));
      setSessions((list) => [session, ...list.filter((s) => s.id !== session.id)]);
      setError(null);
      return session;
    } catch (e) {
      setError(errorOf(e));
      return null;
    }
  }

  async function remove(sessionId: SessionId): Promise<boolean> {
    try {
      await unwrap(commands.deleteSession(sessionId));
      setSessions((list) => list.filter((s) => s.id !== sessionId));
      setError(null);
      return true;
    } catch (e) {
      const err = errorOf(e);
      // Already gone elsewhere: the list was just stale.
      if (err.kind === "sessionNotFound") {
        setSessions((list) => list.filter((s) => s.id !== sessionId));
        return true;
      }
      setError(err);
      return false;
    }
  }

  /** Re-reads one session's summary (title, lastActive) after it changed. */
  async function touch(sessionId: SessionId): Promise<void> {
    try {
      const fresh = await unwrap(commands.getSession(sessionId));
      setSessions((list) => [fresh, ...list.filter((s) => s.id !== sessionId)].sort(byRecent));
    } catch {
      await refresh();
    }
  }

  return { sessions, loaded, error, clearError: () => setError(null), refresh, create, remove, touch };
}
