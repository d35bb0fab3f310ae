import { createSignal, Show } from "solid-js";

export interface ComposerProps {
  /** Whether this backend can send at all (the command exists). */
  canSend: boolean;
  canStop: boolean;
  /** A reply is streaming in this chat. */
  streaming: boolean;
  /** The send command is in flight. */
  sending: boolean;
  disabled?: boolean;
  onSend: (text: string) => Promise<boolean>;
  onStop: () => void;
}

/** Enter sends, Shift+Enter adds a line, Escape stops a streaming reply. */
export function Composer(props: ComposerProps) {
  const [text, setText] = createSignal("");
  let area: HTMLTextAreaElement | undefined;

  const fit = () => {
    if (!area) return;
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, 240)}px`;
  };

  const blocked = () => !props.canSend || props.disabled || props.sending || props.streaming;

  const submit = async () => {
    const value = text();
    if (blocked() || value.trim() === "") return;
    setText("");
    queueMicrotask(fit);
    const ok = await props.onSend(value);
    // The failed message stays in the chat with Retry; nothing to restore here.
    void ok;
    area?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === "Escape" && props.streaming) {
      e.preventDefault();
      props.onStop();
    }
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        ref={area}
        rows={1}
        value={text()}
        placeholder={props.canSend ? "Message ClawDesk…  (Enter to send, Shift+Enter for a new line)" : "Sending is not available: this backend has no send command yet."}
        aria-label="Message"
        data-testid="composer-input"
        disabled={!props.canSend || props.disabled}
        onInput={(e) => {
          setText(e.currentTarget.value);
          fit();
        }}
        onKeyDown={onKeyDown}
      />
      <Show
        when={props.streaming}
        fallback={
          <button type="submit" class="primary send" data-testid="send-button" disabled={blocked() || text().trim() === ""}>
            Send
          </button>
        }
      >
        <button
          type="button"
          class="stop"
          data-testid="stop-button"
          onClick={() => props.onStop()}
          disabled={!props.canStop}
          title="Stop (Esc)"
        >
          <span class="stop-square" aria-hidden="true" /> Stop
        </button>
      </Show>
    </form>
  );
}
