import { Show } from "solid-js";
import { describeError, type CommandError } from "../api";

/** An error sentence for people, or nothing. */
export function ErrorNote(props: { error: CommandError | null | undefined; class?: string; onDismiss?: () => void }) {
  return (
    <Show when={props.error}>
      {(error) => (
        <div class={`error-note ${props.class ?? ""}`} role="alert">
          <span>{describeError(error())}</span>
          <Show when={props.onDismiss}>
            {(dismiss) => (
              <button type="button" class="link-button" onClick={() => dismiss()()} aria-label="Dismiss">
                Dismiss
              </button>
            )}
          </Show>
        </div>
      )}
    </Show>
  );
}
