import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** Every non-test source file under src/. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === "test" ? [] : sources(file);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [file] : [];
  });
}

describe("transport", () => {
  it("is the only module that takes commands or events from the bindings", () => {
    const root = path.resolve(__dirname);
    const offenders = sources(root).filter((file) => {
      if (path.basename(file) === "transport.ts") return false;
      const text = readFileSync(file, "utf8");
      // A value import (not `import type`) from the generated bindings.
      return /import\s+\{[^}]*\b(commands|events)\b[^}]*\}\s+from\s+"[./]*\/bindings\/(bindings|gateway)"/.test(text);
    });
    expect(offenders.map((f) => path.relative(root, f))).toEqual([]);
  });
});
