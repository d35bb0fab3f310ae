// The open chat as a Solid store: loads a session's messages, applies stream
// events to it (through the pure functions of streamState.ts), and sends and
// stops replies through a ChatBackend. What the user types lives in drafts.ts.
import { batch, createSignal } from "solid-js";
import { createStore, produce, reconcile, unwrap } from "solid-js/store";
import { type Message, type MessageId, type SessionId } from "../../bindings/bindings";
import { events } from "../transport";
import { errorOf, type CommandError } from "../api";
import type { ChatBackend, CompactionSummary } from "./backend";
import { cutFrom, indexOf, placeQuestion, placeReply, restoreFrom } from "./branching";
import {
  addLocalUserMessage,
  adoptStored,
  storedId,
  applyStreamEvent,
  emptyChat,
  findMessage,
  fromMessage,
  mergeReload,
  removeMessage,
  type Applied,
  type ChatState,
  type LocalId,
  type StreamEvent,
  type ChatMessage,
} from "./streamState";

/** How many of a session's newest messages `open` shows before loading the rest. */
export const FIRST_PAGE = 100;

/** Messages loaded each side of a message a jump opens the chat at, and
 * per page when scrolling from there. */
export const AROUND = 50;
export const PAGE = 100;

/** Where the list should scroll to: a message, and a counter so asking
 * again for the same one scrolls again. */
export interface ScrollTarget {
  id: string;
  request: number;
}

export interface ChatStoreHooks {
  /** The backend stored a message the user sent (the session's title and time changed). */
  onSent?: (sessionId: SessionId) => void;
  /** A stream of any session ended or failed (its session's summary changed). */
  onStreamSettled?: (sessionId: SessionId) => void;
  /** When given, stream chunks heard by `listen` are queued and applied
   * together when it calls back (the app passes the next animation frame),
   * so a fast stream updates the page once a frame rather than once a chunk.
   * Other stream events apply the queue first, then themselves, at once. */
  scheduleFlush?: (flush: () => void) => void;
}

export type ChatStore = ReturnType<typeof createChatStore>;

/** A question being edited in place: which one, and the text so far. */
export interface EditDraft {
  id: MessageId;
  text: string;
}

