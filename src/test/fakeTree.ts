// Conversations as trees for the fake backend (fixtures.ts), with the
// backend's semantics (crates/clawdesk-core/src/store/tree.rs):
// - a session's messages are kept in creation order; a message's parent is
//   its `parentId` when it has that key, else the message before it (so the
//   linear chats tests write stay single paths);
// - the session shows one path, ending at its active leaf (by default its
//   newest message); `getMessages` returns that path with each message's
//   `versions` among its siblings (same parent, creation order);
// - `switchBranch` makes the path through a message active, continuing at
//   each step with the child last on the path (the newest when none was);
// - `editMessage` / `regenerate` add a version and a reply that streams:
//   `streamStart` before the command returns, the rest when the test calls
//   `finish` (so a test sees the chat busy meanwhile). Nothing is deleted.
import type { FailureCode, Message, MessageId, SessionId, Versions } from "../../bindings/bindings";
import { emitEvent, fail } from "../../bindings/mock";
import { message } from "./fixtures";
import { testMessageId } from "./ids";

/** A reply the fake is streaming. */
interface Live {
  messageId: MessageId;
  text: string;
}

export interface FakeTree {
  /** The session's active path, oldest first, with versions. */
  path(sessionId: SessionId): Message[];
  editMessage(messageId: MessageId, content: string): Promise<Message>;
  regenerate(messageId: MessageId, model: string | null): Promise<Message>;
  switchBranch(messageId: MessageId): null;
  /** Ends the session's streaming reply: its text and `streamEnd`, or
   * `streamError` with `failure`. */
  finish(sessionId: SessionId, failure?: FailureCode): Promise<void>;
  /** Whether a reply streams in the session. */
  streaming(sessionId: SessionId): boolean;
}

