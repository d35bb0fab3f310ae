// What the chat needs from the backend, built from the generated bindings.
// Sending, stopping and compacting go through the generated
// `sendMessageStreaming` / `cancelStream` / `compactSession`; the versions
// of a conversation (a tree) through `editMessage` / `regenerate` /
// `switchBranch`.
import { type Message, type MessageId, type MessageWindow, type SessionId } from "../../bindings/bindings";
import { commands } from "../transport";
import { unwrap } from "../api";

/** What compacting a session did (the contract's `CompactionResult`). */
export interface CompactionSummary {
  messagesBefore: number;
  messagesAfter: number;
  tokensSaved: number;
}

export interface ChatBackend {
  /** Messages of a session, oldest first; with `limit`, only the newest
   * `limit` of them. Throws `CommandFailed`. */
  loadMessages(sessionId: SessionId, limit?: number | null): Promise<Message[]>;
  /** Up to `before` messages before `messageId`, it, and up to `after`
   * after it, with whether more exist either side (`getMessagesAround`).
   * Absent in backends that cannot page: a jump then loads everything. */
  loadAround?: (sessionId: SessionId, messageId: MessageId, before: number, after: number) => Promise<MessageWindow>;
  /** Stores the user's message and starts the reply, which arrives as
   * stream events. `null` while the backend has no such command. */
  sendStreaming: ((sessionId: SessionId, content: string) => Promise<void>) | null;
  /** Stops the session's running reply. `null` while the backend has no such command. */
  cancel: ((sessionId: SessionId) => Promise<void>) | null;
  /** Summarizes the older part of a session. `null` while the backend has no such command. */
  compact: ((sessionId: SessionId) => Promise<CompactionSummary>) | null;
  /** Stores `content` as a new version of the user's message `messageId`
   * and starts a new reply to it (stream events); resolves to the new
   * version. Absent or `null`: messages cannot be edited. */
  editMessage?: ((messageId: MessageId, content: string) => Promise<Message>) | null;
  /** Starts a new version of the reply `messageId`, from `model` (a
   * qualified id) or, with `null`, the chat's model; resolves to the new,
   * still empty reply. Absent or `null`: replies cannot be regenerated. */
  regenerate?: ((messageId: MessageId, model: string | null) => Promise<Message>) | null;
  /** Makes the path through `messageId` the chat's active path (what
   * `loadMessages` returns next). Absent or `null`: versions cannot be switched. */
  switchBranch?: ((messageId: MessageId) => Promise<void>) | null;
}

export const tauriChatBackend: ChatBackend = {
  loadMessages: (sessionId, limit = null) => unwrap(commands.getMessages(sessionId, limit)),
  loadAround: (sessionId, messageId, before, after) =>
    unwrap(commands.getMessagesAround(sessionId, messageId, before, after)),
  sendStreaming: async (sessionId, content) => {
    await unwrap(commands.sendMessageStreaming(sessionId, content));
  },
  cancel: async (sessionId) => {
    await unwrap(commands.cancelStream(sessionId));
  },
  compact: (sessionId) => unwrap(commands.compactSession(sessionId)),
  editMessage: (messageId, content) => unwrap(commands.editMessage(messageId, content)),
  regenerate: (messageId, model) => unwrap(commands.regenerate(messageId, model)),
  switchBranch: async (messageId) => {
    await unwrap(commands.switchBranch(messageId));
  },
};
