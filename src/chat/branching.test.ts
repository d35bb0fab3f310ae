// The chat store's versions of a conversation (edit, regenerate, retry,
// switch) against the fake backend, which keeps real trees (src/test/fakeTree.ts).
import { createRoot } from "solid-js";
import { describe, expect, it, vi } from "vitest";
import { emitEvent, fail } from "../../bindings/mock";
import type { Message, MessageId } from "../../bindings/bindings";
import { CommandFailed } from "../api";
import { conversation, fakeBackend, message } from "../test/fixtures";
import { asMessageId, asSessionId } from "../test/ids";
import { tauriChatBackend, type ChatBackend } from "./backend";
import { createChatStore } from "./chatStore";

const S = asSessionId("sess_01TREE");
const waitFor = vi.waitFor;
const MODEL = "anthropic/claude-sonnet-4-5";

async function setup(messages: Message[] = conversation(S, 4), backend: Partial<ChatBackend> = {}) {
  const be = fakeBackend({ messages: { [S]: messages } });
  be.sessions.push({ id: S, channelId: "desktop", createdAt: "", lastActive: "", messageCount: messages.length, model: MODEL, title: null, pinned: false, systemPrompt: null });
  const { chat, dispose } = createRoot((dispose) => ({ chat: createChatStore({ ...tauriChatBackend, ...backend }), dispose }));
  const unlisten = await chat.listen();
  await chat.open(S, MODEL);
  return { be, chat, stop: () => (unlisten(), dispose()) };
}

const shown = (chat: Awaited<ReturnType<typeof setup>>["chat"]) =>
  chat.state.messages.map((m) => `${m.role === "user" ? "Q" : "A"}:${m.content.slice(0, 20)}${m.versions ? ` (${m.versions.position}/${m.versions.count})` : ""}`);

describe("editing a question", () => {
  it("shows the new path: the new version, its reply streaming below it, then complete", async () => {
    const { be, chat, stop } = await setup();
    const q2 = chat.state.messages[2]!.id as MessageId;
    expect(chat.startEdit(q2)).toBe(true);
    expect(chat.editing()).toEqual({ id: q2, text: "Question 2" });
    chat.setEditText("Question 2, fixed");
    expect(await chat.saveEdit()).toBe(true);

    expect(be.mock.callsOf("editMessage")).toEqual([{ messageId: q2, content: "Question 2, fixed" }]);
    expect(chat.editing()).toBeNull();
    expect(shown(chat)).toEqual(["Q:Question 0", "A:Answer **1** with `c", "Q:Question 2, fixed (2/2)", "A:"]);
    expect(chat.state.messages[3]).toMatchObject({ status: "streaming" });
    expect(chat.streaming()).toBe(true);
    expect(chat.busy()).toBe(true);

    await be.tree.finish(S);
    expect(chat.state.messages[3]).toMatchObject({ status: "complete", content: "Reply to: Question 2, fixed" });
    expect(chat.busy()).toBe(false);
    // What was shown is what the backend now stores as the active path.
    await chat.reload();
    expect(shown(chat)).toEqual(["Q:Question 0", "A:Answer **1** with `c", "Q:Question 2, fixed (2/2)", "A:Reply to: Question 2"]);
    stop();
  });

  it("puts the path back and keeps the editor's text when the backend refuses", async () => {
    const { be, chat, stop } = await setup();
    be.mock.set({ editMessage: ({ messageId }) => fail({ kind: "messageNotFound", message: "gone", messageId }) });
    const before = shown(chat);
    const q0 = chat.state.messages[0]!.id as MessageId;
    chat.startEdit(q0);
    chat.setEditText("Rewritten");
    expect(await chat.saveEdit()).toBe(false);
    expect(shown(chat)).toEqual(before);
    expect(chat.editing()).toEqual({ id: q0, text: "Rewritten" });
    expect(chat.actionError()).toMatchObject({ kind: "messageNotFound", messageId: q0 });
    expect(chat.busy()).toBe(false);
    stop();
  });

  it("opens the editor again with the text when the edit is refused after the editor was left", async () => {
    let refuse = () => {};
    const { chat, stop } = await setup(conversation(S, 2), {
      editMessage: (messageId) =>
        new Promise((_, reject) => (refuse = () => reject(new CommandFailed({ kind: "messageNotFound", message: "gone", messageId })))),
    });
    const q0 = chat.state.messages[0]!.id as MessageId;
    chat.startEdit(q0);
    chat.setEditText("Not to be lost");
    const saving = chat.saveEdit();
    chat.cancelEdit();
    refuse();
    expect(await saving).toBe(false);
    expect(chat.editing()).toEqual({ id: q0, text: "Not to be lost" });
    stop();
  });

  it("does not edit a reply, an empty text or a message not shown", async () => {
    const { be, chat, stop } = await setup();
    const a1 = chat.state.messages[1]!.id as MessageId;
    const q0 = chat.state.messages[0]!.id as MessageId;
    expect(chat.startEdit(a1)).toBe(false);
    expect(await chat.edit(a1, "text")).toBe(false);
    expect(await chat.edit(q0, "   ")).toBe(false);
    expect(await chat.edit(asMessageId("msg_ELSEWHERE"), "text")).toBe(false);
    expect(be.mock.callsOf("editMessage")).toEqual([]);
    stop();
  });

  it("learns the stored id of a message sent here, so it can be edited", async () => {
    const { be, chat, stop } = await setup();
    be.mock.set({
      sendMessageStreaming: ({ sessionId, content }) => {
        be.messages.get(sessionId)!.push(message({ id: asMessageId("msg_SENT"), sessionId, content }));
        return null;
      },
    });
    expect(await chat.send("A new question")).toBe(true);
    // Until the id is known the message cannot be edited (the backend would refuse a local id).
    expect(chat.editLast()).toBe(false);
    await waitFor(() => expect(chat.state.messages.at(-1)!.id).toBe("msg_SENT"));
    expect(be.mock.callsOf("getMessages").at(-1)).toEqual({ sessionId: S, limit: 2 });
    expect(chat.editLast()).toBe(true);
    expect(chat.editing()).toEqual({ id: "msg_SENT", text: "A new question" });
    stop();
  });

  it("Up in an empty composer (editLast) opens the last question of the path", async () => {
    const { chat, stop } = await setup();
    expect(chat.editLast()).toBe(true);
    expect(chat.editing()).toEqual({ id: chat.state.messages[2]!.id, text: "Question 2" });
    chat.cancelEdit();
    expect(chat.editing()).toBeNull();
    stop();
  });
});

