// Ctrl+K / Cmd+K: search every chat. Results come grouped by chat with the
// matches highlighted from the backend's UTF-16 offsets, built as text nodes
// and <mark> elements (never innerHTML). Arrow keys move, Enter opens the
// chat at the message, Escape closes.
import { createEffect, createMemo, createSignal, For, on, onCleanup, Show } from "solid-js";
import { type MessageId, type SearchResults, type SessionId, type TextRange } from "../../bindings/bindings";
import { commands } from "../transport";
import { errorOf, unwrap, type CommandError } from "../api";

const roleLabel = { user: "You", assistant: "Assistant", system: "System" } as const;

/** Waits this long after the last key before searching. */
export const DEBOUNCE_MS = 150;

export interface SearchPaletteProps {
  open: boolean;
  onClose: () => void;
  /** `otherBranch`: the hit is in a version of its chat other than the
   * one shown (switch to it before opening the chat at it). */
  onChoose: (sessionId: SessionId, messageId: MessageId, otherBranch: boolean) => void;
  /** Defaults to the backend's `searchMessages`; tests pass their own. */
  search?: (query: string) => Promise<SearchResults>;
}

/** `text` cut at `ranges` (UTF-16 offsets, as JavaScript's `slice` counts). */
export function segments(text: string, ranges: readonly TextRange[]): { text: string; match: boolean }[] {
  const out: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const r of ranges) {
    const start = Math.max(at, Math.min(r.start, text.length));
    const end = Math.max(start, Math.min(r.end, text.length));
    if (start > at) out.push({ text: text.slice(at, start), match: false });
    if (end > start) out.push({ text: text.slice(start, end), match: true });
    at = end;
  }
  if (at < text.length) out.push({ text: text.slice(at), match: false });
  return out;
}

export function Highlighted(props: { text: string; ranges: readonly TextRange[] }) {
  return (
    <For each={segments(props.text, props.ranges)}>
      {(part) => (part.match ? <mark>{part.text}</mark> : <>{part.text}</>)}
    </For>
  );
}

const defaultSearch = (query: string) => unwrap(commands.searchMessages(query, { limit: 50 }));

export function SearchPalette(props: SearchPaletteProps) {
  const [query, setQuery] = createSignal("");
  const [results, setResults] = createSignal<SearchResults | null>(null);
  const [error, setError] = createSignal<CommandError | null>(null);
  const [active, setActive] = createSignal(0);
  const [busy, setBusy] = createSignal(false);
  let input: HTMLInputElement | undefined;
  let listEl: HTMLDivElement | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let token = 0;

  /** Every hit in display order, for the arrow keys. */
  const hits = createMemo(() =>
    (results()?.groups ?? []).flatMap((g) => g.hits.map((hit) => ({ sessionId: g.sessionId, hit }))),
  );

  const run = async (text: string) => {
    const mine = ++token;
    if (text.trim() === "") {
      setResults(null);
      setError(null);
      setBusy(false);
      return;
    }
    setBusy(true);
    try {
      const found = await (props.search ?? defaultSearch)(text);
      if (mine !== token) return;
      setResults(found);
      setError(null);
      setActive(0);
    } catch (e) {
      if (mine !== token) return;
      // An unfinished query (an open quote) is normal while typing: say
      // why, keep the last results.
      setError(errorOf(e));
    } finally {
      if (mine === token) setBusy(false);
    }
  };

  const onInput = (text: string) => {
    setQuery(text);
    clearTimeout(timer);
    timer = setTimeout(() => void run(text), DEBOUNCE_MS);
  };
  onCleanup(() => clearTimeout(timer));

  createEffect(
    on(
      () => props.open,
      (open) => {
        if (open) queueMicrotask(() => (input?.focus(), input?.select()));
      },
    ),
  );

  const choose = (i: number) => {
    const chosen = hits()[i];
    if (!chosen) return;
    props.onChoose(chosen.sessionId, chosen.hit.messageId, chosen.hit.otherBranch === true);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const n = hits().length;
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      props.onClose();
    } else if (e.key === "ArrowDown" && n > 0) {
      e.preventDefault();
      setActive((i) => (i + 1) % n);
    } else if (e.key === "ArrowUp" && n > 0) {
      e.preventDefault();
      setActive((i) => (i - 1 + n) % n);
    } else if (e.key === "Enter") {
      e.preventDefault();
      choose(active());
    }
  };

  createEffect(() => {
    const i = active();
    const el = listEl?.querySelector(`[data-hit-index="${i}"]`);
    // (jsdom, in the unit tests, has no scrollIntoView.)
    if (el && typeof el.scrollIntoView === "function") el.scrollIntoView({ block: "nearest" });
  });

  /** The groups with each hit's position in display order. */
  const numbered = createMemo(() => {
    let index = 0;
    return (results()?.groups ?? []).map((g) => ({
      title: g.title ?? "Untitled chat",
      hits: g.hits.map((hit) => ({ hit, index: index++ })),
    }));
  });

  return (
    <Show when={props.open}>
      <div class="palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
        <div class="palette" role="dialog" aria-modal="true" aria-label="Search all chats" data-testid="search-palette" onKeyDown={onKeyDown}>
          <input
            ref={input}
            class="palette-input"
            data-testid="search-input"
            type="search"
            placeholder='Search all chats: words, prefix*, "a phrase"'
            aria-label="Search all chats"
            aria-controls="search-results"
            value={query()}
            onInput={(e) => onInput(e.currentTarget.value)}
          />
          <Show when={error()}>
            {(err) => (
              <p class="palette-note" role="status" data-testid="search-error">
                {err().message}
              </p>
            )}
          </Show>
          <div class="palette-results" id="search-results" role="listbox" ref={listEl} data-testid="search-results">
            <Show when={results()?.groups.length === 0 && !busy()}>
              <p class="palette-note muted">No messages match.</p>
            </Show>
            <For each={numbered()}>
              {(group) => (
                <section class="palette-group" aria-label={group.title}>
                  <h3 class="palette-group-title">{group.title}</h3>
                  <For each={group.hits}>
                    {({ hit, index: i }) => (
                      <div
                        class="palette-hit"
                        classList={{ active: active() === i }}
                        role="option"
                        aria-selected={active() === i}
                        data-testid="search-hit"
                        data-hit-index={i}
                        data-message-id={hit.messageId}
                        onMouseEnter={() => setActive(i)}
                        onClick={() => choose(i)}
                      >
                        <span class="palette-hit-role muted">{roleLabel[hit.role]}</span>
                        <Show when={hit.otherBranch}>
                          <span
                            class="palette-hit-branch muted"
                            data-testid="search-hit-branch"
                            title="In another version of this chat (an earlier edit or regeneration); opening it shows that version"
                          >
                            other version
                          </span>
                        </Show>
                        <span class="palette-hit-text">
                          <Highlighted text={hit.snippet} ranges={hit.matches} />
                        </span>
                      </div>
                    )}
                  </For>
                </section>
              )}
            </For>
          </div>
          <Show when={results()?.truncated}>
            <p class="palette-note muted">Showing the best matches; refine the search for more.</p>
          </Show>
        </div>
      </div>
    </Show>
  );
}