export function fakeTree(
  messages: Map<string, Message[]>,
  modelOf: (sessionId: SessionId) => string | null,
  replyText: (question: string) => string = (q) => `Reply to: ${q}`,
): FakeTree {
  const active = new Map<string, MessageId>();
  /** When each message was last on the active path (a counter), for switches. */
  const chosen = new Map<string, number>();
  let clock = 0;
  const live = new Map<string, Live>();

  const all = (sessionId: SessionId) => messages.get(sessionId) ?? [];
  const parentOf = (list: readonly Message[], i: number): MessageId | null => {
    const m = list[i]!;
    if ("parentId" in m) return m.parentId ?? null;
    return i > 0 ? list[i - 1]!.id : null;
  };
  const locate = (messageId: MessageId): { sessionId: SessionId; list: Message[]; index: number } => {
    for (const [sessionId, list] of messages) {
      const index = list.findIndex((m) => m.id === messageId);
      if (index >= 0) return { sessionId: sessionId as SessionId, list, index };
    }
    return fail({ kind: "messageNotFound", message: `message ${messageId} does not exist`, messageId });
  };

  /** Parents and children of a session's messages, computed once per read
   * (a render bench reads 5,000-message chats through this). */
  function shape(list: readonly Message[]) {
    const parents = list.map((_, i) => parentOf(list, i));
    const at = new Map(list.map((m, i) => [m.id as string, i]));
    const children = new Map<MessageId | null, Message[]>();
    list.forEach((m, i) => {
      const p = parents[i] ?? null;
      const siblings = children.get(p);
      if (siblings) siblings.push(m);
      else children.set(p, [m]);
    });
    return { parents, at, children };
  }

  function versionsOf(siblings: readonly Message[], id: MessageId): Versions | null {
    if (siblings.length < 2) return null;
    const i = siblings.findIndex((m) => m.id === id);
    return { position: i + 1, count: siblings.length, previous: siblings[i - 1]?.id ?? null, next: siblings[i + 1]?.id ?? null };
  }

  function path(sessionId: SessionId): Message[] {
    const list = all(sessionId);
    // A chat that never branched is its own path (and the render bench
    // reads 5,000-message ones through here: no copies then).
    if (!active.has(sessionId) && !list.some((m) => "parentId" in m)) return list;
    const { parents, at, children } = shape(list);
    const leaf = active.get(sessionId) ?? list[list.length - 1]?.id;
    const out: Message[] = [];
    let i = leaf === undefined ? -1 : (at.get(leaf) ?? -1);
    while (i >= 0) {
      const m = list[i]!;
      const parent = parents[i] ?? null;
      out.push({ ...m, parentId: parent, versions: versionsOf(children.get(parent) ?? [], m.id) });
      i = parent === null ? -1 : (at.get(parent) ?? -1);
    }
    return out.reverse();
  }

  /** Makes the path ending at `leaf` active and notes it as chosen now. */
  function activate(sessionId: SessionId, leaf: MessageId): void {
    active.set(sessionId, leaf);
    clock++;
    for (const m of path(sessionId)) chosen.set(m.id, clock);
  }

  function leafBelow(list: readonly Message[], from: MessageId): MessageId {
    const { children: below } = shape(list);
    let at = from;
    for (;;) {
      const children = below.get(at) ?? [];
      if (children.length === 0) return at;
      // The child last on the path; the newest when none was.
      const best = children.reduce((a, b) => ((chosen.get(b.id) ?? 0) >= (chosen.get(a.id) ?? 0) ? b : a));
      at = best.id;
    }
  }

  const refuseWhileBusy = (sessionId: SessionId) => {
    if (live.has(sessionId)) fail({ kind: "sessionBusy", message: `session ${sessionId} is still answering`, sessionId });
  };

  /** Stores an empty reply below `parent` and starts streaming it. */
  async function startReply(sessionId: SessionId, parent: MessageId, question: string, model: string | null): Promise<Message> {
    const reply = message({
      id: testMessageId(),
      sessionId,
      role: "assistant",
      content: "",
      model: model ?? modelOf(sessionId),
      status: "streaming",
      parentId: parent,
      timestamp: new Date().toISOString(),
    });
    all(sessionId).push(reply);
    messages.set(sessionId, all(sessionId));
    activate(sessionId, reply.id);
    live.set(sessionId, { messageId: reply.id, text: replyText(question) });
    await emitEvent("streamStart", { sessionId, messageId: reply.id });
    return reply;
  }

  const withVersions = (sessionId: SessionId, id: MessageId) => path(sessionId).find((m) => m.id === id)!;

  return {
    path,
    streaming: (sessionId) => live.has(sessionId),

    async editMessage(messageId, content) {
      const { sessionId, list, index } = locate(messageId);
      const old = list[index]!;
      if (old.role !== "user") fail({ kind: "invalidArgument", field: "messageId", message: `message ${messageId} is not yours to edit` });
      if (content.trim() === "") fail({ kind: "invalidArgument", field: "content", message: "the message is empty" });
      refuseWhileBusy(sessionId);
      const question = message({
        id: testMessageId(),
        sessionId,
        role: "user",
        content,
        parentId: parentOf(list, index),
        timestamp: new Date().toISOString(),
      });
      list.push(question);
      await startReply(sessionId, question.id, content, null);
      return withVersions(sessionId, question.id);
    },

    async regenerate(messageId, model) {
      const { sessionId, list, index } = locate(messageId);
      const old = list[index]!;
      const parent = parentOf(list, index);
      if (old.role !== "assistant" || parent === null) {
        fail({ kind: "invalidArgument", field: "messageId", message: `message ${messageId} is not a reply` });
      }
      if (old.status === "streaming") fail({ kind: "sessionBusy", message: "still answering", sessionId });
      refuseWhileBusy(sessionId);
      const question = list.find((m) => m.id === parent)!;
      const reply = await startReply(sessionId, parent, question.content, model);
      return withVersions(sessionId, reply.id);
    },

    switchBranch(messageId) {
      const { sessionId, list } = locate(messageId);
      refuseWhileBusy(sessionId);
      activate(sessionId, leafBelow(list, messageId));
      return null;
    },

    async finish(sessionId, failure) {
      const running = live.get(sessionId);
      if (!running) throw new Error(`fakeTree.finish: nothing streams in ${sessionId}`);
      live.delete(sessionId);
      const stored = all(sessionId).find((m) => m.id === running.messageId)!;
      const { messageId } = running;
      if (failure) {
        stored.status = failure === "cancelled" ? "cancelled" : "failed";
        stored.failure = { code: failure, message: "the fake provider failed" };
        await emitEvent("streamError", { sessionId, messageId, code: failure, message: "the fake provider failed" });
        return;
      }
      stored.content = running.text;
      stored.status = "complete";
      stored.usage = { inputTokens: 5, outputTokens: 3 };
      await emitEvent("streamChunk", { sessionId, messageId, content: running.text, index: 0 });
      await emitEvent("streamEnd", { sessionId, messageId, usage: stored.usage });
    },
  };
}
