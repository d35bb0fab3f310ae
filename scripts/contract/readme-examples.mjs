// Turns every ```ts block of bindings/README.md into a module under
// tests/contract/readme/, so `npm run typecheck` proves the documentation's
// examples compile against the current bindings. Run after editing the
// README: `npm run contract:readme`. tests/contract/readme.test.ts fails
// when the committed modules are out of step with the README.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";

/** Import paths in the README are written from `src/`; the modules live three levels down. */
const IMPORT_ROOT = "../../../src/";

/** @param {string} markdown @returns {Map<string, string>} file name -> module text */
export function readmeExamples(markdown) {
  const blocks = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const files = new Map();
  blocks.forEach((code, i) => {
    const rewritten = code.replace(/from "(\.\.?\/[^"]+)"/g, (_, path) => `from "${posix.join(IMPORT_ROOT, path)}"`);
    const name = `example-${String(i + 1).padStart(2, "0")}.ts`;
    files.set(
      name,
      `// Generated from bindings/README.md (block ${i + 1}) by scripts/contract/readme-examples.mjs. Do not edit.\n` +
        `export {};\n\n${rewritten}`,
    );
  });
  return files;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(root, "tests/contract/readme");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files = readmeExamples(readFileSync(join(root, "bindings/README.md"), "utf8"));
  for (const [name, text] of files) writeFileSync(join(out, name), text);
  console.log(`wrote ${files.size} examples to tests/contract/readme/ (${readdirSync(out).length} files)`);
}
