import { createVirtualizer } from "@tanstack/solid-virtual";
import { createEffect, createSignal, For, Show } from "solid-js";
import type { SessionId, SessionInfo } from "../../bindings/bindings";
import type { CommandError } from "../api";
import { relativeTime } from "../lib/format";
import { ErrorNote } from "./ErrorNote";

export function sessionTitle(s: Pick<SessionInfo, "title">): string {
  const t = s.title?.trim();
  return t ? t : "New chat";
}

/** Rows left below the window when the next page is asked for. */
const LOAD_AHEAD_ROWS = 15;

export interface SidebarProps {
  sessions: SessionInfo[];
  loaded: boolean;
  error: CommandError | null;
  selectedId: SessionId | null;
  now: Date;
  creating: boolean;
  /** More chats than the pages loaded so far. */
  hasMore: boolean;
  /** Deleted chats that can still be brought back. */
  pendingDeletes: SessionInfo[];
  onSelect: (id: SessionId) => void;
  onCreate: () => void;
  /** Hides the chat; it is deleted once the undo window passes. */
  onDelete: (id: SessionId) => void;
  onUndoDelete: (id: SessionId) => void;
  /** Resolves to whether the new title was saved. */
  onRename: (id: SessionId, title: string) => Promise<boolean>;
  onTogglePin: (id: SessionId, pinned: boolean) => void;
  onLoadMore: () => void;
  onDismissError: () => void;
}

interface RowProps {
  session: SessionInfo;
  selected: boolean;
  now: Date;
  onSelect: () => void;
  onDelete: () => void;
  onRename: (title: string) => Promise<boolean>;
  onTogglePin: () => void;
}

/** The title as an input: Enter (or leaving it) saves, Escape cancels. */
function RenameInput(props: { title: string | null; onDone: (title: string | null) => Promise<void> }) {
  let done = false;
  const finish = (value: string | null) => {
    if (done) return;
    done = true;
    void props.onDone(value).finally(() => (done = false));
  };
  return (
    <input
      class="session-rename"
      data-testid="session-rename-input"
      aria-label="Chat title"
      maxLength={200}
      value={props.title ?? ""}
      ref={(el) =>
        queueMicrotask(() => {
          el.focus();
          el.select();
        })
      }
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          finish(e.currentTarget.value);
        } else if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          finish(null);
        }
      }}
      onBlur={(e) => finish(e.currentTarget.value)}
    />
  );
}

function SessionRow(props: RowProps) {
  const title = () => sessionTitle(props.session);
  const [editing, setEditing] = createSignal(false);
  let openButton: HTMLButtonElement | undefined;

  const rename = async (value: string | null) => {
    const next = value?.trim() ?? "";
    // Escape, an empty title or no change: nothing to save.
    if (next === "" || next === (props.session.title ?? "")) {
      setEditing(false);
    } else if (await props.onRename(next)) {
      setEditing(false);
    } else {
      return; // keep editing; the error shows above the list
    }
    queueMicrotask(() => openButton?.focus());
  };

  return (
    <Show
      when={!editing()}
      fallback={<RenameInput title={props.session.title} onDone={rename} />}
    >
      <button
        type="button"
        class="session-open"
        data-testid="session-open"
        ref={openButton}
        aria-current={props.selected ? "page" : undefined}
        aria-keyshortcuts="F2"
        title="Double-click or F2 to rename"
        onClick={() => props.onSelect()}
        onDblClick={() => setEditing(true)}
        onKeyDown={(e) => {
          if (e.key === "F2") {
            e.preventDefault();
            setEditing(true);
          }
        }}
      >
        <span class="session-title">
          <Show when={props.session.pinned}>
            <span class="session-pinned" aria-label="Pinned" role="img">📌 </span>
          </Show>
          {title()}
        </span>
        <span class="session-meta">
          <time datetime={props.session.lastActive}>{relativeTime(props.session.lastActive, props.now)}</time>
          <Show when={props.session.messageCount > 0}>
            <span> · {props.session.messageCount} msg</span>
          </Show>
        </span>
      </button>
      <div class="session-actions">
        <button
          type="button"
          class="icon-button session-rename-button"
          data-testid="session-rename"
          aria-label={`Rename ${title()}`}
          title="Rename (F2)"
          onClick={() => setEditing(true)}
        >
          ✎
        </button>
        <button
          type="button"
          class="icon-button session-pin"
          data-testid="session-pin"
          aria-label={`${props.session.pinned ? "Unpin" : "Pin"} ${title()}`}
          aria-pressed={props.session.pinned}
          title={props.session.pinned ? "Unpin" : "Pin to the top"}
          onClick={() => props.onTogglePin()}
        >
          {props.session.pinned ? "★" : "☆"}
        </button>
        <button
          type="button"
          class="icon-button session-delete"
          data-testid="session-delete"
          aria-label={`Delete ${title()}`}
          title="Delete chat"
          onClick={() => props.onDelete()}
        >
          ×
        </button>
      </div>
    </Show>
  );
}

