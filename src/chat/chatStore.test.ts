import { createRoot } from "solid-js";
import { describe, expect, it, vi } from "vitest";
import { emitEvent, fail } from "../../bindings/mock";
import { CommandFailed, unwrap } from "../api";
import { commands, type SessionId } from "../../bindings/bindings";
import { conversation, fakeBackend, message } from "../test/fixtures";
import { asMessageId, asSessionId } from "../test/ids";
import { tauriChatBackend, type ChatBackend } from "./backend";
import { AROUND, createChatStore, FIRST_PAGE, PAGE } from "./chatStore";

const S = asSessionId("sess_01CHAT");
const OTHER = asSessionId("sess_02OTHER");

async function setup(backend: Partial<ChatBackend> = {}, messages = conversation(S, 2)) {
  const be = fakeBackend({ messages: { [S]: messages, [OTHER]: [] } });
  be.sessions.push({ id: S, channelId: "desktop", createdAt: "", lastActive: "", messageCount: 2, model: "anthropic/claude-sonnet-4-5", title: null, pinned: false, systemPrompt: null });
  const settled = vi.fn();
  const { chat, dispose } = createRoot((dispose) => ({
    chat: createChatStore({ ...tauriChatBackend, ...backend }, { onStreamSettled: settled }),
    dispose,
  }));
  const unlisten = await chat.listen();
  await chat.open(S, "anthropic/claude-sonnet-4-5");
  return { be, chat, settled, stop: () => (unlisten(), dispose()) };
}

