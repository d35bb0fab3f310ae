// The one place tests turn strings into the backend's branded ids.
//
// Production code never does this: a SessionId or MessageId only comes from
// the backend (a SessionInfo, a Message, an event). Tests stand in for the
// backend, so they need ids; the prefix is still checked so a test cannot
// pass a message id where a session id belongs by accident.
import type { MessageId, SessionId } from "../../bindings/bindings";

function checked(value: string, prefix: string): string {
  if (!value.startsWith(prefix)) throw new Error(`test id ${JSON.stringify(value)} must start with ${prefix}`);
  return value;
}

export const asSessionId = (value: string): SessionId => checked(value, "sess_") as SessionId;
export const asMessageId = (value: string): MessageId => checked(value, "msg_") as MessageId;

let seq = 0;
/** A fresh id in the backend's format: the prefix and 26 Crockford base32 characters. */
const body = () => (Date.now() * 1000 + seq++).toString().padStart(26, "0");
export const testSessionId = (): SessionId => asSessionId(`sess_${body()}`);
export const testMessageId = (): MessageId => asMessageId(`msg_${body()}`);
