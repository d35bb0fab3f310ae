import { createEffect, on, Show } from "solid-js";
import { matchShortcut } from "../shortcuts";

export interface ComposerProps {
  /** The open chat's draft; the composer holds no text of its own, so a
   * draft outlives a chat switch and a refused send. */
  value: string;
  onInput: (text: string) => void;
  /** Whether this backend can send at all (the command exists). */
  canSend: boolean;
  canStop: boolean;
  /** A reply is streaming in this chat. */
  streaming: boolean;
  /** The send command is in flight. */
  sending: boolean;
  disabled?: boolean;
  /** Sending is held (the server does not answer), but typing goes on: the
   * draft waits in the composer. */
  sendHeld?: boolean;
  /** Resolves to whether the backend accepted the text; the draft is
   * cleared (by the caller) only then. */
  onSend: (text: string) => Promise<boolean>;
  onStop: () => void;
  /** Each new value puts the focus in the composer ("New chat"). */
  focusRequest?: number;
  /** Up in the empty composer: edit the last message; false when there is
   * none to edit (the key then does what it always does). */
  onEditLast?: () => boolean;
}

/** The tallest the composer grows before it scrolls. */
const MAX_HEIGHT_PX = 240;

/** Enter sends, Shift+Enter adds a line, Escape stops a streaming reply,
 * Up in the empty composer edits the last message. */
export function Composer(props: ComposerProps) {
  let area: HTMLTextAreaElement | undefined;

  const fit = () => {
    if (!area) return;
    area.style.height = "auto";
    // scrollHeight leaves out the borders, and the box is border-box: without
    // them a one-line draft overflows by the border and shows a scrollbar.
    const borders = area.offsetHeight - area.clientHeight;
    const wanted = area.scrollHeight + borders;
    area.style.height = `${Math.min(wanted, MAX_HEIGHT_PX)}px`;
    // Scrolls only once it stops growing.
    area.style.overflowY = wanted > MAX_HEIGHT_PX ? "auto" : "hidden";
  };
  // A draft put back (another chat opened, the app restarted) gets its height too.
  createEffect(on(() => props.value, () => queueMicrotask(fit)));
  createEffect(
    on(
      () => props.focusRequest,
      (n) => {
        if (n) queueMicrotask(() => area?.focus());
      },
    ),
  );

  const blocked = () => !props.canSend || props.disabled || props.sendHeld || props.sending || props.streaming;

  const submit = async () => {
    const value = props.value;
    if (blocked() || value.trim() === "") return;
    await props.onSend(value);
    area?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === "Escape" && props.streaming) {
      e.preventDefault();
      props.onStop();
    } else if (props.value === "" && matchShortcut(e, undefined, "emptyComposer")?.id === "editLast") {
      if (props.onEditLast?.()) e.preventDefault();
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
        value={props.value}
        placeholder={props.canSend ? "Message ClawDesk…  (Enter to send, Shift+Enter for a new line)" : "Sending is not available: this backend has no send command yet."}
        aria-label="Message"
        data-testid="composer-input"
        disabled={!props.canSend || props.disabled}
        // Held still while the backend decides, so what it accepts is exactly
        // the draft that gets cleared.
        readOnly={props.sending}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        onKeyDown={onKeyDown}
      />
      <Show
        when={props.streaming}
        fallback={
          <button type="submit" class="primary send" data-testid="send-button" disabled={blocked() || props.value.trim() === ""}>
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
