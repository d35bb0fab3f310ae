// Pure chat state: messages of the open session and how stream events change
// them. No Solid, no DOM: every function mutates the state object it is given
// (a plain object in tests, a `produce` draft in the store), so it is tested
// directly with plain data.
import type {
  FailureCode,
  Message,
  MessageId,
  MessageStatus,
  Role,
  SessionId,
  StreamChunk,
  StreamEnd,
  StreamError,
  StreamStart,
  Usage,
  Versions,
} from "../../bindings/bindings";

/** The id of a message typed here until the backend stores it (and gives
 * it a MessageId). Its own brand, so it never passes for a MessageId. */
export type LocalId = string & { readonly __brand: "LocalId" };

export interface ChatMessage {
  id: MessageId | LocalId;
  sessionId: SessionId;
  role: Role;
  content: string;
  model: string | null;
  usage: Usage | null;
  timestamp: string;
  status: MessageStatus;
  /** Why the reply ended without completing: from its stream-error, or as stored (`Message.failure`). */
  failure: { code: FailureCode; message: string } | null;
  /** A user message typed here that the backend has not confirmed yet. */
  local: null | { state: "sending" };
  /** Which of the versions at its place this message is ("2 / 3"), when
   * it has others (an edited question, a regenerated reply). */
  versions: Versions | null;
  /** Next chunk index expected; chunks below it were applied. */
  nextIndex: number;
  /** Chunks that arrived ahead of a missing one, by index. */
  pending: Record<number, string>;
}

export interface ChatState {
  /** The open session; events of every other session are ignored. */
  sessionId: SessionId | null;
  /** The session's model, shown on replies that stream in. */
  model: string | null;
  messages: ChatMessage[];
  /** The reply that is streaming in this session, if any. */
  streamingId: MessageId | null;
}

export type StreamEvent =
  | { type: "start"; payload: StreamStart }
  | { type: "chunk"; payload: StreamChunk }
  | { type: "end"; payload: StreamEnd }
  | { type: "error"; payload: StreamError };

/** What applying an event did, so the store knows whether to reload. */
export type Applied = "ignored" | "applied" | "endedWithGaps";

export function emptyChat(sessionId: SessionId | null = null, model: string | null = null): ChatState {
  return { sessionId, model, messages: [], streamingId: null };
}

export function fromMessage(m: Message): ChatMessage {
  return {
    id: m.id,
    sessionId: m.sessionId,
    role: m.role,
    content: m.content,
    model: m.model,
    usage: m.usage,
    timestamp: m.timestamp,
    status: m.status,
    // Kept by the backend, so a failed or stopped reply says why after a
    // reload or a restart as it did live.
    failure: m.failure ? { code: m.failure.code, message: m.failure.message } : null,
    local: null,
    versions: m.versions ?? null,
    nextIndex: 0,
    pending: {},
  };
}

/** Replaces the messages with what the backend stored (oldest first). */
export function loadMessages(state: ChatState, messages: readonly Message[]): void {
  state.messages = messages.map(fromMessage);
  // A stored `streaming` message may still be arriving or may be left over
  // from a crash; the next stream event for it (if any) makes it live again.
  state.streamingId = null;
}

export function findMessage(state: ChatState, id: string): ChatMessage | undefined {
  // Streams append at the end, so search from there.
  for (let i = state.messages.length - 1; i >= 0; i--) {
    const m = state.messages[i];
    if (m && m.id === id) return m;
  }
  return undefined;
}

function ensureReply(state: ChatState, sessionId: SessionId, messageId: MessageId): ChatMessage {
  const existing = findMessage(state, messageId);
  if (existing) return existing;
  state.messages.push({
    id: messageId,
    sessionId,
    role: "assistant",
    content: "",
    model: state.model,
    usage: null,
    timestamp: new Date().toISOString(),
    status: "streaming",
    failure: null,
    local: null,
    versions: null,
    nextIndex: 0,
    pending: {},
  });
  // Return the element as stored (a proxy under Solid's produce).
  return state.messages[state.messages.length - 1]!;
}

export function applyStreamStart(state: ChatState, e: StreamStart): Applied {
  if (e.sessionId !== state.sessionId) return "ignored";
  const m = ensureReply(state, e.sessionId, e.messageId);
  if (m.status === "streaming") state.streamingId = e.messageId;
  return "applied";
}

