import { createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { describeFailure } from "../api";
import { storedId, type ChatMessage } from "../chat/streamState";
import { copyText } from "../lib/clipboard";
import { formatCount } from "../lib/format";
import { COPIED_MS, Markdown } from "./Markdown";
import { EditBox, RegenerateButtons, VersionArrows, type TreeControls } from "./MessageTree";

const roleLabel = { user: "You", assistant: "Assistant", system: "System" } as const;

export interface MessageItemProps {
  message: ChatMessage;
  /** This message is the reply streaming right now. */
  live: boolean;
  /** Marked as the search hit the chat was opened at. */
  highlighted?: boolean;
  /** Edit, regenerate, retry and the version arrows; absent: none shown. */
  tree?: TreeControls;
}

export function MessageItem(props: MessageItemProps) {
  const m = () => props.message;
  const time = () => new Date(m().timestamp);
  /** Its id in the backend (a message typed here may not know it yet). */
  const id = () => storedId(m());
  const tree = () => props.tree;
  const editing = () => {
    const draft = tree()?.editing;
    return draft && draft.id === m().id ? draft : null;
  };
  const canEdit = () => m().role === "user" && id() !== null && tree()?.canEdit === true;
  // A reply that ended (complete or stopped) can be written again; a failed
  // one has its Retry where the failure is shown.
  const canRegenerate = () =>
    m().role === "assistant" && id() !== null && tree()?.canRegenerate === true && (m().status === "complete" || m().status === "cancelled");
  const canRetry = () => m().role === "assistant" && id() !== null && tree()?.canRegenerate === true && m().status === "failed";
  return (
    <article
      class={`message role-${m().role} status-${m().status}`}
      classList={{ live: props.live, local: m().local !== null, highlighted: props.highlighted === true }}
      data-highlighted={props.highlighted ? "true" : undefined}
      data-message-id={m().id}
      data-testid="message"
      aria-busy={props.live}
    >
      <header class="message-head">
        <span class="message-role">{roleLabel[m().role]}</span>
        <Show when={m().model}>
          <span class="message-model">{m().model}</span>
        </Show>
        <Switch>
          <Match when={m().status === "streaming" && props.live}>
            <span class="badge badge-streaming">
              <span class="pulse" aria-hidden="true" />
              streaming
            </span>
          </Match>
          <Match when={m().status === "streaming"}>
            <span class="badge badge-incomplete" title="Stored while it was still arriving; it may have been interrupted.">
              incomplete
            </span>
          </Match>
          <Match when={m().status === "cancelled"}>
            <span class="badge badge-cancelled">cancelled</span>
          </Match>
          <Match when={m().status === "failed"}>
            <span class="badge badge-failed">failed</span>
          </Match>
        </Switch>
        <Show when={m().versions}>
          {(v) => (
            <VersionArrows
              versions={v()}
              disabled={!tree()?.canSwitch || tree()?.busy !== false}
              onSwitch={(to) => tree()?.switchTo(to)}
            />
          )}
        </Show>
        <time class="message-time" datetime={m().timestamp} title={time().toLocaleString()}>
          {time().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
        </time>
      </header>

      <Show
        when={editing()}
        fallback={
          <div class="message-body">
            <Show
              when={m().role !== "user"}
              fallback={<p class="plain">{m().content}</p>}
            >
              <Show
                when={m().content.length > 0}
                fallback={
                  <Show when={props.live}>
                    <p class="muted typing">Thinking…</p>
                  </Show>
                }
              >
                <Markdown text={m().content} live={props.live} />
              </Show>
            </Show>
          </div>
        }
      >
        {(draft) => (
          <EditBox
            text={draft().text}
            busy={tree()?.busy !== false}
            onInput={(text) => tree()?.setEditText(text)}
            onSave={() => tree()?.saveEdit()}
            onCancel={() => tree()?.cancelEdit()}
          />
        )}
      </Show>

      <Show when={m().failure}>
        {(f) => (
          <p class="message-failure" data-testid="message-failure" role={f().code === "cancelled" ? undefined : "alert"}>
            {describeFailure(f().code)}
            <Show when={f().code !== "cancelled" && f().message}>
              <span class="muted"> ({f().message})</span>
            </Show>
            <Show when={canRetry()}>
              <button
                type="button"
                class="small retry-button"
                data-testid="message-retry"
                disabled={tree()?.busy !== false}
                title="Ask again for this reply; the failed one stays as an earlier version"
                onClick={() => {
                  const reply = id();
                  if (reply) tree()?.regenerate(reply, null);
                }}
              >
                Retry
              </button>
            </Show>
          </p>
        )}
      </Show>

      <Show when={m().usage}>
        {(u) => (
          <footer class="message-usage muted">
            {formatCount(u().inputTokens)} in · {formatCount(u().outputTokens)} out tokens
          </footer>
        )}
      </Show>

      <Show when={!props.live && !editing() && (m().content.length > 0 || canEdit() || canRegenerate())}>
        <div class="message-actions">
          <Show when={m().content.length > 0}>
            <CopyButton text={m().content} label="Copy message" />
          </Show>
          <Show when={canEdit()}>
            <button
              type="button"
              class="ghost small"
              data-testid="message-edit"
              disabled={tree()?.busy !== false}
              title="Change this message and send it again; this version stays"
              onClick={() => {
                const question = id();
                if (question) tree()?.startEdit(question);
              }}
            >
              Edit
            </button>
          </Show>
          <Show when={canRegenerate()}>
            <RegenerateButtons
              models={tree()?.models ?? []}
              disabled={tree()?.busy !== false}
              onRegenerate={(model) => {
                const reply = id();
                if (reply) tree()?.regenerate(reply, model);
              }}
            />
          </Show>
        </div>
      </Show>

      <Show when={m().local?.state === "sending"}>
        <footer class="muted message-local">Sending…</footer>
      </Show>
    </article>
  );
}

/** Copies `text` (a message's markdown source); says "Copied" for a moment,
 * or that the clipboard refused. */
export function CopyButton(props: { text: string; label: string }) {
  const [state, setState] = createSignal<"idle" | "copied" | "failed">("idle");
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const copy = async () => {
    setState((await copyText(props.text)) ? "copied" : "failed");
    clearTimeout(timer);
    timer = setTimeout(() => setState("idle"), COPIED_MS);
  };
  return (
    <button
      type="button"
      class="ghost small message-copy"
      data-testid="message-copy"
      data-copied={state() === "idle" ? undefined : String(state() === "copied")}
      aria-label={props.label}
      title="Copy the markdown source"
      onClick={() => void copy()}
    >
      {state() === "copied" ? "Copied" : state() === "failed" ? "Couldn't copy" : "Copy"}
    </button>
  );
}