interface SessionListProps {
  sessions: SessionInfo[];
  selectedId: SessionId | null;
  now: Date;
  hasMore: boolean;
  onSelect: (id: SessionId) => void;
  onDelete: (id: SessionId) => void;
  onRename: (id: SessionId, title: string) => Promise<boolean>;
  onTogglePin: (id: SessionId, pinned: boolean) => void;
  onLoadMore: () => void;
}

/** Windowed like the messages, so thousands of chats stay cheap. Mounted
 * only once there are sessions, so its scroll element exists from the start. */
function SessionList(props: SessionListProps) {
  let scrollEl: HTMLDivElement | undefined;

  const virtualizer = createVirtualizer({
    get count() {
      return props.sessions.length;
    },
    getScrollElement: () => scrollEl ?? null,
    estimateSize: () => 52,
    overscan: 8,
    getItemKey: (index: number) => props.sessions[index]?.id ?? index,
  });

  // The next page is asked for while the rows shown come near the end of
  // those loaded (and at once when the first page does not fill the list).
  createEffect(() => {
    const items = virtualizer.getVirtualItems();
    const last = items[items.length - 1];
    if (props.hasMore && (last === undefined || last.index >= props.sessions.length - LOAD_AHEAD_ROWS)) props.onLoadMore();
  });

  return (
    <div class="session-scroll" ref={scrollEl}>
      <ul class="session-list" style={{ height: `${virtualizer.getTotalSize()}px` }}>
        <For each={virtualizer.getVirtualItems()}>
          {(row) => (
            <Show when={props.sessions[row.index]} keyed>
              {(s) => (
                <li
                  class="session"
                  data-testid="session-row"
                  classList={{ selected: s.id === props.selectedId, pinned: s.pinned }}
                  data-session-id={s.id}
                  data-index={row.index}
                  ref={(el) => queueMicrotask(() => el.isConnected && virtualizer.measureElement(el))}
                  style={{ transform: `translateY(${row.start}px)` }}
                >
                  <SessionRow
                    session={s}
                    selected={s.id === props.selectedId}
                    now={props.now}
                    onSelect={() => props.onSelect(s.id)}
                    onDelete={() => props.onDelete(s.id)}
                    onRename={(title) => props.onRename(s.id, title)}
                    onTogglePin={() => props.onTogglePin(s.id, !s.pinned)}
                  />
                </li>
              )}
            </Show>
          )}
        </For>
      </ul>
    </div>
  );
}

/** "Deleted …" with Undo, for each chat whose delete has not run yet. */
function UndoToasts(props: { pending: SessionInfo[]; onUndo: (id: SessionId) => void }) {
  return (
    <Show when={props.pending.length > 0}>
      <div class="undo-toasts" role="status" aria-live="polite">
        <For each={props.pending}>
          {(s) => (
            <div class="undo-toast" data-testid="undo-toast" data-session-id={s.id}>
              <span>Deleted “{sessionTitle(s)}”.</span>
              <button
                type="button"
                class="ghost"
                data-testid="undo-delete"
                aria-label={`Undo deleting ${sessionTitle(s)}`}
                onClick={() => props.onUndo(s.id)}
              >
                Undo
              </button>
            </div>
          )}
        </For>
      </div>
    </Show>
  );
}

/** The chats, pinned first then most recent, with New chat, rename, pin and
 * delete with undo. */
export function Sidebar(props: SidebarProps) {
  return (
    <nav class="sessions" aria-label="Chats" data-testid="session-nav">
      <button type="button" class="primary new-chat" data-testid="new-chat" onClick={() => props.onCreate()} disabled={props.creating}>
        <span aria-hidden="true">+</span> New chat
      </button>
      <ErrorNote error={props.error} onDismiss={props.onDismissError} />
      <Show when={props.loaded} fallback={<p class="muted pad">Loading chats…</p>}>
        <Show when={props.sessions.length > 0} fallback={<p class="muted pad">No chats yet.</p>}>
          <SessionList
            sessions={props.sessions}
            selectedId={props.selectedId}
            now={props.now}
            hasMore={props.hasMore}
            onSelect={props.onSelect}
            onDelete={props.onDelete}
            onRename={props.onRename}
            onTogglePin={props.onTogglePin}
            onLoadMore={props.onLoadMore}
          />
        </Show>
      </Show>
      <UndoToasts pending={props.pendingDeletes} onUndo={props.onUndoDelete} />
    </nav>
  );
}
