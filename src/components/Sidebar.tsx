import { createSignal, For, Show } from "solid-js";
import type { SessionInfo } from "../../bindings/bindings";
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
  selectedId: string | null;
  now: Date;
  creating: boolean;
  onSelect: (id: string) => void;
  onCreate: () => void;
  onDelete: (id: string) => Promise<boolean>;
  onDismissError: () => void;
}

export function Sidebar(props: SidebarProps) {
  const [confirming, setConfirming] = createSignal<string | null>(null);
  const [deleting, setDeleting] = createSignal<string | null>(null);

  const confirmDelete = async (id: string) => {
    setDeleting(id);
    const ok = await props.onDelete(id);
    setDeleting(null);
    if (ok) setConfirming(null);
  };

  return (
    <nav class="sessions" aria-label="Chats">
      <button type="button" class="primary new-chat" onClick={() => props.onCreate()} disabled={props.creating}>
        <span aria-hidden="true">+</span> New chat
      </button>
      <ErrorNote error={props.error} onDismiss={props.onDismissError} />
      <Show when={props.loaded} fallback={<p class="muted pad">Loading chats…</p>}>
        <Show when={props.sessions.length > 0} fallback={<p class="muted pad">No chats yet.</p>}>
          <ul class="session-list">
            <For each={props.sessions}>
              {(s) => (
                <li
                  class="session"
                  classList={{ selected: s.id === props.selectedId }}
                  data-session-id={s.id}
                >
                  <Show
                    when={confirming() === s.id}
                    fallback={
                      <>
                        <button
                          type="button"
                          class="session-open"
                          aria-current={s.id === props.selectedId ? "page" : undefined}
                          onClick={() => props.onSelect(s.id)}
                        >
                          <span class="session-title">{sessionTitle(s)}</span>
                          <span class="session-meta">
                            <time datetime={s.lastActive} title={new Date(s.lastActive).toLocaleString()}>
                              {relativeTime(s.lastActive, props.now)}
                            </time>
                            <Show when={s.messageCount > 0}>
                              <span> · {s.messageCount} msg</span>
                            </Show>
                          </span>
                        </button>
                        <button
                          type="button"
                          class="icon-button session-delete"
                          aria-label={`Delete ${sessionTitle(s)}`}
                          title="Delete chat"
                          onClick={() => setConfirming(s.id)}
                        >
                          ×
                        </button>
                      </>
                    }
                  >
                    <div class="confirm" role="group" aria-label="Confirm delete">
                      <span>Delete “{sessionTitle(s)}” and all its messages?</span>
                      <div class="confirm-actions">
                        <button
                          type="button"
                          class="danger"
                          disabled={deleting() === s.id}
                          onClick={() => void confirmDelete(s.id)}
                        >
                          Delete
                        </button>
                        <button type="button" class="ghost" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </div>
                    </div>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </nav>
  );
}