/** Applies chunks in index order: early ones wait in `pending`, repeats are dropped. */
export function applyStreamChunk(state: ChatState, e: StreamChunk): Applied {
  if (e.sessionId !== state.sessionId) return "ignored";
  const m = ensureReply(state, e.sessionId, e.messageId);
  if (m.status === "streaming" && state.streamingId === null) state.streamingId = e.messageId;
  if (e.index < m.nextIndex || e.index in m.pending) return "ignored";
  if (e.index > m.nextIndex) {
    m.pending[e.index] = e.content;
    return "applied";
  }
  let text = e.content;
  let next = e.index + 1;
  while (next in m.pending) {
    text += m.pending[next];
    delete m.pending[next];
    next++;
  }
  m.content += text;
  m.nextIndex = next;
  return "applied";
}

export function applyStreamEnd(state: ChatState, e: StreamEnd): Applied {
  if (e.sessionId !== state.sessionId) return "ignored";
  const m = ensureReply(state, e.sessionId, e.messageId);
  m.status = "complete";
  m.usage = e.usage;
  if (state.streamingId === e.messageId) state.streamingId = null;
  return Object.keys(m.pending).length > 0 ? "endedWithGaps" : "applied";
}

export function applyStreamError(state: ChatState, e: StreamError): Applied {
  if (e.sessionId !== state.sessionId) return "ignored";
  const m = ensureReply(state, e.sessionId, e.messageId);
  m.status = e.code === "cancelled" ? "cancelled" : "failed";
  m.failure = { code: e.code, message: e.message };
  if (state.streamingId === e.messageId) state.streamingId = null;
  return Object.keys(m.pending).length > 0 ? "endedWithGaps" : "applied";
}

export function applyStreamEvent(state: ChatState, event: StreamEvent): Applied {
  switch (event.type) {
    case "start":
      return applyStreamStart(state, event.payload);
    case "chunk":
      return applyStreamChunk(state, event.payload);
    case "end":
      return applyStreamEnd(state, event.payload);
    case "error":
      return applyStreamError(state, event.payload);
  }
}

let localCounter = 0;
const LOCAL_PREFIX = "local_";

/** The message's id in the backend, or null while it only has a local one
 * (typed here, its stored id not learnt yet): only a stored message can be
 * edited or regenerated. */
export function storedId(m: ChatMessage): MessageId | null {
  return m.local === null && !m.id.startsWith(LOCAL_PREFIX) ? (m.id as MessageId) : null;
}

/** Gives the message typed here (`localId`) the id and versions the backend
 * stored it with: the last user message of `newest`, the newest messages of
 * the path, when it has the same text. */
export function adoptStored(state: ChatState, localId: LocalId, newest: readonly Message[]): void {
  const mine = findMessage(state, localId);
  const stored = [...newest].reverse().find((m) => m.role === "user");
  if (!mine || !stored || stored.content !== mine.content || findMessage(state, stored.id)) return;
  mine.id = stored.id;
  mine.timestamp = stored.timestamp;
  mine.versions = stored.versions ?? null;
  mine.local = null;
}

/** Adds the user's message to the open session before the backend confirms
 * it; returns its local id. */
export function addLocalUserMessage(state: ChatState, content: string, now = new Date()): LocalId {
  if (state.sessionId === null) throw new Error("addLocalUserMessage: no session is open");
  const id = `${LOCAL_PREFIX}${now.getTime().toString(36)}_${(localCounter++).toString(36)}` as LocalId;
  state.messages.push({
    id,
    sessionId: state.sessionId,
    role: "user",
    content,
    model: null,
    usage: null,
    timestamp: now.toISOString(),
    status: "complete",
    failure: null,
    local: { state: "sending" },
    versions: null,
    nextIndex: 0,
    pending: {},
  });
  return id;
}

export function removeMessage(state: ChatState, id: string): void {
  const i = state.messages.findIndex((m) => m.id === id);
  if (i >= 0) state.messages.splice(i, 1);
}

/** Replaces the messages with what the backend stored, keeping a reply that
 * is still streaming (its shown text is newer than the stored one). */
export function mergeReload(state: ChatState, stored: readonly Message[]): void {
  const streamingId = state.streamingId;
  const live = streamingId ? findMessage(state, streamingId) : undefined;
  const liveCopy = live && live.status === "streaming" ? { ...live, pending: { ...live.pending } } : undefined;
  // Reasons heard live, for a stored reply that ended but has none (yet).
  const heard = new Map(state.messages.flatMap((m) => (m.failure ? [[m.id, { ...m.failure }] as const] : [])));
  loadMessages(state, stored);
  for (const m of state.messages) {
    if (m.failure === null && (m.status === "failed" || m.status === "cancelled")) m.failure = heard.get(m.id) ?? null;
  }
  if (liveCopy) {
    // The live copy is newer than what was stored a moment ago.
    const i = state.messages.findIndex((m) => m.id === liveCopy.id);
    if (i >= 0) state.messages[i] = liveCopy;
    else state.messages.push(liveCopy);
    state.streamingId = streamingId;
  }
}
