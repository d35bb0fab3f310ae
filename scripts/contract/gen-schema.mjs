#!/usr/bin/env node
// Writes bindings/schema.json (JSON Schema of every command's arguments and
// response, every event payload and every exported type) from
// bindings/bindings.ts. `--check` only reports whether the file is current.
//
//   npm run contract:schema            regenerate
//   node scripts/contract/gen-schema.mjs --check
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { schemaText } from "./contract-lib.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bindingsPath = `${root}bindings/bindings.ts`;
const schemaPath = `${root}bindings/schema.json`;

const text = schemaText(readFileSync(bindingsPath, "utf8"));
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(schemaPath, "utf8");
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error("bindings/schema.json is out of date with bindings/bindings.ts: run `npm run contract:schema`");
    process.exit(1);
  }
  console.log("bindings/schema.json is up to date");
} else {
  writeFileSync(schemaPath, text);
  console.log(`wrote bindings/schema.json (${Object.keys(JSON.parse(text).definitions).length} definitions)`);
}
