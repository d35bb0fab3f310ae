// Render time of a 5,000-message session. Prints the figures; fails above the
// 300 ms target (median of warm runs, so one slow scheduler slice on a busy
// machine does not decide it).
import { cleanup, render, waitFor } from "@solidjs/testing-library";
import { createStore } from "solid-js/store";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import { emptyChat, loadMessages } from "../chat/streamState";
import { MessageList } from "../components/MessageList";
import { conversation, fakeBackend, session } from "./fixtures";
import { stubLayout } from "./layout";
import { asSessionId } from "./ids";

const N = 5000;
const TARGET_MS = 300;
const S = asSessionId("sess_01BENCH");
const figures: string[] = [];

let restore: () => void;
beforeEach(() => {
  restore = stubLayout(800, 120);
});
afterEach(() => restore());
afterAll(() => {
  console.log(`\n[render benchmark] ${figures.join("\n[render benchmark] ")}\n`);
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe(`rendering a ${N.toLocaleString("en-US")}-message session`, () => {
  it(`mounts the message list in under ${TARGET_MS} ms`, async () => {
    const data = conversation(S, N);
    const runs: number[] = [];
    for (let run = 0; run < 6; run++) {
      const t0 = performance.now();
      const st = emptyChat(S, "anthropic/claude-sonnet-4-5");
      loadMessages(st, data);
      const [state] = createStore(st);
      render(() => <MessageList conversationKey={S} messages={state.messages} streamingId={null} />);
      await waitFor(() => expect(document.querySelector(`[data-index="${N - 1}"] article`)).not.toBeNull(), { interval: 1 });
      runs.push(performance.now() - t0);
      expect(document.querySelectorAll("article.message").length).toBeLessThan(40);
      cleanup();
    }
    const warm = runs.slice(1);
    figures.push(
      `MessageList, ${N} messages, to last message visible: median ${median(warm).toFixed(1)} ms (warm runs ${warm.map((r) => r.toFixed(1)).join(", ")}; cold ${runs[0]!.toFixed(1)} ms; target < ${TARGET_MS} ms)`,
    );
    expect(median(warm)).toBeLessThan(TARGET_MS);
  });

  it(`opens it in the app (IPC load, store, list) in under ${TARGET_MS} ms`, async () => {
    const runs: number[] = [];
    for (let run = 0; run < 4; run++) {
      const id = asSessionId(`${S}${run}`);
      const be = fakeBackend({ sessions: [session({ id })], messages: { [id]: conversation(id, N) } });
      render(() => <App statusIntervalMs={60_000} />);
      await waitFor(() => expect(document.querySelector(".session.selected")).not.toBeNull());
      // Measure from the click on the chat to its last message on screen.
      const t0 = performance.now();
      const open = document.querySelector<HTMLButtonElement>(".session-open")!;
      open.click();
      await waitFor(() => expect(document.querySelector(`[data-index="${N - 1}"] article`)).not.toBeNull(), { interval: 1 });
      runs.push(performance.now() - t0);
      expect(be.mock.callsOf("getMessages").length).toBeGreaterThanOrEqual(1);
      cleanup();
    }
    const warm = runs.slice(1);
    figures.push(`App, open a ${N}-message chat: median ${median(warm).toFixed(1)} ms (warm runs ${warm.map((r) => r.toFixed(1)).join(", ")}; cold ${runs[0]!.toFixed(1)} ms)`);
    expect(median(warm)).toBeLessThan(TARGET_MS);
  });
});
