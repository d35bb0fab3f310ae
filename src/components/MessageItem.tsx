import { createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { describeFailure } from "../api";
import type { ChatMessage } from "../chat/streamState";
import { copyText } from "../lib/clipboard";
import { formatCount } from "../lib/format";
import { COPIED_MS, Markdown } from "./Markdown";

const roleLabel = { user: "You", assistant: "Assistant", system: "System" } as const;

export interface MessageItemProps {
  message: ChatMessage;
  /** This message is the reply streaming right now. */
  live: boolean;
  /** Marked as the search hit the chat was opened at. */
  highlighted?: boolean;
}

export function MessageItem(props: MessageItemProps) {
  const m = () => props.message;
  const time = () => new Date(m().timestamp);
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
        <time class="message-time" datetime={m().timestamp} title={time().toLocaleString()}>
          {time().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
        </time>
      </header>

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

      <Show when={m().failure}>
        {(f) => (
          <p class="message-failure" data-testid="message-failure" role={f().code === "cancelled" ? undefined : "alert"}>
            {describeFailure(f().code)}
            <Show when={f().code !== "cancelled" && f().message}>
              <span class="muted"> ({f().message})</span>
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

      <Show when={m().content.length > 0 && !props.live}>
        <div class="message-actions">
          <CopyButton text={m().content} label="Copy message" />
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
