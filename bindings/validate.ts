// Runtime validation of IPC data against the contract generated from the Rust
// types (bindings.ts -> schema.json, see scripts/contract/gen-schema.mjs).
//
// For tests and mocks: check that a recorded or hand-written response,
// argument list or event payload really has the shape the backend produces.
//
//   import { validateCommandResponse, assertEventPayload } from "../bindings/validate";
//   const check = validateCommandResponse("getSession", mockResponse);
//   if (!check.ok) console.error(check.errors); // ["response.data.channelId: must be string, got number 7"]
//   assertEventPayload("streamChunk", payload); // throws ContractViolation, narrows `payload`
//
// Strictness: objects allow no fields beyond the contract's (a typo in a mock
// fails), numbers must be finite and within +-(2^53 - 1), `null` is
// accepted only where the Rust type is an Option, and ids must have the
// backend's format (`sess_`/`msg_` and a ULID). Only type-level imports of
// bindings.ts are used, so this module does not load @tauri-apps/api.
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import type { commands, events } from "./bindings";
import schema from "./schema.json";

export type CommandName = keyof typeof commands;
export type EventName = keyof typeof events;
/** The positional arguments of `commands[K]`. */
export type CommandArgs<K extends CommandName> = Parameters<(typeof commands)[K]>;
/** What `await commands[K](...)` resolves to. */
export type CommandResponse<K extends CommandName> = Awaited<ReturnType<(typeof commands)[K]>>;
/** The payload type `events[K].listen` hands to its callback. */
export type EventPayload<K extends EventName> = Parameters<Parameters<(typeof events)[K]["listen"]>[0]>[0]["payload"];

export type ValidationResult = { ok: true } | { ok: false; errors: string[] };

/** Thrown by the assert* helpers; `errors` lists every mismatch. */
export class ContractViolation extends Error {
  readonly errors: string[];
  constructor(what: string, errors: string[]) {
    super(`${what} does not match the IPC contract:\n  ${errors.join("\n  ")}`);
    this.name = "ContractViolation";
    this.errors = errors;
  }
}

interface ContractIndex {
  commands: Record<string, { command: string; args: string[]; result: "result" | "plain" }>;
  events: Record<string, { event: string }>;
}

const SCHEMA_ID: string = schema.$id;
const index = schema["x-clawdesk-contract"] as ContractIndex;

const ajv = new Ajv({
  strict: true,
  allErrors: true,
  verbose: true,
  discriminator: true,
  allowUnionTypes: true,
  strictNumbers: true,
});
ajv.addKeyword({ keyword: "x-clawdesk-contract", schemaType: "object" });
ajv.addSchema(schema as object);

const compiled = new Map<string, ValidateFunction>();

function validatorFor(key: string): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    fn = ajv.getSchema(`${SCHEMA_ID}#/definitions/${key}`);
    if (!fn) throw new Error(`bindings/schema.json has no definition ${key}: run \`npm run contract:schema\``);
    compiled.set(key, fn);
  }
  return fn;
}

function commandInfo(accessor: string) {
  const info = index.commands[accessor];
  if (!info) {
    throw new Error(`unknown command ${JSON.stringify(accessor)} (bindings/schema.json may be stale: run \`npm run contract:schema\`)`);
  }
  return info;
}

// ---------------------------------------------------------------------------
// Readable error messages
// ---------------------------------------------------------------------------

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array (length ${value.length})`;
  if (typeof value === "object") return "object";
  if (typeof value === "string") {
    const text = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `string ${JSON.stringify(text)}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return `number ${String(value)} (not representable in JSON)`;
  return `${typeof value} ${String(value)}`;
}

function pathOf(instancePath: string, root: string, argNames?: string[]): string {
  if (!instancePath) return root;
  const segments = instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = root;
  segments.forEach((seg, i) => {
    if (i === 0 && argNames) {
      const name = argNames[Number(seg)];
      out += name ? `.${name}` : `[${seg}]`;
    } else if (/^(0|[1-9][0-9]*)$/.test(seg)) {
      out += `[${seg}]`;
    } else {
      out += IDENT.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
    }
  });
  return out;
}

