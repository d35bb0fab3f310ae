// Generated from bindings/README.md (block 1) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { commands } from "../../../bindings/bindings";

const list = await commands.listSessions();
const first = list.status === "ok" ? list.data[0] : undefined;
if (first) {
  const r = await commands.getSession(first.id);  // first.id: SessionId
  if (r.status === "ok") {
    console.log(r.data.title ?? "New chat");      // r.data: SessionInfo
  } else {
    console.warn(r.error.kind, r.error.message);  // r.error: AppError
  }
}
