// Generated from bindings/README.md (block 5) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { events, type MessageId, type SessionId } from "../../../bindings/bindings";
declare const openSessionId: SessionId | null;  // the chat on screen
declare function append(messageId: MessageId, index: number, text: string): void;

const unlisten = await events.streamChunk.listen(({ payload }) => {
  // payload: { sessionId, messageId, content, index }
  if (payload.sessionId !== openSessionId) return;   // events are app-wide
  append(payload.messageId, payload.index, payload.content);
});
// later
unlisten();
