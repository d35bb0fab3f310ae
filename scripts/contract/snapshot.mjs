#!/usr/bin/env node
// Records the public IPC contract (commands, events, types) from
// bindings/bindings.ts into tests/contract/contract-snapshot.json, the
// baseline that tests/contract/breaking.test.ts compares against.
//
//   npm run contract:snapshot                  record (after an intended change)
//   node scripts/contract/snapshot.mjs --diff   print what changed since the
//                                               snapshot; exit 1 if it breaks callers
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildSnapshot, diffContracts, formatDiff, snapshotText } from "./contract-lib.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const source = readFileSync(`${root}bindings/bindings.ts`, "utf8");
const snapshotPath = `${root}tests/contract/contract-snapshot.json`;

if (process.argv.includes("--diff")) {
  const diff = diffContracts(JSON.parse(readFileSync(snapshotPath, "utf8")), buildSnapshot(source));
  console.log(formatDiff(diff) || "no contract changes since the snapshot");
  process.exit(diff.breaking.length > 0 ? 1 : 0);
} else {
  writeFileSync(snapshotPath, snapshotText(source));
  console.log("wrote tests/contract/contract-snapshot.json");
}
