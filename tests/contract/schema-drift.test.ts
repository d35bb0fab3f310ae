// bindings/schema.json is generated from bindings/bindings.ts (itself
// generated from the Rust types). Regenerate it in memory and fail when the
// committed file differs, naming the definitions that changed.
import Ajv from "ajv";
import { describe, expect, test } from "vitest";
import bindingsSource from "../../bindings/bindings.ts?raw";
import committedText from "../../bindings/schema.json?raw";
import { commands, events } from "../../bindings/bindings";
import { argsKey, generateSchema, payloadKey, responseKey, schemaText } from "../../scripts/contract/contract-lib.mjs";

const HOW = "bindings/schema.json is out of date with bindings/bindings.ts: run `npm run contract:schema` and commit the result";

describe("bindings/schema.json", () => {
  test("matches a schema regenerated from bindings.ts", () => {
    const fresh = schemaText(bindingsSource);
    if (committedText === fresh) return;
    let detail = "";
    try {
      const committed = JSON.parse(committedText) as { definitions?: Record<string, unknown> };
      const regenerated = JSON.parse(fresh) as { definitions: Record<string, unknown> };
      const before = committed.definitions ?? {};
      const after = regenerated.definitions;
      const changed = [
        ...Object.keys(after).filter((k) => !(k in before)).map((k) => `added ${k}`),
        ...Object.keys(before).filter((k) => !(k in after)).map((k) => `removed ${k}`),
        ...Object.keys(after)
          .filter((k) => k in before && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
          .map((k) => `changed ${k}`),
      ];
      detail = changed.length ? `\n  ${changed.join("\n  ")}` : "\n  (formatting or header only)";
    } catch {
      detail = "\n  (the committed file is not valid JSON)";
    }
    expect.fail(`${HOW}${detail}`);
  });

  test("covers every command and event the bindings export at runtime", () => {
    const schema = generateSchema(bindingsSource);
    const index = schema["x-clawdesk-contract"];
    expect(Object.keys(index.commands).sort()).toEqual(Object.keys(commands).sort());
    expect(Object.keys(index.events).sort()).toEqual(Object.keys(events).sort());
    for (const name of Object.keys(commands)) {
      expect(schema.definitions[argsKey(name)], name).toBeDefined();
      expect(schema.definitions[responseKey(name)], name).toBeDefined();
      // positional arity matches the generated function
      const items = schema.definitions[argsKey(name)]!["maxItems"];
      expect(items, `${name} arity`).toBe(commands[name as keyof typeof commands].length);
    }
    for (const name of Object.keys(events)) expect(schema.definitions[payloadKey(name)], name).toBeDefined();
  });

  test("every definition compiles under Ajv strict mode", () => {
    const ajv = new Ajv({ strict: true, allErrors: true, discriminator: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: "x-clawdesk-contract", schemaType: "object" });
    const schema = JSON.parse(committedText) as { $id: string; definitions: Record<string, unknown> };
    ajv.addSchema(schema);
    const keys = Object.keys(schema.definitions);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(ajv.getSchema(`${schema.$id}#/definitions/${key}`), key).toBeTypeOf("function");
  });
});
