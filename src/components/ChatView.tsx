import { createSignal, Show } from "solid-js";
import type { ArchiveStore } from "../archive/archiveStore";
import { ChatExport } from "./ArchiveControls";
import type { MessageId, ModelInfo, SessionId, SessionInfo } from "../../bindings/bindings";
import type { ChatStore } from "../chat/chatStore";
import type { Drafts } from "../chat/drafts";
import { formatCount } from "../lib/format";
import { Composer } from "./Composer";
import { ErrorNote } from "./ErrorNote";
import { MessageList } from "./MessageList";
import type { TreeControls } from "./MessageTree";
import { modelName, resolveModel } from "./ModelPicker";
import { sessionTitle } from "./Sidebar";

export interface ChatViewProps {
  /** Export of the open chat; absent in views without it. */
  archive?: ArchiveStore;
  chat: ChatStore;
  session: SessionInfo | null;
  drafts: Drafts;
  /** The offered models, to name the chat's model; none needed. */
  models?: readonly ModelInfo[];
  /** Each new value puts the focus in the composer. */
  focusComposer?: number;
  /** The server does not answer: sending waits, typing does not. */
  offline?: boolean;
}

export function ChatView(props: ChatViewProps) {
  const chat = () => props.chat;
  /** The chat's model by name, and its qualified id (a bare id from an
   * older chat resolved, when one offered model serves it). */
  const chatModel = (value: string | null) => {
    if (value === null) return { name: "default model", id: "the default model" };
    const models = props.models ?? [];
    return { name: modelName(models, value), id: resolveModel(models, value)?.id ?? value };
  };

  // Back to the composer after an edit is sent or left.
  const [refocus, setRefocus] = createSignal(0);
  const focusComposer = () => {
    setRefocus((n) => n + 1);
  };

  // The store's versions actions as the messages see them (getters: reactive).
  const tree: TreeControls = {
    get busy() {
      return chat().busy();
    },
    get editing() {
      return chat().editing();
    },
    get canEdit() {
      return chat().canEdit();
    },
    get canRegenerate() {
      return chat().canRegenerate();
    },
    get canSwitch() {
      return chat().canSwitch();
    },
    get models() {
      return props.models ?? [];
    },
    startEdit: (id: MessageId) => void chat().startEdit(id),
    setEditText: (text: string) => chat().setEditText(text),
    saveEdit: () => void chat().saveEdit().then((ok) => ok && focusComposer()),
    cancelEdit: () => {
      chat().cancelEdit();
      focusComposer();
    },
    regenerate: (id: MessageId, model: string | null) => void chat().regenerate(id, model),
    switchTo: (id: MessageId) => void chat().switchTo(id),
  };

  // The draft is cleared only once the backend accepted the message, and
  // only if it was not edited meanwhile; a refused send leaves it as typed.
  const send = async (sessionId: SessionId, text: string) => {
    const ok = await chat().send(text);
    if (ok) props.drafts.clear(sessionId, text);
    return ok;
  };

  return (
    <section class="chat" aria-label="Chat" data-testid="chat-view">
      <Show
        when={props.session}
        fallback={
          <div class="empty-state">
            <h2>Start a chat</h2>
            <p class="muted">Pick a model in the sidebar and press “New chat”, or open an earlier conversation.</p>
          </div>
        }
      >
        {(session) => (
          <>
            <header class="chat-head">
              <h1 class="chat-title" data-testid="chat-title">{sessionTitle(session())}</h1>
              <span class="chat-model muted" data-testid="chat-model" title={`The model this chat uses: ${chatModel(session().model).id}`}>
                {chatModel(session().model).name}
              </span>
              <Show when={props.archive}>{(archive) => <ChatExport archive={archive()} session={session()} />}</Show>
              <Show when={chat().canCompact()}>
                <button
                  type="button"
                  class="ghost small compact-button"
                  disabled={chat().busy() || chat().state.messages.length < 3}
                  title="Summarize the older part of this chat to free context"
                  onClick={() => void chat().compact()}
                >
                  {chat().compacting() ? "Compacting…" : "Compact"}
                </button>
              </Show>
            </header>
            <Show when={chat().compacted()}>
              {(r) => (
                <div class="notice" role="status">
                  <span>
                    Compacted {formatCount(r().messagesBefore)} messages into {formatCount(r().messagesAfter)}, saving about{" "}
                    {formatCount(r().tokensSaved)} tokens.
                  </span>
                  <button type="button" class="link-button" onClick={() => chat().dismissCompacted()}>
                    Dismiss
                  </button>
                </div>
              )}
            </Show>
            <ErrorNote error={chat().loadError()} class="inline" />
            <Show
              when={!chat().loading() || chat().state.messages.length > 0}
              fallback={<p class="muted center">Loading messages…</p>}
            >
              <Show
                when={chat().state.messages.length > 0}
                fallback={<p class="muted center grow">No messages yet. Say hello.</p>}
              >
                <MessageList
                  conversationKey={chat().state.sessionId}
                  messages={chat().state.messages}
                  streamingId={chat().state.streamingId}
                  highlightedId={chat().highlighted()}
                  scrollTarget={chat().scrollTarget()}
                  onNearTop={chat().hasOlder() ? () => void chat().loadOlderPage() : undefined}
                  onNearBottom={chat().hasNewer() ? () => void chat().loadNewerPage() : undefined}
                  tree={tree}
                />
              </Show>
            </Show>
            <ErrorNote error={chat().actionError()} class="inline" />
            <Composer
              value={props.drafts.text(session().id)}
              onInput={(text) => props.drafts.set(session().id, text)}
              canSend={chat().canSend()}
              canStop={chat().canStop()}
              streaming={chat().streaming()}
              // An edit or a regeneration on its way holds the composer like a send.
              sending={chat().sending() || chat().changing()}
              onSend={(text) => send(session().id, text)}
              onStop={() => void chat().stop()}
              onEditLast={() => chat().editLast()}
              sendHeld={props.offline}
              // Either asks for the focus: both only ever grow.
              focusRequest={(props.focusComposer ?? 0) + refocus()}
            />
          </>
        )}
      </Show>
    </section>
  );
}
