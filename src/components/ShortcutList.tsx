import { For, onCleanup, Show } from "solid-js";
import { isMac, SHORTCUTS, shortcutLabel } from "../shortcuts";

/** Every shortcut with its keys, straight from the table the key handler uses. */
export function ShortcutList(props: { mac?: boolean }) {
  const mac = () => props.mac ?? isMac();
  return (
    <table class="shortcut-list" data-testid="shortcut-list">
      <tbody>
        <For each={SHORTCUTS}>
          {(s) => (
            <tr data-shortcut={s.id}>
              <td>
                <kbd>{shortcutLabel(s, mac())}</kbd>
              </td>
              <td>{s.description}</td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  );
}

/** The shortcut list over the window (`?`); Escape or a click outside closes it. */
export function ShortcutHelp(props: { open: boolean; onClose: () => void }) {
  return (
    <Show when={props.open}>
      <ShortcutDialog onClose={props.onClose} />
    </Show>
  );
}

function ShortcutDialog(props: { onClose: () => void }) {
  let closeButton: HTMLButtonElement | undefined;
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape" || e.key === "?") {
      e.preventDefault();
      e.stopPropagation();
      props.onClose();
    }
  };
  window.addEventListener("keydown", onKey, true);
  onCleanup(() => window.removeEventListener("keydown", onKey, true));
  queueMicrotask(() => closeButton?.focus());
  return (
    <div class="palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="palette shortcut-help" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" data-testid="shortcut-help">
        <div class="shortcut-help-head">
          <h2>Keyboard shortcuts</h2>
          <button ref={closeButton} type="button" class="ghost small" onClick={() => props.onClose()}>
            Close
          </button>
        </div>
        <ShortcutList />
      </div>
    </div>
  );
}