describe("switching versions", () => {
  it("goes back to the earlier version with its replies, without an empty chat in between", async () => {
    const { be, chat, stop } = await setup();
    const q2 = chat.state.messages[2]!.id as MessageId;
    await chat.edit(q2, "Another question");
    await be.tree.finish(S);
    const previous = chat.state.messages[2]!.versions!.previous!;
    expect(previous).toBe(q2);

    const switching = chat.switchTo(previous);
    // Nothing is cleared while the path loads.
    expect(chat.state.messages).toHaveLength(4);
    expect(chat.busy()).toBe(true);
    expect(await switching).toBe(true);
    expect(be.mock.callsOf("switchBranch")).toEqual([{ messageId: q2 }]);
    expect(shown(chat)).toEqual(["Q:Question 0", "A:Answer **1** with `c", "Q:Question 2 (1/2)", "A:Answer **3** with `c"]);

    // And forward again, to the reply last seen below the newer version.
    expect(await chat.switchTo(chat.state.messages[2]!.versions!.next!)).toBe(true);
    expect(shown(chat)).toEqual(["Q:Question 0", "A:Answer **1** with `c", "Q:Another question (2/2)", "A:Reply to: Another qu"]);
    stop();
  });

  it("shows a refused switch like any action's error and leaves the chat as it was", async () => {
    const { be, chat, stop } = await setup();
    const q2 = chat.state.messages[2]!.id as MessageId;
    await chat.edit(q2, "Another question");
    await be.tree.finish(S);
    be.mock.set({ switchBranch: ({ messageId }) => fail({ kind: "messageNotFound", message: "gone", messageId }) });
    const before = shown(chat);
    expect(await chat.switchTo(q2)).toBe(false);
    expect(chat.actionError()).toMatchObject({ kind: "messageNotFound" });
    expect(shown(chat)).toEqual(before);
    stop();
  });
});

