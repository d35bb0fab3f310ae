// Generated from bindings/README.md (block 4) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { commands } from "../../../bindings/bindings";

await commands.updateConfig("gateway.port", 1500);
await commands.updateConfig("defaults.model", "ollama/llama3.2");
await commands.updateConfig("storage.databasePath", null);          // back to the default place
await commands.updateConfig("providers.lmstudio", { kind: "openai", baseUrl: "http://127.0.0.1:1234/v1" });
await commands.updateConfig("providers.anthropic.apiKey", null);    // forget the stored key
const r = await commands.updateConfig("compaction.keepRecent", 1);
if (r.status === "error" && r.error.kind === "configValue") console.warn(`${r.error.key} must be ${r.error.expected}`);

// @ts-expect-error the port is a number
await commands.updateConfig("gateway.port", "1500");
// @ts-expect-error no such key
await commands.updateConfig("gateway.prot", 1500);
