import { createVirtualizer } from "@tanstack/solid-virtual";
import { createSignal, For, Show } from "solid-js";
import type { SessionId, SessionInfo } from "../../bindings/bindings";
import type { CommandError } from "../api";
import { relativeTime } from "../lib/format";
import { ErrorNote } from "./ErrorNote";

export function sessionTitle(s: Pick<SessionInfo, "title">): string {
  const t = s.title?.trim();
  return t ? t : "New chat";
}

export interface SidebarProps {
  sessions: SessionInfo[];
  loaded: boolean;
  error: CommandError | null;
  selectedId: SessionId | null;
  now: Date;
  creating: boolean;
  onSelect: (id: SessionId) => void;
  onCreate: () => void;
  onDelete: (id: SessionId) => Promise<boolean>;
  onDismissError: () => void;
}

interface RowProps {
  session: SessionInfo;
  selected: boolean;
  now: Date;
  confirming: boolean;
  deleting: boolean;
  onSelect: () => void;
  onAskDelete: () => void;
  onConfirmDelete: () => void;
  onCancelDelete: () => void;
}

function SessionRow(props: RowProps) {
  const title = () => sessionTitle(props.session);
  return (
    <Show
      when={props.confirming}
      fallback={
        <>
          <button
            type="button"
            class="session-open"
            data-testid="session-open"
            aria-current={props.selected ? "page" : undefined}
            onClick={() => props.onSelect()}
          >
            <span class="session-title">{title()}</span>
            <span class="session-meta">
              <time datetime={props.session.lastActive}>{relativeTime(props.session.lastActive, props.now)}</time>
              <Show when={props.session.messageCount > 0}>
                <span> · {props.session.messageCount} msg</span>
              </Show>
            </span>
          </button>
          <button
            type="button"
            class="icon-button session-delete"
            data-testid="session-delete"
            aria-label={`Delete ${title()}`}
            title="Delete chat"
            onClick={() => props.onAskDelete()}
          >
            ×
          </button>
        </>
      }
    >
      <div class="confirm" role="group" aria-label="Confirm delete" data-testid="session-delete-confirm">
        <span>Delete “{title()}” and all its messages?</span>
        <div class="confirm-actions">
          <button type="button" class="danger" data-testid="session-delete-yes" disabled={props.deleting} onClick={() => props.onConfirmDelete()}>
            Delete
          </button>
          <button type="button" class="ghost" data-testid="session-delete-no" onClick={() => props.onCancelDelete()}>
            Cancel
          </button>
        </div>
      </div>
    </Show>
  );
}

interface SessionListProps {
  sessions: SessionInfo[];
  selectedId: SessionId | null;
  now: Date;
  confirming: SessionId | null;
  deleting: SessionId | null;
  onSelect: (id: SessionId) => void;
  onAskDelete: (id: SessionId | null) => void;
  onConfirmDelete: (id: SessionId) => void;
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
                  classList={{ selected: s.id === props.selectedId }}
                  data-session-id={s.id}
                  data-index={row.index}
                  ref={(el) => queueMicrotask(() => el.isConnected && virtualizer.measureElement(el))}
                  style={{ transform: `translateY(${row.start}px)` }}
                >
                  <SessionRow
                    session={s}
                    selected={s.id === props.selectedId}
                    now={props.now}
                    confirming={props.confirming === s.id}
                    deleting={props.deleting === s.id}
                    onSelect={() => props.onSelect(s.id)}
                    onAskDelete={() => props.onAskDelete(s.id)}
                    onConfirmDelete={() => props.onConfirmDelete(s.id)}
                    onCancelDelete={() => props.onAskDelete(null)}
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

/** The chats, most recent first, with New chat and delete-with-confirmation. */
export function Sidebar(props: SidebarProps) {
  const [confirming, setConfirming] = createSignal<SessionId | null>(null);
  const [deleting, setDeleting] = createSignal<SessionId | null>(null);

  const confirmDelete = async (id: SessionId) => {
    setDeleting(id);
    const ok = await props.onDelete(id);
    setDeleting(null);
    if (ok) setConfirming(null);
  };

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
            confirming={confirming()}
            deleting={deleting()}
            onSelect={props.onSelect}
            onAskDelete={setConfirming}
            onConfirmDelete={(id) => void confirmDelete(id)}
          />
        </Show>
      </Show>
    </nav>
  );
}