describe("regenerating a reply", () => {
  it("streams a new version in the reply's place, from the chat's model (null) or another one", async () => {
    const { be, chat, stop } = await setup();
    const a3 = chat.state.messages[3]!.id as MessageId;
    expect(await chat.regenerate(a3)).toBe(true);
    expect(be.mock.callsOf("regenerate")).toEqual([{ messageId: a3, model: null }]);
    expect(shown(chat)).toEqual(["Q:Question 0", "A:Answer **1** with `c", "Q:Question 2", "A: (2/2)"]);
    expect(chat.state.messages[3]).toMatchObject({ status: "streaming", model: MODEL });
    await be.tree.finish(S);
    expect(chat.state.messages[3]).toMatchObject({ status: "complete", content: "Reply to: Question 2" });

    const latest = chat.state.messages[3]!.id as MessageId;
    expect(await chat.regenerate(latest, "openai/gpt-4o")).toBe(true);
    expect(be.mock.callsOf("regenerate")[1]).toEqual({ messageId: latest, model: "openai/gpt-4o" });
    expect(chat.state.messages[3]).toMatchObject({ model: "openai/gpt-4o", versions: { position: 3, count: 3 } });
    stop();
  });

  it("retries a failed reply in place", async () => {
    const q = message({ id: asMessageId("msg_Q"), sessionId: S, content: "Will this work?" });
    const failed = message({
      id: asMessageId("msg_FAILED"),
      sessionId: S,
      role: "assistant",
      content: "",
      status: "failed",
      failure: { code: "network", message: "connection reset" },
    });
    const { be, chat, stop } = await setup([q, failed]);
    expect(await chat.retry(failed.id)).toBe(true);
    expect(be.mock.callsOf("regenerate")).toEqual([{ messageId: failed.id, model: null }]);
    await be.tree.finish(S);
    expect(shown(chat)).toEqual(["Q:Will this work?", "A:Reply to: Will this  (2/2)"]);
    expect(chat.state.messages[1]).toMatchObject({ status: "complete", failure: null });
    stop();
  });

  it("puts the reply back when the backend refuses", async () => {
    const { be, chat, stop } = await setup();
    be.mock.set({ regenerate: ({ messageId }) => fail({ kind: "messageNotFound", message: "gone", messageId }) });
    const before = shown(chat);
    expect(await chat.regenerate(chat.state.messages[1]!.id as MessageId)).toBe(false);
    expect(shown(chat)).toEqual(before);
    expect(chat.actionError()).toMatchObject({ kind: "messageNotFound" });
    stop();
  });

  it("adds the reply when its stream events come after the command's answer", async () => {
    const late = message({ id: asMessageId("msg_LATE"), sessionId: S, role: "assistant", content: "", status: "streaming", model: MODEL, versions: { position: 2, count: 2, previous: null, next: null } });
    const { chat, stop } = await setup(conversation(S, 2), { regenerate: async () => late });
    expect(await chat.regenerate(chat.state.messages[1]!.id as MessageId)).toBe(true);
    expect(shown(chat)).toEqual(["Q:Question 0", "A: (2/2)"]);
    expect(chat.state.streamingId).toBe(late.id);
    await emitEvent("streamChunk", { sessionId: S, messageId: late.id, content: "Late text", index: 0 });
    expect(chat.state.messages).toHaveLength(2);
    expect(chat.state.messages[1]!.content).toBe("Late text");
    stop();
  });
});

describe("busy rules", () => {
  it("edits, regenerates and switches nothing while a reply streams", async () => {
    const { be, chat, stop } = await setup();
    await emitEvent("streamStart", { sessionId: S, messageId: asMessageId("msg_STREAMING") });
    const q0 = chat.state.messages[0]!.id as MessageId;
    expect(chat.busy()).toBe(true);
    expect(chat.startEdit(q0)).toBe(false);
    expect(chat.editLast()).toBe(false);
    expect(await chat.edit(q0, "new")).toBe(false);
    expect(await chat.regenerate(chat.state.messages[1]!.id as MessageId)).toBe(false);
    expect(await chat.switchTo(q0)).toBe(false);
    expect(be.mock.calls.filter((c) => ["edit_message", "regenerate", "switch_branch"].includes(c.command))).toEqual([]);
    stop();
  });

  it("runs one change at a time", async () => {
    let release = () => {};
    const { be, chat, stop } = await setup(conversation(S, 4), {
      switchBranch: (id) => new Promise<void>((r) => (release = () => (be.tree.switchBranch(id), r()))),
    });
    const q0 = chat.state.messages[0]!.id as MessageId;
    const first = chat.switchTo(q0);
    expect(await chat.regenerate(chat.state.messages[3]!.id as MessageId)).toBe(false);
    expect(await chat.edit(q0, "new")).toBe(false);
    expect(await chat.send("a new message")).toBe(false);
    expect(await chat.compact()).toBeNull();
    release();
    expect(await first).toBe(true);
    expect(chat.busy()).toBe(false);
    stop();
  });
});

describe("opening a search hit in another version", () => {
  it("switches to its version first, then opens the chat at it", async () => {
    const { be, chat, stop } = await setup(conversation(S, 4), {
      loadAround: async (sessionId, messageId) => {
        const path = be.tree.path(sessionId);
        if (!path.some((m) => m.id === messageId)) throw new Error("off the active path");
        return { messages: path, hasOlder: false, hasNewer: false };
      },
    });
    const q2 = chat.state.messages[2]!.id as MessageId;
    await chat.edit(q2, "Newer");
    await be.tree.finish(S);
    await chat.openAt(S, q2, MODEL, true);
    expect(be.mock.callsOf("switchBranch")).toEqual([{ messageId: q2 }]);
    expect(chat.highlighted()).toBe(q2);
    expect(shown(chat)[2]).toBe("Q:Question 2 (1/2)");
    stop();
  });
});
