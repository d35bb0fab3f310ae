// The examples in bindings/README.md are type-checked as modules under
// tests/contract/readme/ (generated from the README). This fails when the
// README changed and the modules were not regenerated, so the checked code
// is always the documented code.
import { describe, expect, test } from "vitest";
import readme from "../../bindings/README.md?raw";
import { readmeExamples } from "../../scripts/contract/readme-examples.mjs";

const committed = import.meta.glob<string>("./readme/*.ts", { eager: true, query: "?raw", import: "default" });

describe("bindings/README.md examples", () => {
  test("every ts block is a committed, type-checked module", () => {
    const fresh = readmeExamples(readme);
    expect(fresh.size).toBeGreaterThanOrEqual(4);
    const byName = new Map(Object.entries(committed).map(([path, text]) => [path.replace("./readme/", ""), text]));
    expect([...byName.keys()].sort(), "run `npm run contract:readme` and commit tests/contract/readme/").toEqual([...fresh.keys()].sort());
    for (const [name, text] of fresh) {
      expect(byName.get(name), `${name} is out of date: run \`npm run contract:readme\``).toBe(text);
    }
  });
});
