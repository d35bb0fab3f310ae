// Generated from bindings/README.md (block 2) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { commands } from "../../../bindings/bindings";
import { describeError, errorOf, unwrap } from "../../../src/api";
declare function show(text: string): void;  // your UI

try {
  const sessions = await unwrap(commands.listSessions()); // data, or throws CommandFailed
  show(`${sessions.length} chats`);
} catch (e) {
  const error = errorOf(e);          // AppError (anything else becomes `internal`)
  show(describeError(error));        // a sentence for people, for every kind
}
