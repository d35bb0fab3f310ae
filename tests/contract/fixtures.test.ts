// Runs every recorded IPC fixture (tests/contract/commands/*.json, recorded
// from the real backend by src-tauri/tests/contract_fixtures.rs, and
// tests/contract/events/*.json when present) through the runtime validator,
// and proves the validator rejects wrong data by mutating those fixtures.
import { describe, expect, test } from "vitest";
import bindingsSource from "../../bindings/bindings.ts?raw";
import {
  ContractViolation,
  assertCommandArgs,
  assertCommandResponse,
  assertEventPayload,
  contractIndex,
  validateCommandArgs,
  validateCommandResponse,
  validateEventPayload,
  type CommandName,
  type EventName,
  type ValidationResult,
} from "../../bindings/validate";
import { ID_FORMATS, parseBindings, type TypeNode } from "../../scripts/contract/contract-lib.mjs";

interface CommandFixture {
  accessor: string;
  command: string;
  case: string;
  argNames: string[];
  args: unknown[];
  response: { status: "ok"; data: unknown } | { status: "error"; error: Record<string, unknown> };
}
interface EventFixture {
  event: string;
  accessor: string;
  payload: unknown;
  case?: string;
}

const commandFiles = import.meta.glob<CommandFixture[]>("./commands/*.json", { eager: true, import: "default" });
const eventFiles = import.meta.glob<EventFixture[]>("./events/*.json", { eager: true, import: "default" });
const commandFixtures = Object.entries(commandFiles).flatMap(([file, list]) => list.map((f) => ({ ...f, file })));
const eventFixtures = Object.entries(eventFiles).flatMap(([file, list]) => list.map((f) => ({ ...f, file })));

const index = contractIndex();
const model = parseBindings(bindingsSource);
const types = new Map(model.types.map((t) => [t.name, t.type]));

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(index.commands, name);
}
function isEvent(name: string): name is EventName {
  return Object.hasOwn(index.events, name);
}
function commandOf(f: { accessor: string; file: string }): CommandName {
  if (!isCommand(f.accessor)) throw new Error(`${f.file}: unknown command accessor ${f.accessor}`);
  return f.accessor;
}
function eventOf(f: { accessor: string; file: string }): EventName {
  if (!isEvent(f.accessor)) throw new Error(`${f.file}: unknown event accessor ${f.accessor}`);
  return f.accessor;
}
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
function errorsOf(result: ValidationResult): string[] {
  return result.ok ? [] : result.errors;
}
/** Type parameters of the command being sampled (`K` of updateConfig), by name. */
let typeParams = new Map<string, TypeNode>();

function resolve(node: TypeNode): TypeNode {
  let n = node;
  for (let i = 0; n.k === "ref" && i < 50; i++) {
    const t = types.get(n.name) ?? typeParams.get(n.name);
    if (!t) throw new Error(`unknown type ${n.name}`);
    n = t;
  }
  return n;
}

/**
 * The argument a fixture gets wrong on purpose: the one its error names.
 * Such a fixture records what the backend answers to bad input, so that
 * argument may break the contract (or be missing); the others may not.
 */
function rejectedArg(f: CommandFixture): string | undefined {
  if (f.response.status !== "error") return undefined;
  const e = f.response.error;
  if (e["kind"] === "invalidArgument") {
    // A field inside an object argument (updateSession's patch.title) makes
    // that argument the wrong one.
    const field = String(e["field"]);
    const holder = f.argNames.find((_, i) => {
      const v = f.args[i];
      return !f.argNames.includes(field) && v !== null && typeof v === "object" && field in v;
    });
    return holder ?? field;
  }
  if (e["kind"] === "configKey") return "key";
  if (e["kind"] === "configValue") return "value";
  return undefined;
}

