// What the user is typing, per chat. Kept in localStorage (one entry per
// session) so the text survives switching chats, a send the backend refused
// and an app restart; a draft is cleared only once the backend accepted it.
import { createStore } from "solid-js/store";
import type { SessionId } from "../../bindings/bindings";

const PREFIX = "clawdesk.draft.";

export type Drafts = ReturnType<typeof createDrafts>;

/** `storage` is the browser's localStorage unless a test passes its own
 * (or `null`: drafts then live only as long as the window). */
export function createDrafts(storage: Storage | null = globalThis.localStorage ?? null) {
  // Drafts read or written in this window; others are read from storage on
  // first use.
  const [texts, setTexts] = createStore<Record<string, string>>({});

  function stored(sessionId: SessionId): string {
    try {
      return storage?.getItem(PREFIX + sessionId) ?? "";
    } catch {
      return ""; // storage disabled: nothing was kept
    }
  }

  /** The draft of a chat ("" when there is none). Reactive. */
  function text(sessionId: SessionId): string {
    return texts[sessionId] ?? stored(sessionId);
  }

  function set(sessionId: SessionId, value: string): void {
    setTexts(sessionId, value);
    try {
      if (value === "") storage?.removeItem(PREFIX + sessionId);
      else storage?.setItem(PREFIX + sessionId, value);
    } catch {
      // Full or disabled storage: the draft still lives in this window.
    }
  }

  /** Clears a chat's draft; with `sent`, only if the draft is still that
   * text (the user may have edited it while it was being sent). */
  function clear(sessionId: SessionId, sent?: string): void {
    if (sent === undefined || text(sessionId) === sent) set(sessionId, "");
  }

  return { text, set, clear };
}
