// Generated from bindings/README.md (block 3) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { commands, type AppError, type SessionId } from "../../../bindings/bindings";
declare const sessionId: SessionId;  // the open chat's id, from the backend

// Stores the message and starts the reply; the text arrives as events.
const sent = await commands.sendMessageStreaming(sessionId, "Hello!");
if (sent.status === "error") console.warn(explain(sent.error));

// A switch over every kind: adding a kind in Rust makes this fail to
// compile until it is handled.
function explain(error: AppError): string {
  switch (error.kind) {
    case "sessionBusy": return "Still answering the last message.";
    case "noProvider": return `No provider serves ${error.model}; add an API key in Settings.`;
    case "provider": return error.retryAfterMs ? `Busy; retry in ${error.retryAfterMs} ms.` : error.message;
    case "invalidArgument": return `Check ${error.field}: ${error.message}`;
    case "sessionNotFound":
    case "messageNotFound":
    case "configKey":
    case "configValue":
    case "storage":
    case "archive":
    case "unauthenticated":
    case "cancelled":
    case "internal":
      return error.message;
    default: {
      const unhandled: never = error;
      return unhandled;
    }
  }
}

// Or wait for the whole reply (events are still emitted):
const reply = await commands.sendMessage(sessionId, "And then?");
if (reply.status === "ok") console.log(reply.data.content, reply.data.usage.outputTokens);

// Stop a running reply; its text so far is kept as "cancelled".
await commands.cancelStream(sessionId);