export function createChatStore(backend: ChatBackend, hooks: ChatStoreHooks = {}) {
  const [state, setState] = createStore<ChatState>(emptyChat());
  const [loading, setLoading] = createSignal(false);
  const [loadError, setLoadError] = createSignal<CommandError | null>(null);
  const [actionError, setActionError] = createSignal<CommandError | null>(null);
  const [sending, setSending] = createSignal(false);
  const [compacting, setCompacting] = createSignal(false);
  const [compacted, setCompacted] = createSignal<CompactionSummary | null>(null);
  // A chat opened at a message (a search hit) holds a window of it: these
  // say whether older / newer messages are still to be loaded.
  const [hasOlder, setHasOlder] = createSignal(false);
  const [hasNewer, setHasNewer] = createSignal(false);
  const [highlighted, setHighlighted] = createSignal<string | null>(null);
  const [scrollTarget, setScrollTarget] = createSignal<ScrollTarget | null>(null);
  // An edit, a regeneration or a switch of versions on its way to the backend.
  const [changing, setChanging] = createSignal(false);
  const [editing, setEditing] = createSignal<EditDraft | null>(null);
  let paging = false;
  let loadToken = 0;
  let changeToken = 0;

  async function reload(sessionId: SessionId): Promise<void> {
    const token = loadToken;
    try {
      const stored = await backend.loadMessages(sessionId);
      if (token !== loadToken || state.sessionId !== sessionId) return;
      setState(produce((s) => mergeReload(s, stored)));
      setLoadError(null);
    } catch (e) {
      if (token === loadToken) setLoadError(errorOf(e));
    }
  }

  /** Puts the stored messages older than the first one shown before it. */
  async function loadOlder(sessionId: SessionId): Promise<void> {
    const token = loadToken;
    try {
      const stored = await backend.loadMessages(sessionId);
      if (token !== loadToken || state.sessionId !== sessionId) return;
      const first = state.messages[0]?.id;
      const at = first === undefined ? -1 : stored.findIndex((m) => m.id === first);
      if (at > 0) {
        const older = stored.slice(0, at).map(fromMessage);
        setState("messages", (shown) => [...older, ...shown]);
      } else if (at < 0) {
        setState(produce((s) => mergeReload(s, stored)));
      }
    } catch (e) {
      if (token === loadToken) setLoadError(errorOf(e));
    }
  }

  /** Shows a session (or nothing, with `null`): its newest messages first,
   * then, when there are more, the older ones behind them. */
  async function open(sessionId: SessionId | null, model: string | null = null): Promise<void> {
    flushChunks();
    loadToken++;
    batch(() => {
      setState(reconcile(emptyChat(sessionId, model)));
      setLoadError(null);
      setActionError(null);
      setSending(false);
      setCompacted(null);
      setLoading(sessionId !== null);
      setHasOlder(false);
      setHasNewer(false);
      setHighlighted(null);
      setScrollTarget(null);
      forgetChanges();
    });
    if (sessionId === null) return;
    const token = loadToken;
    let page: Message[] | null = null;
    try {
      page = await backend.loadMessages(sessionId, FIRST_PAGE);
      if (token !== loadToken) return;
      setState(produce((s) => mergeReload(s, page!)));
    } catch (e) {
      if (token === loadToken) setLoadError(errorOf(e));
    }
    if (token !== loadToken) return;
    setLoading(false);
    if (page && page.length >= FIRST_PAGE) await loadOlder(sessionId);
  }

  /** Shows a session at one of its messages, scrolled to it and
   * highlighted, however far back it is: only the messages around it are
   * loaded; older and newer ones follow as the list scrolls (`loadOlderPage`,
   * `loadNewerPage`). */
  async function openAt(
    sessionId: SessionId,
    messageId: MessageId,
    model: string | null = null,
    otherBranch = false,
  ): Promise<void> {
    // A hit in another version of the chat: that version is shown first
    // (the backend opens windows of the active path only).
    if (otherBranch && backend.switchBranch) {
      try {
        await backend.switchBranch(messageId);
      } catch (e) {
        // Refused (the chat is answering, the message is gone): the chat
        // as it is, and why the hit is not shown.
        await open(sessionId, model);
        if (state.sessionId === sessionId) setActionError(errorOf(e));
        return;
      }
    }
    const around = backend.loadAround;
    if (!around) {
      await open(sessionId, model);
      setHighlighted(messageId);
      setScrollTarget({ id: messageId, request: Date.now() });
      return;
    }
    flushChunks();
    loadToken++;
    const token = loadToken;
    batch(() => {
      setState(reconcile(emptyChat(sessionId, model)));
      setLoadError(null);
      setActionError(null);
      setSending(false);
      setCompacted(null);
      setLoading(true);
      setHighlighted(null);
      setScrollTarget(null);
      forgetChanges();
    });
    try {
      const window = await around(sessionId, messageId, AROUND, AROUND);
      if (token !== loadToken) return;
      batch(() => {
        setState(produce((s) => mergeReload(s, window.messages)));
        setHasOlder(window.hasOlder);
        setHasNewer(window.hasNewer);
        setHighlighted(messageId);
        setScrollTarget({ id: messageId, request: Date.now() });
      });
    } catch (e) {
      if (token === loadToken) setLoadError(errorOf(e));
    }
    if (token === loadToken) setLoading(false);
  }

  /** Puts the page of messages before the first one shown in front of it. */
  async function loadOlderPage(): Promise<void> {
    const sessionId = state.sessionId;
    const first = state.messages[0];
    if (!sessionId || !first || !hasOlder() || paging || !backend.loadAround) return;
    paging = true;
    const token = loadToken;
    try {
      const window = await backend.loadAround(sessionId, first.id as MessageId, PAGE, 0);
      if (token !== loadToken) return;
      const shown = new Set(state.messages.map((m) => m.id));
      const older = window.messages.filter((m) => !shown.has(m.id)).map(fromMessage);
      batch(() => {
        setState("messages", (messages) => [...older, ...messages]);
        setHasOlder(window.hasOlder);
      });
    } catch (e) {
      if (token === loadToken) setLoadError(errorOf(e));
    } finally {
      paging = false;
    }
  }

  /** Puts the page of messages after the last one shown behind it. */
  async function loadNewerPage(): Promise<void> {
    const sessionId = state.sessionId;
    const last = state.messages[state.messages.length - 1];
    if (!sessionId || !last || !hasNewer() || paging || !backend.loadAround) return;
    paging = true;
    const token = loadToken;
    try {
      const window = await backend.loadAround(sessionId, last.id as MessageId, 0, PAGE);
      if (token !== loadToken) return;
      const shown = new Set(state.messages.map((m) => m.id));
      const newer = window.messages.filter((m) => !shown.has(m.id)).map(fromMessage);
      batch(() => {
        setState("messages", (messages) => [...messages, ...newer]);
        setHasNewer(window.hasNewer);
      });
    } catch (e) {
      if (token === loadToken) setLoadError(errorOf(e));
    } finally {
      paging = false;
    }
  }

  function apply(event: StreamEvent): Applied {
    let applied = "ignored" as Applied;
    setState(produce((s) => (applied = applyStreamEvent(s, event))));
    if (applied === "endedWithGaps" && state.sessionId) void reload(state.sessionId);
    if (event.type === "end" || event.type === "error") hooks.onStreamSettled?.(event.payload.sessionId);
    return applied;
  }

  let queued: StreamEvent[] = [];
  let flushScheduled = false;

  /** Applies the queued chunks in one batch. */
  function flushChunks(): void {
    flushScheduled = false;
    if (queued.length === 0) return;
    const events = queued;
    queued = [];
    batch(() => events.forEach(apply));
  }

  function hear(event: StreamEvent): void {
    const schedule = hooks.scheduleFlush;
    if (event.type === "chunk" && schedule) {
      queued.push(event);
      if (!flushScheduled) {
        flushScheduled = true;
        schedule(flushChunks);
      }
      return;
    }
    flushChunks();
    apply(event);
  }

  /** Subscribes to the stream events; resolves once listening, to a function that stops. */
  async function listen(): Promise<() => void> {
    const unlisteners = await Promise.all([
      events.streamStart.listen((e) => hear({ type: "start", payload: e.payload })),
      events.streamChunk.listen((e) => hear({ type: "chunk", payload: e.payload })),
      events.streamEnd.listen((e) => hear({ type: "end", payload: e.payload })),
      events.streamError.listen((e) => hear({ type: "error", payload: e.payload })),
      // The backend compacts on its own before a send that would overflow
      // the model's context: say so, like a compaction the user asked for.
      events.sessionCompacted.listen((e) => {
        const { sessionId, ...summary } = e.payload;
        if (sessionId !== state.sessionId) return;
        setCompacted(summary);
        if (!streaming()) void reload(sessionId);
      }),
    ]);
    return () => {
      unlisteners.forEach((u) => u());
      flushChunks();
    };
  }

  const canSend = () => backend.sendStreaming !== null;
  const canStop = () => backend.cancel !== null;
  const streaming = () => state.streamingId !== null;

  async function deliver(sessionId: SessionId, content: string, localId: LocalId): Promise<boolean> {
    const send = backend.sendStreaming;
    if (!send) return false;
    setSending(true);
    try {
      await send(sessionId, content);
      setState(produce((s) => {
        const m = findMessage(s, localId);
        if (m) m.local = null;
      }));
      hooks.onSent?.(sessionId);
      void learnStoredId(sessionId, localId);
      return true;
    } catch (e) {
      // Refused (noProvider, sessionBusy, ...): nothing was stored. The text
      // is still in the composer's draft; the error is shown above it.
      setState(produce((s) => removeMessage(s, localId)));
      if (state.sessionId === sessionId) setActionError(errorOf(e));
      return false;
    } finally {
      setSending(false);
    }
  }

  /** The send command answers without the message's stored id, which an
   * edit of it needs: read it from the path's newest messages (the question
   * and its reply). Without it the message just cannot be edited yet. */
  async function learnStoredId(sessionId: SessionId, localId: LocalId): Promise<void> {
    const token = loadToken;
    try {
      const newest = await backend.loadMessages(sessionId, 2);
      if (token !== loadToken || state.sessionId !== sessionId) return;
      setState(produce((s) => adoptStored(s, localId, newest)));
    } catch {
      // A later reload (opening the chat again) brings the id.
    }
  }

  /** Sends a message in the open session. Resolves to whether the backend
   * took it; the caller clears its draft only then. */
  async function send(content: string): Promise<boolean> {
    const sessionId = state.sessionId;
    const text = content.trim();
    // Not while an edit or a regeneration is on its way: its reply comes first.
    if (!sessionId || !text || !canSend() || sending() || changing()) return false;
    // Opened far back at a search hit: the new message goes after the
    // newest ones, so show the end of the chat first.
    if (hasNewer()) await open(sessionId, state.model ?? null);
    setActionError(null);
    let localId = "" as LocalId;
    setState(produce((s) => (localId = addLocalUserMessage(s, text))));
    return deliver(sessionId, text, localId);
  }

  /** Stops the open session's reply. */
  async function stop(): Promise<void> {
    const sessionId = state.sessionId;
    if (!sessionId || !backend.cancel) return;
    try {
      await backend.cancel(sessionId);
    } catch (e) {
      setActionError(errorOf(e));
    }
  }

  const canCompact = () => backend.compact !== null;

  /** Compacts the open session, then shows its messages as stored now. */
  async function compact(): Promise<CompactionSummary | null> {
    const sessionId = state.sessionId;
    if (!sessionId || !backend.compact || busy()) return null;
    setActionError(null);
    setCompacting(true);
    try {
      const result = await backend.compact(sessionId);
      setCompacted(result);
      await reload(sessionId);
      hooks.onSent?.(sessionId);
      return result;
    } catch (e) {
      setActionError(errorOf(e));
      return null;
    } finally {
      setCompacting(false);
    }
  }

  /** Leaves an edit or a regeneration of the chat shown before to itself. */
  function forgetChanges(): void {
    changeToken++;
    setChanging(false);
    setEditing(null);
  }

  const canEdit = () => Boolean(backend.editMessage);
  const canRegenerate = () => Boolean(backend.regenerate);
  const canSwitch = () => Boolean(backend.switchBranch);
  /** Something runs in the open chat (a reply, a send, a compaction, a
   * change of versions): editing, regenerating and switching wait. */
  const busy = () => streaming() || sending() || compacting() || changing();

  const stored = (m: ChatMessage | undefined): m is ChatMessage & { id: MessageId } => m !== undefined && storedId(m) !== null;

  /** Runs one change of the open chat's versions: `busy` meanwhile, its
   * refusal shown like any action's. Resolves to whether it was done. */
  async function change(run: (sessionId: SessionId, isCurrent: () => boolean) => Promise<void>): Promise<boolean> {
    const sessionId = state.sessionId;
    if (!sessionId || busy()) return false;
    const mine = ++changeToken;
    const isCurrent = () => mine === changeToken && state.sessionId === sessionId;
    setActionError(null);
    setChanging(true);
    try {
      await run(sessionId, isCurrent);
      hooks.onSent?.(sessionId);
      return true;
    } catch (e) {
      if (isCurrent()) setActionError(errorOf(e));
      return false;
    } finally {
      if (mine === changeToken) setChanging(false);
    }
  }

  /** Cuts the shown path from index `at`, runs `call`, and puts the cut
   * messages back if the backend refused. */
  async function replacing<T>(at: number, isCurrent: () => boolean, call: () => Promise<T>): Promise<T> {
    const removed = structuredClone(unwrap(state.messages.slice(at)));
    setState(produce((s) => void cutFrom(s, at)));
    try {
      return await call();
    } catch (e) {
      if (isCurrent()) setState(produce((s) => restoreFrom(s, at, removed)));
      throw e;
    }
  }

  /** Stores `content` as a new version of the question `messageId` and shows
   * the new path: the new version, its reply streaming below it. The earlier
   * version stays one arrow away. */
  async function edit(messageId: MessageId, content: string): Promise<boolean> {
    const editMessage = backend.editMessage;
    const text = content.trim();
    const at = indexOf(state, messageId);
    const question = state.messages[at];
    if (!editMessage || !text || !stored(question) || question.role !== "user") return false;
    return change(async (_sessionId, isCurrent) => {
      // The question stays shown (in its editor) until the new one is stored.
      let created: Message;
      try {
        created = await replacing(at + 1, isCurrent, () => editMessage(messageId, text));
      } catch (e) {
        // Refused: what the user wrote is not lost, even if the editor was
        // left meanwhile.
        if (isCurrent() && editing() === null) setEditing({ id: messageId, text: content });
        throw e;
      }
      if (!isCurrent()) return;
      batch(() => {
        setState(produce((s) => placeQuestion(s, at, created)));
        // The path now ends with the new reply.
        setHasNewer(false);
        setEditing(null);
      });
    });
  }

  /** Streams a new version of the reply `messageId` in its place, from
   * `model` (a qualified id) or, with `null`, the chat's model. */
  async function regenerate(messageId: MessageId, model: string | null = null): Promise<boolean> {
    const call = backend.regenerate;
    const at = indexOf(state, messageId);
    const reply = state.messages[at];
    if (!call || !stored(reply) || reply.role !== "assistant" || reply.status === "streaming") return false;
    return change(async (_sessionId, isCurrent) => {
      const created = await replacing(at, isCurrent, () => call(messageId, model));
      if (!isCurrent()) return;
      batch(() => {
        setState(produce((s) => placeReply(s, created)));
        setHasNewer(false);
      });
    });
  }

  /** Shows the version `messageId` of its place: the path through it
   * becomes the chat's, and the shown messages change in place (no empty
   * chat in between). */
  async function switchTo(messageId: MessageId): Promise<boolean> {
    const call = backend.switchBranch;
    if (!call || indexOf(state, messageId) < 0 && !state.messages.some((m) => m.versions?.previous === messageId || m.versions?.next === messageId)) {
      return false;
    }
    return change(async (sessionId, isCurrent) => {
      await call(messageId);
      const path = await backend.loadMessages(sessionId);
      if (!isCurrent()) return;
      batch(() => {
        setState(produce((s) => mergeReload(s, path)));
        // The whole path is shown now.
        setHasOlder(false);
        setHasNewer(false);
        setEditing(null);
      });
    });
  }

  /** Opens the editor on the question `messageId`, with its text. */
  function startEdit(messageId: MessageId): boolean {
    const m = state.messages[indexOf(state, messageId)];
    if (!canEdit() || busy() || !stored(m) || m.role !== "user") return false;
    setEditing({ id: messageId, text: m.content });
    return true;
  }

  /** Opens the editor on the last question of the shown path (Up in an
   * empty composer). */
  function editLast(): boolean {
    const last = [...state.messages].reverse().find((m) => m.role === "user");
    const id = last ? storedId(last) : null;
    return id ? startEdit(id) : false;
  }

  /** Sends the edit being written; the editor closes once it is stored and
   * stays open with its text when the backend refuses. */
  async function saveEdit(): Promise<boolean> {
    const draft = editing();
    if (!draft) return false;
    return edit(draft.id, draft.text);
  }

  return {
    state,
    busy,
    changing,
    canEdit,
    canRegenerate,
    canSwitch,
    edit,
    regenerate,
    retry: (messageId: MessageId) => regenerate(messageId, null),
    switchTo,
    editing,
    startEdit,
    editLast,
    setEditText: (text: string) => setEditing((d) => (d ? { ...d, text } : d)),
    cancelEdit: () => setEditing(null),
    saveEdit,
    compacting,
    compacted,
    canCompact,
    compact,
    dismissCompacted: () => setCompacted(null),
    loading,
    loadError,
    actionError,
    sending,
    streaming,
    canSend,
    canStop,
    open,
    openAt,
    hasOlder,
    hasNewer,
    loadOlderPage,
    loadNewerPage,
    highlighted,
    scrollTarget,
    reload: () => (state.sessionId ? reload(state.sessionId) : Promise.resolve()),
    listen,
    apply,
    send,
    stop,
  };
}
