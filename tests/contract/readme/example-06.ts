// Generated from bindings/README.md (block 6) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { commands } from "../../../bindings/bindings";
import { assertCommandResponse, validateEventPayload } from "../../../bindings/validate";

const response: unknown = await commands.getHealth();
assertCommandResponse("getHealth", response);        // throws ContractViolation naming the field
console.log(response.status);                          // typed from here on

const checked = validateEventPayload("streamEnd", { sessionId: "s", messageId: "m" });
if (!checked.ok) console.warn(checked.errors);         // readable messages naming the missing `usage`
