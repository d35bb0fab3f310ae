#!/usr/bin/env node
// Records the public IPC contract (commands, events, types) from
// bindings/bindings.ts into tests/contract/contract-snapshot.json, which
// tests/contract/breaking.test.ts compares against.
//
//   npm run contract:snapshot                   record (after an intended change)
//   node scripts/contract/snapshot.mjs --diff   print what changed since the wave's
//                                               baseline, with the recorded reasons;
//                                               exit 1 on an unrecorded breaking change
//   node scripts/contract/snapshot.mjs --new-wave
//                                               start a new wave: the snapshot becomes
//                                               the baseline, the record of intended
//                                               changes is emptied
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildSnapshot, diffContracts, formatReview, mergeDiffs, reviewChanges, snapshotText } from "./contract-lib.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const source = readFileSync(`${root}bindings/bindings.ts`, "utf8");
const snapshotPath = `${root}tests/contract/contract-snapshot.json`;
const baselinePath = `${root}tests/contract/contract-baseline.json`;
const recordPath = `${root}tests/contract/intended-changes.json`;
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

if (process.argv.includes("--diff")) {
  const snapshot = readJson(snapshotPath);
  const diff = mergeDiffs(diffContracts(readJson(baselinePath), snapshot), diffContracts(snapshot, buildSnapshot(source)));
  const review = reviewChanges(diff, readJson(recordPath));
  console.log(formatReview(review) || "no contract changes since the baseline");
  for (const s of review.stale) console.log(`recorded but not reported (stale or mistyped): ${s}`);
  process.exit(review.unrecorded.breaking.length + review.stale.length + review.invalid.length > 0 ? 1 : 0);
} else if (process.argv.includes("--new-wave")) {
  const snapshot = readJson(snapshotPath);
  const baseline = readJson(baselinePath);
  writeFileSync(baselinePath, `${JSON.stringify({ ...snapshot, $comment: baseline.$comment }, null, 2)}\n`);
  const record = readJson(recordPath);
  writeFileSync(recordPath, `${JSON.stringify({ ...record, changes: [] }, null, 2)}\n`);
  console.log("tests/contract/contract-baseline.json is now the snapshot; tests/contract/intended-changes.json is empty");
} else {
  writeFileSync(snapshotPath, snapshotText(source));
  console.log("wrote tests/contract/contract-snapshot.json");
}
