import { describe, expect, it } from "vitest";
import { conversation } from "../test/fixtures";
import { asMessageId, asSessionId } from "../test/ids";
import {
  addLocalUserMessage,
  applyStreamChunk,
  applyStreamEnd,
  applyStreamError,
  applyStreamEvent,
  applyStreamStart,
  emptyChat,
  loadMessages,
  mergeReload,
} from "./streamState";

const S = asSessionId("sess_A");
const M = asMessageId("msg_reply");
const M1 = asMessageId("msg_1");
const M2 = asMessageId("msg_2");
const chunk = (index: number, content: string, sessionId = S, messageId = M) => ({ sessionId, messageId, index, content });

describe("streamState", () => {
  it("builds a reply from start, in-order chunks and end", () => {
    const st = emptyChat(S, "anthropic/claude-sonnet-4-5");
    expect(applyStreamStart(st, { sessionId: S, messageId: M })).toBe("applied");
    expect(st.streamingId).toBe(M);
    expect(st.messages).toHaveLength(1);
    expect(st.messages[0]).toMatchObject({ role: "assistant", status: "streaming", content: "", model: "anthropic/claude-sonnet-4-5" });
    applyStreamChunk(st, chunk(0, "Hel"));
    applyStreamChunk(st, chunk(1, "lo"));
    expect(st.messages[0]!.content).toBe("Hello");
    expect(applyStreamEnd(st, { sessionId: S, messageId: M, usage: { inputTokens: 4, outputTokens: 2 } })).toBe("applied");
    expect(st.messages[0]).toMatchObject({ status: "complete", content: "Hello", usage: { inputTokens: 4, outputTokens: 2 } });
    expect(st.streamingId).toBeNull();
  });

  it("orders chunks by index when they arrive out of order, and drops repeats", () => {
    const st = emptyChat(S);
    applyStreamStart(st, { sessionId: S, messageId: M });
    applyStreamChunk(st, chunk(2, "C"));
    applyStreamChunk(st, chunk(1, "B"));
    expect(st.messages[0]!.content).toBe("");
    applyStreamChunk(st, chunk(0, "A"));
    expect(st.messages[0]!.content).toBe("ABC");
    expect(applyStreamChunk(st, chunk(1, "B"))).toBe("ignored");
    applyStreamChunk(st, chunk(4, "E"));
    applyStreamChunk(st, chunk(4, "X"));
    applyStreamChunk(st, chunk(3, "D"));
    expect(st.messages[0]!.content).toBe("ABCDE");
    expect(st.messages[0]!.pending).toEqual({});
  });

  it("creates the reply when a chunk arrives before stream-start", () => {
    const st = emptyChat(S);
    applyStreamChunk(st, chunk(0, "early"));
    applyStreamStart(st, { sessionId: S, messageId: M });
    expect(st.messages).toHaveLength(1);
    expect(st.messages[0]!.content).toBe("early");
    expect(st.streamingId).toBe(M);
  });

  it("ignores every event of another session", () => {
    const st = emptyChat(S);
    const other = asSessionId("sess_B");
    expect(applyStreamEvent(st, { type: "start", payload: { sessionId: other, messageId: M2 } })).toBe("ignored");
    expect(applyStreamEvent(st, { type: "chunk", payload: chunk(0, "nope", other, M2) })).toBe("ignored");
    expect(applyStreamEvent(st, { type: "end", payload: { sessionId: other, messageId: M2, usage: { inputTokens: 1, outputTokens: 1 } } })).toBe("ignored");
    expect(applyStreamEvent(st, { type: "error", payload: { sessionId: other, messageId: M2, code: "network", message: "x" } })).toBe("ignored");
    expect(st.messages).toEqual([]);
    expect(st.streamingId).toBeNull();
  });

  it("marks a cancelled stream cancelled and a failed one failed, keeping the partial text", () => {
    const st = emptyChat(S);
    applyStreamStart(st, { sessionId: S, messageId: M1 });
    applyStreamChunk(st, chunk(0, "partial", S, M1));
    applyStreamError(st, { sessionId: S, messageId: M1, code: "cancelled", message: "stopped by user" });
    expect(st.messages[0]).toMatchObject({ status: "cancelled", content: "partial", failure: { code: "cancelled" } });
    expect(st.streamingId).toBeNull();

    applyStreamStart(st, { sessionId: S, messageId: M2 });
    applyStreamError(st, { sessionId: S, messageId: M2, code: "rateLimited", message: "429" });
    expect(st.messages[1]).toMatchObject({ status: "failed", failure: { code: "rateLimited", message: "429" } });
  });

  it("reports an end with missing chunks so the store reloads the stored reply", () => {
    const st = emptyChat(S);
    applyStreamChunk(st, chunk(0, "a"));
    applyStreamChunk(st, chunk(2, "c"));
    expect(applyStreamEnd(st, { sessionId: S, messageId: M, usage: { inputTokens: 1, outputTokens: 3 } })).toBe("endedWithGaps");
  });

  it("keeps a live reply across a reload", () => {
    const st = emptyChat(S);
    loadMessages(st, conversation(S, 4));
    applyStreamStart(st, { sessionId: S, messageId: M });
    applyStreamChunk(st, chunk(0, "live text"));
    mergeReload(st, conversation(S, 4));
    expect(st.messages.find((m) => m.id === M)?.content).toBe("live text");
    expect(st.streamingId).toBe(M);
    expect(st.messages.filter((m) => m.local === null && m.id.startsWith("msg_0"))).toHaveLength(4);
  });

  it("keeps a stored reply's failure reason, as a live stream-error gives it", () => {
    const [question, answer] = conversation(S, 2);
    const stored = [
      question!,
      { ...answer!, id: M1, status: "failed" as const, failure: { code: "rateLimited" as const, message: "anthropic: HTTP 429: Rate limit exceeded" } },
      { ...answer!, id: M2, status: "cancelled" as const, failure: { code: "cancelled" as const, message: "the reply was stopped" } },
      { ...answer!, id: M, status: "failed" as const, failure: null },
    ];
    const st = emptyChat(S);
    loadMessages(st, stored);
    expect(st.messages.map((m) => m.failure)).toEqual([
      null,
      { code: "rateLimited", message: "anthropic: HTTP 429: Rate limit exceeded" },
      { code: "cancelled", message: "the reply was stopped" },
      null,
    ]);

    // The same shape as a live failure.
    const live = emptyChat(S);
    applyStreamError(live, { sessionId: S, messageId: M1, code: "rateLimited", message: "anthropic: HTTP 429: Rate limit exceeded" });
    expect(live.messages[0]).toMatchObject({ status: st.messages[1]!.status, failure: st.messages[1]!.failure });
  });

  it("keeps a reason heard live when the stored reply has none yet", () => {
    const st = emptyChat(S);
    applyStreamStart(st, { sessionId: S, messageId: M });
    applyStreamError(st, { sessionId: S, messageId: M, code: "network", message: "connection reset" });
    const [, answer] = conversation(S, 2);
    mergeReload(st, [{ ...answer!, id: M, status: "failed", failure: undefined }]);
    expect(st.messages[0]!.failure).toEqual({ code: "network", message: "connection reset" });
    // What the backend stored wins.
    mergeReload(st, [{ ...answer!, id: M, status: "failed", failure: { code: "timeout", message: "no first byte in 60 s" } }]);
    expect(st.messages[0]!.failure).toEqual({ code: "timeout", message: "no first byte in 60 s" });
  });

  it("adds local user messages with unique ids, only in an open session", () => {
    expect(() => addLocalUserMessage(emptyChat(), "nowhere")).toThrow(/no session is open/);
    const st = emptyChat(S);
    const a = addLocalUserMessage(st, "one");
    const b = addLocalUserMessage(st, "two");
    expect(a).not.toBe(b);
    expect(st.messages.map((m) => [m.role, m.content, m.local?.state])).toEqual([
      ["user", "one", "sending"],
      ["user", "two", "sending"],
    ]);
  });
});
