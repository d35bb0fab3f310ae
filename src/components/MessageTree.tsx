// The versions of a conversation on its messages: "‹ 2 / 3 ›" arrows, the
// inline editor of a question, and regenerating a reply (from the chat's
// model, or another one the app lists).
import { createSignal, For, onCleanup, onMount, Show } from "solid-js";
import type { MessageId, ModelInfo, Versions } from "../../bindings/bindings";
import type { EditDraft } from "../chat/chatStore";
import { groupByProvider, modelName } from "./ModelPicker";

/** What a message needs to offer its versions' actions (the chat store, read
 * through getters so it stays reactive). */
export interface TreeControls {
  /** A reply streams or a change is on its way: every action waits. */
  readonly busy: boolean;
  /** The question being edited, if any. */
  readonly editing: EditDraft | null;
  readonly canEdit: boolean;
  readonly canRegenerate: boolean;
  readonly canSwitch: boolean;
  /** The models the app lists, for "Regenerate with…". */
  readonly models: readonly ModelInfo[];
  startEdit(id: MessageId): void;
  setEditText(text: string): void;
  saveEdit(): void;
  cancelEdit(): void;
  /** `model`: a qualified id, or `null` for the chat's model. */
  regenerate(id: MessageId, model: string | null): void;
  switchTo(id: MessageId): void;
}

/** "‹ 2 / 3 ›": which version this is, and the way to its neighbours. */
export function VersionArrows(props: { versions: Versions; disabled: boolean; onSwitch: (id: MessageId) => void }) {
  const v = () => props.versions;
  return (
    <span class="versions" data-testid="message-versions">
      <button
        type="button"
        class="ghost version-arrow"
        data-testid="version-previous"
        aria-label="Previous version"
        title="Previous version"
        disabled={props.disabled || !v().previous}
        onClick={() => {
          const id = v().previous;
          if (id) props.onSwitch(id);
        }}
      >
        ‹
      </button>
      <span class="version-label" data-testid="version-label">
        {v().position} / {v().count}
      </span>
      <button
        type="button"
        class="ghost version-arrow"
        data-testid="version-next"
        aria-label="Next version"
        title="Next version"
        disabled={props.disabled || !v().next}
        onClick={() => {
          const id = v().next;
          if (id) props.onSwitch(id);
        }}
      >
        ›
      </button>
    </span>
  );
}

/** The question's text in an editor, in place of its bubble: Enter (or
 * "Save & send") stores it as a new version, Escape (or "Cancel") leaves it. */
export function EditBox(props: {
  text: string;
  busy: boolean;
  onInput: (text: string) => void;
  onSave: () => void;
  onCancel: () => void;
}) {
  let area: HTMLTextAreaElement | undefined;
  const fit = () => {
    if (!area) return;
    area.style.height = "auto";
    area.style.height = `${area.scrollHeight + area.offsetHeight - area.clientHeight}px`;
  };
  onMount(() => {
    fit();
    area?.focus();
    // The caret at the end, where a correction usually goes.
    area?.setSelectionRange(area.value.length, area.value.length);
  });
  const empty = () => props.text.trim() === "";
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (!props.busy && !empty()) props.onSave();
    } else if (e.key === "Escape") {
      // Leaves the editor only; the window's Escape (stop) is not for it.
      e.preventDefault();
      e.stopPropagation();
      props.onCancel();
    }
  };
  return (
    <div class="edit-box" data-testid="edit-box">
      <textarea
        ref={area}
        class="edit-input"
        data-testid="edit-input"
        aria-label="Edit your message"
        value={props.text}
        onInput={(e) => {
          props.onInput(e.currentTarget.value);
          fit();
        }}
        onKeyDown={onKeyDown}
      />
      <div class="edit-actions">
        <button type="button" class="ghost small" data-testid="edit-cancel" onClick={() => props.onCancel()}>
          Cancel
        </button>
        <button
          type="button"
          class="primary small"
          data-testid="edit-save"
          disabled={props.busy || empty()}
          title="Send as a new version of this message (Enter); the earlier one stays"
          onClick={() => props.onSave()}
        >
          Save &amp; send
        </button>
      </div>
    </div>
  );
}

/** "Regenerate" (the chat's model), and "▾" for the same from another model. */
export function RegenerateButtons(props: {
  models: readonly ModelInfo[];
  disabled: boolean;
  onRegenerate: (model: string | null) => void;
}) {
  const [open, setOpen] = createSignal(false);
  let box: HTMLSpanElement | undefined;
  const items = () => [...(box?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
  /** Moves the focus `by` items through the menu (arrow keys). */
  const move = (by: number) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    all[(at + by + all.length) % all.length]?.focus();
  };
  // A click anywhere else closes the menu.
  const onDocumentDown = (e: MouseEvent) => {
    if (open() && box && !box.contains(e.target as Node)) setOpen(false);
  };
  document.addEventListener("mousedown", onDocumentDown);
  onCleanup(() => document.removeEventListener("mousedown", onDocumentDown));
  const choose = (model: string | null) => {
    setOpen(false);
    props.onRegenerate(model);
  };
  return (
    <span
      class="regenerate"
      ref={box}
      onKeyDown={(e) => {
        if (!open()) return;
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          setOpen(false);
        } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          move(e.key === "ArrowDown" ? 1 : -1);
        }
      }}
    >
      <button
        type="button"
        class="ghost small"
        data-testid="message-regenerate"
        disabled={props.disabled}
        title="Write a new version of this reply with the chat's model; this one stays"
        onClick={() => choose(null)}
      >
        Regenerate
      </button>
      <Show when={props.models.length > 0}>
        <button
          type="button"
          class="ghost small regenerate-more"
          data-testid="message-regenerate-with"
          aria-label="Regenerate with another model"
          aria-haspopup="menu"
          aria-expanded={open()}
          disabled={props.disabled}
          onClick={() => {
            setOpen(!open());
            // Keys work in the menu at once.
            if (open()) queueMicrotask(() => items()[0]?.focus());
          }}
        >
          ▾
        </button>
      </Show>
      <Show when={open() && !props.disabled}>
        <div class="regenerate-menu" role="menu" aria-label="Regenerate with" data-testid="regenerate-menu">
          {/* In the model picker's order: by provider, then by name. */}
          <For each={groupByProvider(props.models).flatMap((g) => g.models)}>
            {(m) => (
              <button type="button" role="menuitem" class="ghost small" data-model={m.id} onClick={() => choose(m.id)}>
                {modelName(props.models, m.id)}
              </button>
            )}
          </For>
        </div>
      </Show>
    </span>
  );
}
