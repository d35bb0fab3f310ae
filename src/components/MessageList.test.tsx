import { render, waitFor } from "@solidjs/testing-library";
import { createStore } from "solid-js/store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyChat, loadMessages } from "../chat/streamState";
import { conversation } from "../test/fixtures";
import { stubLayout } from "../test/layout";
import { MessageList } from "./MessageList";
import { asSessionId } from "../test/ids";

const S = asSessionId("sess_01BIG");
let restore: () => void;
beforeEach(() => {
  restore = stubLayout(600, 120);
});
afterEach(() => restore());

function renderedIndexes(): number[] {
  return [...document.querySelectorAll<HTMLElement>(".message-row")].map((r) => Number(r.dataset.index));
}

function big(n: number) {
  const st = emptyChat(S, "anthropic/claude-sonnet-4-5");
  loadMessages(st, conversation(S, n));
  const [state] = createStore(st);
  return state;
}

describe("virtualized message list", () => {
  it("puts only a window of a 5,000-message chat in the DOM, starting at its end", async () => {
    const state = big(5000);
    render(() => (
      <MessageList conversationKey={S} messages={state.messages} streamingId={null} />
    ));
    await waitFor(() => expect(renderedIndexes()).toContain(4999));
    const rows = renderedIndexes();
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.length).toBeLessThan(40);
    expect(Math.min(...rows)).toBeGreaterThan(4900);
    expect(document.querySelectorAll("article.message")).toHaveLength(rows.length);
    // The canvas is as tall as all rows, so the scrollbar is honest.
    const canvas = document.querySelector<HTMLElement>(".message-canvas")!;
    expect(parseInt(canvas.style.height, 10)).toBeGreaterThan(4999 * 100);
  });

  it("renders the rows around the scroll position when the reader scrolls", async () => {
    const state = big(5000);
    render(() => (
      <MessageList conversationKey={S} messages={state.messages} streamingId={null} />
    ));
    await waitFor(() => expect(renderedIndexes()).toContain(4999));
    // Let the initial jump to the end settle, as it does on screen.
    await new Promise((r) => setTimeout(r, 250));
    const scroller = document.querySelector<HTMLElement>(".message-scroll")!;
    scroller.scrollTop = 2500 * 120;
    scroller.dispatchEvent(new Event("scroll"));
    await waitFor(() => expect(renderedIndexes()).toContain(2502));
    const rows = renderedIndexes();
    expect(rows.length).toBeLessThan(40);
    expect(Math.min(...rows)).toBeGreaterThan(2450);
    expect(Math.max(...rows)).toBeLessThan(2550);
    expect(document.querySelector(`[data-index="2502"] .message-body`)!.textContent).toBe("Question 2502");
  });
});