/** Argument errors a fixture may have: those at the argument it gets wrong on purpose. */
function unexpectedArgErrors(f: CommandFixture, errors: string[]): string[] {
  const bad = rejectedArg(f);
  if (bad === undefined) return errors;
  const missing = !f.argNames.includes(bad);
  return errors.filter((e) => !e.startsWith(`args.${bad}:`) && !(missing && e.startsWith("args: expected")));
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const step = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/** Every primitive (or null) position in a JSON value, with its readable path. */
function leaves(value: unknown, path: string, keys: (string | number)[] = []): { path: string; keys: (string | number)[]; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, step(path, i), [...keys, i]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, step(path, k), [...keys, k]));
  }
  return [{ path, keys, value }];
}
function setAt(root: unknown, keys: (string | number)[], value: unknown): void {
  let target = root as Record<string | number, unknown>;
  for (const k of keys.slice(0, -1)) target = target[k] as Record<string | number, unknown>;
  target[keys[keys.length - 1]!] = value;
}
/** A value of another JSON type that no field of the leaf's type accepts. */
function wrongTypeFor(value: unknown): unknown {
  if (typeof value === "string") return 42;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return String(value);
  // An object argument whose fields are all optional (SessionPatch,
  // searchMessages' options) takes any object, even one with an unknown
  // key; a string is no object.
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return "not an object";
  // No argument is an array.
  return ["notInTheContract"];
}

/** A minimal value of a contract type, built from the model (not by hand). */
function sample(node: TypeNode, depth = 0): unknown {
  if (depth > 30) throw new Error("sample: type too deep");
  switch (node.k) {
    case "kw":
      return { string: "x", number: 0, boolean: false, null: null, unknown: null, any: null, never: undefined }[node.name];
    case "lit":
      return node.value;
    case "ref":
      return sample(resolve(node), depth + 1);
    case "array":
      return depth > 6 ? [] : [sample(node.of, depth + 1)];
    case "tuple":
      return node.items.map((i) => sample(i, depth + 1));
    case "object":
      return Object.fromEntries(node.fields.filter((f) => !f.optional).map((f) => [f.name, sample(f.type, depth + 1)]));
    case "record": {
      const key = resolve(node.key);
      if (node.partial || key.k === "kw") return {};
      const keys = (key.k === "union" ? key.of : [key]).map((m) => (m.k === "lit" ? String(m.value) : "x"));
      return Object.fromEntries(keys.map((k) => [k, sample(node.value, depth + 1)]));
    }
    case "union":
      return sample(node.of.find((m) => !(m.k === "kw" && m.name === "null")) ?? node.of[0]!, depth + 1);
    case "intersection":
      return Object.assign({}, ...node.of.map((m) => sample(m, depth + 1)));
    case "brand":
      return `${ID_FORMATS[node.brand]!.prefix}${"0".repeat(26)}`;
    case "keyof": {
      const obj = resolve(node.of);
      return obj.k === "object" ? obj.fields[0]!.name : "x";
    }
    case "template":
      return node.head + node.spans.map((sp) => String(sample(sp.type, depth + 1)) + sp.text).join("");
    case "index": {
      const obj = resolve(node.object);
      return obj.k === "object" ? sample(obj.fields[0]!.type, depth + 1) : null;
    }
    case "conditional":
      return sample(node.results[0]!, depth + 1);
  }
}

function requiredFields(node: TypeNode): string[] {
  const n = resolve(node);
  return n.k === "object" ? n.fields.filter((f) => !f.optional).map((f) => f.name) : [];
}

describe("recorded command fixtures", () => {
  test("there are fixtures, and every command in bindings.ts has at least one", () => {
    expect(commandFixtures.length).toBeGreaterThan(0);
    const covered = new Set(commandFixtures.map((f) => f.accessor));
    const missing = Object.keys(index.commands).filter((c) => !covered.has(c));
    expect(missing, "commands without a recorded fixture (record them in src-tauri/tests/contract_fixtures.rs)").toEqual([]);
  });

  test.each(commandFixtures.map((f) => [`${f.command}: ${f.case}`, f] as const))("%s", (_name, f) => {
    const accessor = commandOf(f);
    const info = index.commands[accessor]!;
    expect(f.command, "wire name in the fixture vs bindings").toBe(info.command);
    const bad = rejectedArg(f);
    const names = bad !== undefined && !f.argNames.includes(bad) ? info.args.filter((n) => n !== bad) : info.args;
    expect(f.argNames, "argument names in the fixture vs bindings").toEqual(names);
    expect(unexpectedArgErrors(f, errorsOf(validateCommandArgs(accessor, f.args)))).toEqual([]);
    expect(validateCommandResponse(accessor, f.response)).toEqual({ ok: true });
  });

  test("both outcomes are recorded: some fixtures succeed, some return typed errors", () => {
    expect(commandFixtures.some((f) => f.response.status === "ok")).toBe(true);
    expect(commandFixtures.some((f) => f.response.status === "error")).toBe(true);
  });
});