function childPath(base: string, key: string): string {
  return IDENT.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

function oneOfTagValues(parentSchema: unknown, tag: string): string[] {
  const alternatives = (parentSchema as { oneOf?: unknown[] } | undefined)?.oneOf ?? [];
  return alternatives.flatMap((alt) => {
    const prop = (alt as { properties?: Record<string, { const?: unknown }> }).properties?.[tag];
    return typeof prop?.const === "string" ? [prop.const] : [];
  });
}

function describeError(e: ErrorObject, root: string, argNames?: string[]): string {
  const at = pathOf(e.instancePath, root, argNames);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return `${childPath(at, String(params.missingProperty))}: required field is missing`;
    case "additionalProperties":
      return `${childPath(at, String(params.additionalProperty))}: unknown field (not in the contract)`;
    case "type":
      return `${at}: must be ${String(params.type).split(",").join(" or ")}, got ${describeValue(e.data)}`;
    case "const":
      return `${at}: must be ${JSON.stringify(params.allowedValue)}, got ${describeValue(e.data)}`;
    case "enum":
      return `${at}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(e.data)}`;
    case "discriminator": {
      const tag = String(params.tag);
      const tagPath = childPath(at, tag);
      if (params.error === "tag") return `${tagPath}: required field is missing (or not a string)`;
      const allowed = oneOfTagValues(e.parentSchema, tag);
      return `${tagPath}: unknown ${tag} ${JSON.stringify(params.tagValue)}; expected one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`;
    }
    case "minimum":
    case "maximum":
      return `${at}: ${String(e.data)} is beyond ±(2^53 - 1), so JavaScript cannot hold it exactly (a 64-bit integer sent as a JSON number?)`;
    case "minItems":
    case "maxItems":
    case "additionalItems":
      if (argNames) {
        const got = Array.isArray(e.data) ? e.data.length : "?";
        return `${root}: expected ${argNames.length} argument(s) (${argNames.join(", ") || "none"}), got ${got}`;
      }
      return `${at}: ${e.message ?? e.keyword}`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/**
 * Ajv reports every failed branch of an `anyOf` (e.g. `Usage | null`), just
 * before the `anyOf` error itself. Keep the errors of the branch that got
 * into the value (a missing field, a wrong nested type); if no branch got
 * that far, merge the branches' type errors into one ("must be object or null").
 */
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  const within = (path: string, base: string) => path === base || path.startsWith(`${base}/`);
  const intoValue = new Set(["required", "additionalProperties", "discriminator"]);
  for (const e of errors) {
    if (e.keyword !== "anyOf") {
      out.push(e);
      continue;
    }
    let i = out.length;
    while (i > 0 && within(out[i - 1]!.instancePath, e.instancePath)) i--;
    const branches = out.splice(i);
    const deeper = branches.filter((b) => b.instancePath !== e.instancePath || intoValue.has(b.keyword));
    if (deeper.length > 0) {
      out.push(...deeper);
      continue;
    }
    const types = branches
      .filter((b) => b.keyword === "type")
      .flatMap((b) => String((b.params as { type: unknown }).type).split(","));
    out.push(types.length > 0 ? { ...e, keyword: "type", params: { type: [...new Set(types)].join(",") } } : e);
  }
  return out;
}

function run(key: string, value: unknown, root: string, argNames?: string[]): ValidationResult {
  const validate = validatorFor(key);
  if (validate(value)) return { ok: true };
  const messages = simplify(validate.errors ?? []).map((e) => describeError(e, root, argNames));
  return { ok: false, errors: [...new Set(messages)] };
}

// ---------------------------------------------------------------------------
// Public helpers
// ---------------------------------------------------------------------------

/**
 * Checks a command response: `{ status: "ok", data }` with `data` of the
 * command's result type, or `{ status: "error", error }` with a typed AppError.
 */
export function validateCommandResponse(accessor: CommandName, value: unknown): ValidationResult {
  commandInfo(accessor);
  return run(`commands.${accessor}.response`, value, "response");
}

/** Checks the positional argument list of `commands[accessor](...)`. */
export function validateCommandArgs(accessor: CommandName, args: readonly unknown[]): ValidationResult {
  const info = commandInfo(accessor);
  return run(`commands.${accessor}.args`, args, "args", info.args);
}

/** Checks the payload of an event as `events[eventAccessor].listen` delivers it. */
export function validateEventPayload(eventAccessor: EventName, value: unknown): ValidationResult {
  if (!index.events[eventAccessor]) {
    throw new Error(`unknown event ${JSON.stringify(eventAccessor)} (bindings/schema.json may be stale: run \`npm run contract:schema\`)`);
  }
  return run(`events.${eventAccessor}.payload`, value, "payload");
}

export function assertCommandResponse<K extends CommandName>(accessor: K, value: unknown): asserts value is CommandResponse<K> {
  const result = validateCommandResponse(accessor, value);
  if (!result.ok) throw new ContractViolation(`response of commands.${accessor}`, result.errors);
}

export function assertCommandArgs<K extends CommandName>(accessor: K, args: readonly unknown[]): asserts args is CommandArgs<K> {
  const result = validateCommandArgs(accessor, args);
  if (!result.ok) throw new ContractViolation(`arguments of commands.${accessor}`, result.errors);
}

export function assertEventPayload<K extends EventName>(eventAccessor: K, value: unknown): asserts value is EventPayload<K> {
  const result = validateEventPayload(eventAccessor, value);
  if (!result.ok) throw new ContractViolation(`payload of events.${eventAccessor}`, result.errors);
}

/** The wire names and argument names the schema was generated with. */
export function contractIndex(): Readonly<ContractIndex> {
  return index;
}
