// Generated from bindings/README.md (block 1) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { commands } from "../../../bindings/bindings";

const r = await commands.getSession("sess_01J...");
if (r.status === "ok") {
  console.log(r.data.title ?? "New chat");      // r.data: SessionInfo
} else {
  console.warn(r.error.kind, r.error.message);  // r.error: AppError
}