describe.runIf(eventFixtures.length > 0)("recorded event fixtures", () => {
  test.each(eventFixtures.map((f, i) => [`${f.event}: ${f.case ?? `#${i}`}`, f] as const))("%s", (_name, f) => {
    const accessor = eventOf(f);
    expect(f.event, "wire name in the fixture vs bindings").toBe(index.events[accessor]!.event);
    expect(validateEventPayload(accessor, f.payload)).toEqual({ ok: true });
  });

  test("every event in bindings.ts has at least one fixture", () => {
    const covered = new Set(eventFixtures.map((f) => f.accessor));
    expect(Object.keys(index.events).filter((e) => !covered.has(e))).toEqual([]);
  });
});

describe("every type in the contract", () => {
  test("a value built from each command's result type, each error kind and each event payload validates", () => {
    for (const c of model.commands) {
      const accessor = commandOf({ accessor: c.accessor, file: "bindings.ts" });
      typeParams = new Map((c.typeParams ?? []).map((p) => [p.name, p.constraint]));
      expect(validateCommandArgs(accessor, c.args.map((a) => sample(a.type))), `${c.accessor} args`).toEqual({ ok: true });
      expect(validateCommandResponse(accessor, { status: "ok", data: sample(c.result.ok) }), `${c.accessor} ok`).toEqual({ ok: true });
      const error = c.result.error ? resolve(c.result.error) : undefined;
      for (const variant of error?.k === "union" ? error.of : error ? [error] : []) {
        const value = { status: "error", error: sample(variant) };
        expect(validateCommandResponse(accessor, value), `${c.accessor} ${JSON.stringify(value)}`).toEqual({ ok: true });
      }
    }
    for (const e of model.events) {
      const accessor = eventOf({ accessor: e.accessor, file: "bindings.ts" });
      expect(validateEventPayload(accessor, sample(e.payload)), e.accessor).toEqual({ ok: true });
    }
  });

  test("an empty event payload is rejected, naming every required field", () => {
    for (const e of model.events) {
      const errors = errorsOf(validateEventPayload(eventOf({ accessor: e.accessor, file: "bindings.ts" }), {}));
      const fields = requiredFields(e.payload);
      expect(fields.length).toBeGreaterThan(0);
      expect(errors).toEqual(expect.arrayContaining(fields.map((f) => `payload.${f}: required field is missing`)));
      expect(errorsOf(validateEventPayload(eventOf({ accessor: e.accessor, file: "bindings.ts" }), null))).toEqual([
        "payload: must be object, got null",
      ]);
    }
  });
});

describe("the validator rejects mutated fixtures", () => {
  const ok = commandFixtures.filter((f) => f.response.status === "ok");
  const failed = commandFixtures.filter((f) => f.response.status === "error");

  test.each(commandFixtures.map((f) => [`${f.command}: ${f.case}`, f] as const))("wrong type at every leaf: %s", (_n, f) => {
    const accessor = commandOf(f);
    const accepted: string[] = [];
    const body = f.response.status === "ok" ? "data" : "error";
    const payload = f.response.status === "ok" ? f.response.data : f.response.error;
    for (const leaf of leaves(payload, `response.${body}`)) {
      const mutated = clone(f.response) as Record<string, unknown>;
      if (leaf.keys.length === 0) mutated[body] = wrongTypeFor(leaf.value);
      else setAt(mutated[body], leaf.keys, wrongTypeFor(leaf.value));
      const errors = errorsOf(validateCommandResponse(accessor, mutated));
      if (!errors.some((e) => e.startsWith(leaf.path))) accepted.push(`${leaf.path} = ${JSON.stringify(wrongTypeFor(leaf.value))} (${errors.join("; ") || "accepted"})`);
    }
    expect(accepted, "mutations the validator did not report at the mutated path").toEqual([]);
  });

  test.each(ok.map((f) => [`${f.command}: ${f.case}`, f] as const))("missing required field: %s", (_n, f) => {
    const accessor = commandOf(f);
    const result = model.commands.find((c) => c.accessor === accessor)!.result.ok;
    const resolved = resolve(result);
    const data = (f.response as { data: unknown }).data;
    const elementType = resolved.k === "array" ? resolved.of : resolved;
    const targets: { keys: (string | number)[]; path: string }[] =
      resolved.k === "array" ? (data as unknown[]).map((_, i) => ({ keys: [i], path: `response.data[${i}]` })) : [{ keys: [], path: "response.data" }];
    const fields = requiredFields(elementType);
    if (resolve(elementType).k !== "object") {
      // null results (delete_session, update_config): dropping `data` itself must fail.
      expect(errorsOf(validateCommandResponse(accessor, { status: "ok" }))).toEqual(["response.data: required field is missing"]);
      return;
    }
    for (const target of targets) {
      for (const field of fields) {
        const mutated = clone(f.response) as { data: unknown };
        const obj = target.keys.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], mutated.data) as Record<string, unknown>;
        delete obj[field];
        expect(errorsOf(validateCommandResponse(accessor, mutated))).toEqual([`${target.path}.${field}: required field is missing`]);
      }
    }
  });

  test.each(failed.map((f) => [`${f.command}: ${f.case}`, f] as const))("unknown error kind, missing error field: %s", (_n, f) => {
    const accessor = commandOf(f);
    const response = f.response as { status: "error"; error: Record<string, unknown> };
    const kindErrors = errorsOf(validateCommandResponse(accessor, { ...response, error: { ...response.error, kind: "notAnErrorKind" } }));
    expect(kindErrors).toHaveLength(1);
    expect(kindErrors[0]).toMatch(/^response\.error\.kind: unknown kind "notAnErrorKind"; expected one of "invalidArgument", /);
    for (const field of Object.keys(response.error)) {
      const { [field]: _dropped, ...rest } = response.error;
      const errors = errorsOf(validateCommandResponse(accessor, { ...response, error: rest }));
      expect(errors[0], `dropping error.${field}`).toMatch(new RegExp(`^response\\.error\\.${field}: required field is missing`));
    }
  });

  test.each(commandFixtures.map((f) => [`${f.command}: ${f.case}`, f] as const))("wrong arguments: %s", (_n, f) => {
    const accessor = commandOf(f);
    const names = index.commands[accessor]!.args;
    const arity = (got: number) => `args: expected ${names.length} argument(s) (${names.join(", ") || "none"}), got ${got}`;
    expect(unexpectedArgErrors(f, errorsOf(validateCommandArgs(accessor, [...f.args, "extra"])))).toEqual(
      f.args.length + 1 === names.length ? [] : [arity(f.args.length + 1)],
    );
    if (f.args.length === 0 || f.args.length !== names.length) return;
    expect(unexpectedArgErrors(f, errorsOf(validateCommandArgs(accessor, f.args.slice(0, -1))))).toEqual([arity(f.args.length - 1)]);
    const command = model.commands.find((c) => c.accessor === accessor)!;
    f.args.forEach((value, i) => {
      // A value whose type follows another argument (updateConfig's
      // `ConfigValueOf<K>`) is any config value to JSON Schema.
      const type = command.args[i]!.type;
      if (type.k === "ref" && (type.name === "JsonValue" || type.args)) return;
      if (names[i] === rejectedArg(f)) return; // already wrong on purpose
      const mutated = [...f.args];
      mutated[i] = wrongTypeFor(value);
      const errors = errorsOf(validateCommandArgs(accessor, mutated)).filter((e) => e.startsWith(`args.${names[i]}:`));
      expect(errors[0], `${names[i]} = ${JSON.stringify(mutated[i])}`).toMatch(new RegExp(`^args\\.${names[i]}: must be `));
    });
  });

  test("ids are checked against their format, and a message id is no session id", () => {
    const ok = "sess_01JC0NTRACT000000000000001";
    expect(validateCommandArgs("getSession", [ok])).toEqual({ ok: true });
    for (const bad of ["nope", "sess_", "sess_8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "sess_01jc0ntract000000000000001", "msg_01JC0NTRACT000000000000001", `${ok}0`]) {
      expect(errorsOf(validateCommandArgs("getSession", [bad])), bad).toEqual([
        `args.sessionId: must match pattern "${ID_FORMATS["SessionId"]!.pattern}"`,
      ]);
    }
    const chunk = eventFixtures.find((f) => f.accessor === "streamChunk")?.payload as Record<string, unknown> | undefined;
    if (chunk) {
      expect(errorsOf(validateEventPayload("streamChunk", { ...chunk, messageId: chunk["sessionId"] }))[0]).toMatch(/^payload\.messageId: must match pattern/);
    }
  });

  test("updateConfig keys are checked against the typed keys", () => {
    for (const key of ["gateway.port", "storage.databasePath", "providers.lmstudio", "providers.lmstudio.apiKey"]) {
      expect(validateCommandArgs("updateConfig", [key, null]), key).toEqual({ ok: true });
    }
    expect(errorsOf(validateCommandArgs("updateConfig", ["gateway.prot", 1]))).toEqual([
      expect.stringMatching(/^args\.key: /),
    ]);
  });

  test("unknown status, unknown field, unsafe integer, non-JSON number, unknown enum member", () => {
    const session = ok.find((f) => f.accessor === "getSession" || f.accessor === "createSession");
    const channels = ok.find((f) => f.accessor === "getChannels");
    expect(session && channels, "fixtures for createSession/getSession and getChannels").toBeTruthy();
    const accessor = commandOf(session!);
    const data = (session!.response as { data: Record<string, unknown> }).data;

    expect(errorsOf(validateCommandResponse(accessor, { status: "maybe", data }))).toEqual([
      'response.status: unknown status "maybe"; expected one of "ok", "error"',
    ]);
    expect(errorsOf(validateCommandResponse(accessor, { status: "ok", data: { ...data, channelID: "desktop" } }))).toEqual([
      "response.data.channelID: unknown field (not in the contract)",
    ]);
    expect(errorsOf(validateCommandResponse(accessor, { status: "ok", data: { ...data, messageCount: 2 ** 53 } }))).toEqual([
      "response.data.messageCount: 9007199254740992 is beyond ±(2^53 - 1), so JavaScript cannot hold it exactly (a 64-bit integer sent as a JSON number?)",
    ]);
    expect(errorsOf(validateCommandResponse(accessor, { status: "ok", data: { ...data, messageCount: Number.NaN } }))).toEqual([
      "response.data.messageCount: must be number, got number NaN (not representable in JSON)",
    ]);
    expect(errorsOf(validateCommandArgs("updateConfig", ["gateway.port", Number.POSITIVE_INFINITY]))[0]).toMatch(
      /^args\.value: must be .*number.*, got number Infinity \(not representable in JSON\)$/,
    );

    const channelData = clone((channels!.response as { data: Record<string, unknown>[] }).data);
    channelData[0]!.status = "connected";
    expect(errorsOf(validateCommandResponse(commandOf(channels!), { status: "ok", data: channelData }))).toEqual([
      'response.data[0].status: must be one of "active", "inactive", "error", got string "connected"',
    ]);
  });

  test("assert helpers throw ContractViolation listing the errors, and narrow on success", () => {
    const f = ok.find((x) => x.accessor === "getSession" || x.accessor === "createSession")!;
    const accessor = commandOf(f);
    const value: unknown = clone(f.response);
    assertCommandResponse(accessor, value);
    expect(value.status).toBe("ok");

    let thrown: unknown;
    try {
      assertCommandResponse(accessor, { status: "ok", data: { id: 1 } });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ContractViolation);
    expect((thrown as ContractViolation).errors).toContain("response.data.id: must be string, got number 1");
    expect((thrown as ContractViolation).message).toMatch(/^response of commands\.\w+ does not match the IPC contract:/);

    expect(() => assertCommandArgs("getSession", [42])).toThrow("args.sessionId: must be string, got number 42");
    const firstEvent = model.events[0]!;
    expect(() => assertEventPayload(eventOf({ accessor: firstEvent.accessor, file: "bindings.ts" }), { sessionId: 1 })).toThrow(
      ContractViolation,
    );
    expect(() => validateCommandResponse("noSuchCommand" as CommandName, {})).toThrow(/unknown command "noSuchCommand"/);
  });
});