describe("chat store", () => {
  it("loads the session's messages through getMessages", async () => {
    const { be, chat, stop } = await setup();
    expect(be.mock.callsOf("getMessages")).toEqual([{ sessionId: S, limit: FIRST_PAGE }]);
    expect(chat.state.messages.map((m) => m.content)).toEqual(["Question 0", expect.stringContaining("Answer")]);
    expect(chat.loading()).toBe(false);
    stop();
  });

  it("shows a long chat's newest page first, then puts the older messages in front", async () => {
    const n = FIRST_PAGE * 3 + 7;
    const be = fakeBackend({ messages: { [S]: conversation(S, n) } });
    be.sessions.push({ id: S, channelId: "desktop", createdAt: "", lastActive: "", messageCount: n, model: null, title: null, pinned: false, systemPrompt: null });
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    const backend: ChatBackend = {
      ...tauriChatBackend,
      // The whole history waits until the test has seen the first page.
      loadMessages: async (id, limit) => (limit == null && (await held), tauriChatBackend.loadMessages(id, limit)),
    };
    const { chat, dispose } = createRoot((dispose) => ({ chat: createChatStore(backend), dispose }));
    const opened = chat.open(S, null);
    await vi.waitFor(() => expect(chat.loading()).toBe(false));
    // Shown, and not loading any more, with the newest page alone.
    expect(chat.state.messages).toHaveLength(FIRST_PAGE);
    expect(chat.state.messages.at(-1)!.id).toBe(conversation(S, n).at(-1)!.id);
    release();
    await opened;
    expect(be.mock.callsOf("getMessages")).toEqual([{ sessionId: S, limit: FIRST_PAGE }, { sessionId: S, limit: null }]);
    expect(chat.state.messages.map((m) => m.id)).toEqual(conversation(S, n).map((m) => m.id));
    dispose();
  });

  it("applies chunks together when given a scheduler, and everything before a stream's end", async () => {
    const be = fakeBackend({ messages: { [S]: conversation(S, 2) } });
    be.sessions.push({ id: S, channelId: "desktop", createdAt: "", lastActive: "", messageCount: 2, model: null, title: null, pinned: false, systemPrompt: null });
    const flushes: Array<() => void> = [];
    const { chat, dispose } = createRoot((dispose) => ({
      chat: createChatStore(tauriChatBackend, { scheduleFlush: (f) => flushes.push(f) }),
      dispose,
    }));
    const unlisten = await chat.listen();
    await chat.open(S, null);
    const id = asMessageId("msg_BATCH");
    await emitEvent("streamStart", { sessionId: S, messageId: id });
    await emitEvent("streamChunk", { sessionId: S, messageId: id, content: "One", index: 0 });
    await emitEvent("streamChunk", { sessionId: S, messageId: id, content: " two", index: 1 });
    expect(flushes).toHaveLength(1);
    expect(chat.state.messages.at(-1)).toMatchObject({ id, content: "" });
    flushes[0]!();
    expect(chat.state.messages.at(-1)).toMatchObject({ id, content: "One two" });
    await emitEvent("streamChunk", { sessionId: S, messageId: id, content: " three", index: 2 });
    await emitEvent("streamEnd", { sessionId: S, messageId: id, usage: { inputTokens: 1, outputTokens: 3 } });
    expect(chat.state.messages.at(-1)).toMatchObject({ id, content: "One two three", status: "complete" });
    unlisten();
    dispose();
  });

  it("builds a streamed reply in index order from events and ignores other sessions", async () => {
    const X = asMessageId("msg_X");
    const { chat, settled, stop } = await setup();
    const id = asMessageId("msg_REPLY");
    await emitEvent("streamStart", { sessionId: S, messageId: id });
    await emitEvent("streamStart", { sessionId: OTHER, messageId: X });
    expect(chat.streaming()).toBe(true);
    await emitEvent("streamChunk", { sessionId: S, messageId: id, content: " world", index: 1 });
    await emitEvent("streamChunk", { sessionId: OTHER, messageId: X, content: "WRONG", index: 0 });
    await emitEvent("streamChunk", { sessionId: S, messageId: id, content: "Hello", index: 0 });
    await emitEvent("streamChunk", { sessionId: S, messageId: id, content: "!", index: 2 });
    const reply = chat.state.messages.at(-1)!;
    expect(chat.state.messages).toHaveLength(3);
    expect(reply).toMatchObject({ id, role: "assistant", content: "Hello world!", status: "streaming", model: "anthropic/claude-sonnet-4-5" });
    await emitEvent("streamEnd", { sessionId: OTHER, messageId: X, usage: { inputTokens: 1, outputTokens: 1 } });
    expect(chat.streaming()).toBe(true);
    await emitEvent("streamEnd", { sessionId: S, messageId: id, usage: { inputTokens: 12, outputTokens: 3 } });
    expect(chat.state.messages.at(-1)).toMatchObject({ status: "complete", usage: { inputTokens: 12, outputTokens: 3 } });
    expect(chat.streaming()).toBe(false);
    expect(chat.state.messages.some((m) => m.content.includes("WRONG"))).toBe(false);
    // The sidebar hears about both sessions' streams ending.
    expect(settled.mock.calls).toEqual([[OTHER], [S]]);
    stop();
  });

  it("reloads the stored reply when a stream ends with chunks missing", async () => {
    const { be, chat, stop } = await setup();
    const id = asMessageId("msg_GAPPY");
    await emitEvent("streamChunk", { sessionId: S, messageId: id, content: "A", index: 0 });
    await emitEvent("streamChunk", { sessionId: S, messageId: id, content: "C", index: 2 });
    be.messages.get(S)!.push(message({ id, sessionId: S, role: "assistant", content: "ABC", status: "complete" }));
    await emitEvent("streamEnd", { sessionId: S, messageId: id, usage: { inputTokens: 1, outputTokens: 3 } });
    await vi.waitFor(() => expect(chat.state.messages.at(-1)!.content).toBe("ABC"));
    expect(be.mock.callsOf("getMessages")).toHaveLength(2);
    stop();
  });

  it("shows why a send was refused, keeps nothing half-sent, and sends again", async () => {
    const sent: string[] = [];
    let refuse = true;
    const { chat, stop } = await setup({
      sendStreaming: async (sessionId, content) => {
        sent.push(`${sessionId}:${content}`);
        if (refuse) {
          refuse = false;
          // The same error the backend returns, through the same unwrap path.
          await unwrap(commands.getSession(asSessionId("sess_missing")));
        }
      },
    });
    expect(await chat.send("  Hi there  ")).toBe(false);
    // The text is still in the composer's draft; the list shows no copy of it.
    expect(chat.state.messages.map((m) => m.content)).not.toContain("Hi there");
    expect(chat.actionError()).toMatchObject({ kind: "sessionNotFound" });
    expect(await chat.send("Hi there")).toBe(true);
    expect(chat.actionError()).toBeNull();
    expect(sent).toEqual([`${S}:Hi there`, `${S}:Hi there`]);
    expect(chat.state.messages.filter((m) => m.content === "Hi there")).toHaveLength(1);
    expect(chat.state.messages.at(-1)!.local).toBeNull();
    stop();
  });

  it("does not show a refusal in a chat opened while the send was in flight", async () => {
    let refuse = () => {};
    const { chat, stop } = await setup({
      sendStreaming: () => new Promise<void>((_, reject) => (refuse = () => reject(new CommandFailed({ kind: "sessionBusy", message: "busy", sessionId: S })))),
    });
    const sending = chat.send("first");
    await chat.open(OTHER, null);
    refuse();
    expect(await sending).toBe(false);
    expect(chat.actionError()).toBeNull();
    stop();
  });

  it("stops the open session's stream and reports a failed stop", async () => {
    const cancel = vi.fn(async (sessionId: SessionId) => {
      throw new CommandFailed({ kind: "internal", message: `no stream for ${sessionId}` });
    });
    const { chat, stop } = await setup({ cancel });
    await chat.stop();
    expect(cancel).toHaveBeenCalledWith(S);
    expect(chat.actionError()).toEqual({ kind: "internal", message: `no stream for ${S}` });
    stop();
  });

  it("shows why messages could not be loaded", async () => {
    const be = fakeBackend({}, { getMessages: ({ sessionId }) => fail({ kind: "sessionNotFound", message: "gone", sessionId }) });
    void be;
    const { chat, dispose } = createRoot((dispose) => ({ chat: createChatStore(tauriChatBackend), dispose }));
    await chat.open(asSessionId("sess_gone"), null);
    expect(chat.loadError()).toEqual({ kind: "sessionNotFound", message: "gone", sessionId: "sess_gone" });
    dispose();
  });

  it("cannot send while the backend has no send command", async () => {
    const { chat, stop } = await setup({ sendStreaming: null });
    expect(chat.canSend()).toBe(false);
    expect(await chat.send("hello")).toBe(false);
    expect(chat.state.messages).toHaveLength(2);
    stop();
  });

  it("sends and stops through the generated sendMessageStreaming / cancelStream commands", async () => {
    const { be, chat, stop } = await setup();
    const id = asMessageId("msg_LIVE");
    be.mock.set({
      sendMessageStreaming: async ({ sessionId }) => {
        await emitEvent("streamStart", { sessionId, messageId: id });
        await emitEvent("streamChunk", { sessionId, messageId: id, content: "Part", index: 0 });
        return null;
      },
      cancelStream: async ({ sessionId }) => {
        await emitEvent("streamError", { sessionId, messageId: id, code: "cancelled", message: "the reply was stopped" });
        return null;
      },
    });
    expect(await chat.send("Tell me more")).toBe(true);
    expect(be.mock.callsOf("sendMessageStreaming")).toEqual([{ sessionId: S, content: "Tell me more" }]);
    expect(chat.state.messages.at(-1)).toMatchObject({ id, content: "Part", status: "streaming" });
    await chat.stop();
    expect(be.mock.callsOf("cancelStream")).toEqual([{ sessionId: S }]);
    expect(chat.state.messages.at(-1)).toMatchObject({ id, content: "Part", status: "cancelled" });
    expect(chat.streaming()).toBe(false);
    stop();
  });

  it("shows an automatic compaction of the open session announced by sessionCompacted", async () => {
    const { be, chat, stop } = await setup();
    await emitEvent("sessionCompacted", { sessionId: OTHER, messagesBefore: 40, messagesAfter: 9, tokensSaved: 5000 });
    expect(chat.compacted()).toBeNull();
    const loadsBefore = be.mock.callsOf("getMessages").length;
    await emitEvent("sessionCompacted", { sessionId: S, messagesBefore: 40, messagesAfter: 9, tokensSaved: 5000 });
    expect(chat.compacted()).toEqual({ messagesBefore: 40, messagesAfter: 9, tokensSaved: 5000 });
    expect(be.mock.callsOf("getMessages").length).toBe(loadsBefore + 1);
    stop();
  });
});

