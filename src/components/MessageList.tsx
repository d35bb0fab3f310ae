import { createVirtualizer } from "@tanstack/solid-virtual";
import { createComputed, createEffect, For, on, Show } from "solid-js";
import type { ScrollTarget } from "../chat/chatStore";
import type { ChatMessage } from "../chat/streamState";
import { MessageItem } from "./MessageItem";
import type { TreeControls } from "./MessageTree";

export interface MessageListProps {
  /** Identifies the conversation; a new key scrolls to its end. */
  conversationKey: string | null;
  messages: ChatMessage[];
  streamingId: string | null;
  /** A message to mark (the search hit the chat was opened at). */
  highlightedId?: string | null;
  /** Scrolls to this message (centred) when it changes, instead of the end. */
  scrollTarget?: ScrollTarget | null;
  /** The reader scrolled near the top / bottom: load more that way. */
  onNearTop?: () => void;
  onNearBottom?: () => void;
  /** Edit, regenerate, retry and version arrows on the messages. */
  tree?: TreeControls;
}

/** Pixels from the top or bottom at which the next page is asked for. */
const PAGE_PX = 400;

/** A row's height until it is measured. */
const ESTIMATE_PX = 120;

/** Pixels from the bottom within which the list keeps following new text. */
const STICK_PX = 48;

/**
 * Only the rows in (and just around) the viewport are in the DOM; their
 * heights are measured as they render, so a 5,000-message chat costs about
 * as much as a 20-message one.
 */
export function MessageList(props: MessageListProps) {
  let scrollEl: HTMLDivElement | undefined;
  let stick = true;

  // Older messages put in front (the rest of a long chat arriving after its
  // newest page) must not move what the reader is looking at. Noted before
  // the list changes (this computation is created before the virtualizer's,
  // so it runs first), applied once the new rows are in the DOM.
  let held: { first: string; scrollTop: number } | null = null;
  let shownFirst: string | undefined;
  createComputed(() => {
    const first = props.messages[0]?.id;
    const previous = shownFirst;
    shownFirst = first;
    held = !stick && scrollEl && previous !== undefined && first !== previous ? { first: previous, scrollTop: scrollEl.scrollTop } : null;
  });

  const virtualizer = createVirtualizer({
    get count() {
      return props.messages.length;
    },
    getScrollElement: () => scrollEl ?? null,
    estimateSize: () => ESTIMATE_PX,
    // Start at the end, where a chat opens: its last rows render in the first
    // pass instead of after a scroll from the top.
    initialOffset: () => props.messages.length * ESTIMATE_PX,
    overscan: 6,
    getItemKey: (index: number) => props.messages[index]?.id ?? index,
  });

  const scrollToEnd = () => {
    if (props.messages.length > 0) virtualizer.scrollToEnd();
  };

  // While a jump's target is being scrolled to, the list neither follows
  // the end nor asks for pages.
  let jumping = false;

  const onScroll = () => {
    if (!scrollEl || jumping) return;
    const fromBottom = scrollEl.scrollHeight - scrollEl.scrollTop - scrollEl.clientHeight;
    stick = fromBottom < STICK_PX && !props.onNearBottom;
    if (scrollEl.scrollTop < PAGE_PX) props.onNearTop?.();
    if (fromBottom < PAGE_PX) props.onNearBottom?.();
  };

  createEffect(
    on(
      () => props.conversationKey,
      () => {
        stick = true;
      },
    ),
  );

  createEffect(
    on(
      () => props.messages[0]?.id,
      () => {
        const h = held;
        held = null;
        if (!h) return;
        const at = props.messages.findIndex((m) => m.id === h.first);
        const shift = at > 0 ? virtualizer.getOffsetForIndex(at, "start")?.[0] : undefined;
        if (shift !== undefined) virtualizer.scrollToOffset(h.scrollTop + shift);
      },
    ),
  );

  // Follow the end while new messages and text arrive, unless the reader scrolled up.
  createEffect(() => {
    const n = props.messages.length;
    void props.messages[n - 1]?.content.length;
    void virtualizer.getTotalSize();
    if (stick) queueMicrotask(() => stick && scrollToEnd());
  });

  // Open at a message: scroll it to the middle, and again once the rows
  // around it are measured (their real heights move it).
  createEffect(
    on(
      () => props.scrollTarget,
      (target) => {
        if (!target) return;
        const at = props.messages.findIndex((m) => m.id === target.id);
        if (at < 0) return;
        stick = false;
        jumping = true;
        const go = () => virtualizer.scrollToIndex(at, { align: "center" });
        go();
        let tries = 0;
        const settle = () => {
          go();
          if (++tries < 4) setTimeout(settle, 60);
          else jumping = false;
        };
        setTimeout(settle, 30);
      },
    ),
  );

  return (
    <div class="message-scroll" ref={scrollEl} onScroll={onScroll} role="log" aria-live="polite" aria-relevant="additions">
      <Show when={props.messages.length > 0}>
        <div class="message-canvas" style={{ height: `${virtualizer.getTotalSize()}px` }}>
          <For each={virtualizer.getVirtualItems()}>
            {(row) => (
              <div
                class="message-row"
                data-index={row.index}
                ref={(el) => queueMicrotask(() => el.isConnected && virtualizer.measureElement(el))}
                style={{ transform: `translateY(${row.start}px)` }}
              >
                <Show when={props.messages[row.index]}>
                  {(m) => (
                    <MessageItem
                      message={m()}
                      live={m().id === props.streamingId}
                      highlighted={m().id === props.highlightedId}
                      tree={props.tree}
                    />
                  )}
                </Show>
              </div>
            )}
          </For>
        </div>
      </Show>
    </div>
  );
}