describe("opening a chat at a message (a search hit)", () => {
  /** A backend serving windows of `all` like getMessagesAround. */
  function windowed(all: ReturnType<typeof conversation>, calls: string[]): Partial<ChatBackend> {
    return {
      loadAround: async (_sessionId, messageId, before, after) => {
        calls.push(`${messageId} -${before} +${after}`);
        const at = all.findIndex((m) => m.id === messageId);
        const from = Math.max(0, at - before);
        const to = Math.min(all.length, at + after + 1);
        return { messages: all.slice(from, to), hasOlder: from > 0, hasNewer: to < all.length };
      },
    };
  }

  it("loads only the window around the message, highlights it, and pages both ways", async () => {
    const all = conversation(S, 1000);
    const calls: string[] = [];
    const { chat, stop } = await setup(windowed(all, calls), all);
    const target = all[500]!.id;
    await chat.openAt(S, target);
    expect(calls).toEqual([`${target} -${AROUND} +${AROUND}`]);
    expect(chat.state.messages).toHaveLength(2 * AROUND + 1);
    expect(chat.highlighted()).toBe(target);
    expect(chat.scrollTarget()?.id).toBe(target);
    expect(chat.hasOlder() && chat.hasNewer()).toBe(true);

    await chat.loadOlderPage();
    expect(chat.state.messages[0]!.id).toBe(all[500 - AROUND - PAGE]!.id);
    expect(chat.state.messages).toHaveLength(2 * AROUND + 1 + PAGE);
    await chat.loadNewerPage();
    expect(chat.state.messages.at(-1)!.id).toBe(all[500 + AROUND + PAGE]!.id);
    // No duplicates where the pages meet.
    expect(new Set(chat.state.messages.map((m) => m.id)).size).toBe(chat.state.messages.length);

    // Opening the chat normally forgets the jump.
    await chat.open(S);
    expect(chat.highlighted()).toBe(null);
    expect(chat.hasOlder() || chat.hasNewer()).toBe(false);
    stop();
  });

  it("shows a failed window as a load error", async () => {
    const { chat, stop } = await setup({
      loadAround: async () => {
        throw new CommandFailed({ kind: "invalidArgument", message: "invalid messageId: not in this chat", field: "messageId" });
      },
    });
    await chat.openAt(S, asMessageId("msg_NOPE"));
    expect(chat.loadError()?.kind).toBe("invalidArgument");
    expect(chat.loading()).toBe(false);
    stop();
  });
});
