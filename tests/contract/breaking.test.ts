// Breaking-change guard for the IPC contract.
//
// tests/contract/contract-snapshot.json records the public contract (commands
// with their argument names/types and result, events with their payloads,
// every exported type's fields, enum members and error kinds) as of the last
// intended change. This test derives the same snapshot from the current
// bindings/bindings.ts and classifies every difference:
//
//   breaking   existing callers break: removed/renamed command, event, field,
//              union member or error kind; a changed type; a new required
//              argument or required input field; a result field that became
//              optional or nullable; an argument that no longer takes null.
//              -> the test FAILS and names each change.
//   attention  compatible at runtime but exhaustive code must be extended,
//              which tsc already points at: a new error kind or a new member
//              of a string-literal union that callers read (e.g. a new
//              FailureCode), and a new `T | null` argument (tauri-specta makes
//              Option arguments required positionals, so existing calls must
//              add `null`). -> passes, printed as a warning.
//   additive   nothing existing breaks: new command, event, type, result
//              field, optional argument or optional input field.
//              -> passes, printed as a note.
//
// Why a new error kind is not "breaking": frontend and backend ship in one
// binary, so no old frontend ever meets the new kind at runtime, and every
// exhaustive `switch (error.kind)` fails to compile until it handles it
// (tests/contract/negative.ts has one). Failing here as well would only ask
// for a snapshot refresh without protecting anyone.
//
// After an intended change: `npm run contract:snapshot` and commit the
// snapshot (its diff is the review record of the contract change).
import { describe, expect, test } from "vitest";
import bindingsSource from "../../bindings/bindings.ts?raw";
import recorded from "./contract-snapshot.json";
import {
  buildSnapshot,
  diffContracts,
  formatDiff,
  modelFromSnapshot,
  snapshotFromModel,
  type ContractSnapshot,
} from "../../scripts/contract/contract-lib.mjs";

const snapshot = recorded as unknown as ContractSnapshot;
const current = buildSnapshot(bindingsSource);

describe("IPC contract vs tests/contract/contract-snapshot.json", () => {
  test("no change breaks existing callers", () => {
    const diff = diffContracts(snapshot, current);
    if (diff.attention.length + diff.additive.length > 0) {
      console.info(
        `IPC contract changes since the snapshot (not breaking):\n${formatDiff({ ...diff, breaking: [] })}\n` +
          "Record them with `npm run contract:snapshot` and commit tests/contract/contract-snapshot.json.",
      );
    }
    if (diff.breaking.length > 0) {
      expect.fail(
        `The IPC contract changed in ways that break existing callers:\n  - ${diff.breaking.join("\n  - ")}\n` +
          "If this is intended, update the callers, run `npm run contract:snapshot` and commit the snapshot with a note.",
      );
    }
    expect(diff.breaking).toEqual([]);
  });

  test("the snapshot format round-trips without loss", () => {
    const { $comment: _comment, ...withoutComment } = current;
    const { $comment: _again, ...roundTripped } = snapshotFromModel(modelFromSnapshot(current));
    expect(roundTripped).toEqual(withoutComment);
    expect(diffContracts(current, current)).toEqual({ breaking: [], attention: [], additive: [] });
  });

  test("the snapshot records the fixed parts of ipc-contract.md", () => {
    // Spot checks that the snapshot really contains what the guard protects.
    expect(snapshot.commands["getMessages"]).toEqual({
      command: "get_messages",
      args: [
        { name: "sessionId", type: "string" },
        { name: "limit", type: "number | null" },
      ],
      result: "Message[]",
      error: "AppError",
    });
    expect(snapshot.types["SessionInfo"]).toMatchObject({ kind: "object", fields: { id: "string", channelId: "string" } });
    expect(snapshot.types["AppError"]).toMatchObject({ kind: "union", tag: "kind", variants: { sessionNotFound: { sessionId: "string" } } });
    expect(snapshot.events["streamChunk"]).toEqual({ event: "stream-chunk", payload: "StreamChunk" });
  });
});

// ---------------------------------------------------------------------------
// The diff logic itself, on small synthetic contracts
// ---------------------------------------------------------------------------

const base: ContractSnapshot = {
  commands: {
    getSession: { command: "get_session", args: [{ name: "sessionId", type: "string" }], result: "SessionInfo", error: "AppError" },
    createSession: {
      command: "create_session",
      args: [{ name: "channelId", type: "string | null" }],
      result: "SessionInfo",
      error: "AppError",
    },
    saveDraft: { command: "save_draft", args: [{ name: "draft", type: "Draft" }], result: "null", error: "AppError" },
    listTags: { command: "list_tags", args: [], result: "string[]" },
  },
  events: {
    streamEnd: { event: "stream-end", payload: "StreamEnd" },
  },
  types: {
    SessionInfo: {
      kind: "object",
      fields: { id: "string", channelId: "string", model: "string | null", status: "SessionStatus", "tags?": "string[]" },
    },
    SessionStatus: { kind: "enum", members: ["active", "archived"] },
    Draft: { kind: "object", fields: { sessionId: "string", text: "string", "pinned?": "boolean" } },
    StreamEnd: { kind: "object", fields: { sessionId: "string", usage: "{ inputTokens: number; outputTokens: number }" } },
    AppError: {
      kind: "union",
      tag: "kind",
      variants: {
        sessionNotFound: { message: "string", sessionId: "string" },
        provider: { message: "string", status: "number | null" },
        internal: { message: "string" },
      },
    },
    JsonValue: { kind: "alias", type: "null | boolean | number | string | JsonValue[] | { [key in string]: JsonValue }" },
  },
};

function changed(edit: (c: ContractSnapshot) => void) {
  const copy = structuredClone(base);
  edit(copy);
  return diffContracts(base, copy);
}
function fields(c: ContractSnapshot, type: string): Record<string, string> {
  const t = c.types[type];
  if (t?.kind !== "object") throw new Error(`${type} is not an object type`);
  return t.fields;
}

describe("diffContracts (synthetic contracts)", () => {
  test("an unchanged contract has no differences", () => {
    expect(diffContracts(base, structuredClone(base))).toEqual({ breaking: [], attention: [], additive: [] });
  });

  test("a removed result field is breaking and named", () => {
    const diff = changed((c) => delete fields(c, "SessionInfo")["channelId"]);
    expect(diff.breaking).toEqual(["SessionInfo.channelId was removed (or renamed); callers reading it will break"]);
  });

  test("a renamed field is reported as removed, and the new name as added", () => {
    const diff = changed((c) => {
      const f = fields(c, "SessionInfo");
      delete f["channelId"];
      f["channel"] = "string";
    });
    expect(diff.breaking).toEqual(["SessionInfo.channelId was removed (or renamed); callers reading it will break"]);
    expect(diff.additive).toEqual(["SessionInfo.channel was added (string)"]);
  });

  test("a renamed command is breaking, with a hint at the new name", () => {
    const diff = changed((c) => {
      const cmd = c.commands["createSession"]!;
      delete c.commands["createSession"];
      c.commands["newSession"] = { ...cmd, command: "new_session" };
    });
    expect(diff.breaking).toEqual([
      'command commands.createSession ("create_session") was removed (or renamed, perhaps to commands.newSession ("new_session")); callers of commands.createSession will break',
    ]);
    expect(diff.additive).toEqual(['new command commands.newSession ("new_session")']);
  });

  test("a changed field type is breaking", () => {
    const diff = changed((c) => (fields(c, "SessionInfo")["id"] = "number"));
    expect(diff.breaking).toEqual(["SessionInfo.id changed type from string to number; callers reading it will break"]);
  });

  test("an added result field passes as a note", () => {
    const diff = changed((c) => (fields(c, "SessionInfo")["title"] = "string | null"));
    expect(diff.breaking).toEqual([]);
    expect(diff.attention).toEqual([]);
    expect(diff.additive).toEqual(["SessionInfo.title was added (string | null)"]);
  });

  test("a result field that became nullable or optional is breaking", () => {
    expect(changed((c) => (fields(c, "SessionInfo")["channelId"] = "string | null")).breaking).toEqual([
      "SessionInfo.channelId can now be null (was string, now string | null); callers reading it must handle null",
    ]);
    const optional = changed((c) => {
      const f = fields(c, "SessionInfo");
      delete f["channelId"];
      f["channelId?"] = "string";
    });
    expect(optional.breaking).toEqual(["SessionInfo.channelId became optional; callers reading it must now handle its absence"]);
  });

  test("input types: new required field and removed field break, new optional field and newly optional field pass", () => {
    expect(changed((c) => (fields(c, "Draft")["title"] = "string")).breaking).toEqual([
      "Draft.title was added as a required field (string); callers sending Draft do not set it",
    ]);
    expect(changed((c) => delete fields(c, "Draft")["pinned?"]).breaking).toEqual([
      "Draft.pinned was removed (or renamed); callers sending it will break",
    ]);
    const optional = changed((c) => (fields(c, "Draft")["title?"] = "string"));
    expect(optional.breaking).toEqual([]);
    expect(optional.additive).toEqual(["Draft.title was added (optional, string)"]);
    const relaxed = changed((c) => {
      const f = fields(c, "Draft");
      delete f["text"];
      f["text?"] = "string | null";
    });
    expect(relaxed).toEqual({ breaking: [], attention: [], additive: [] });
  });

  test("arguments: a new required argument breaks, a new nullable one needs attention, a new optional one passes", () => {
    const required = changed((c) => c.commands["getSession"]!.args.push({ name: "verbose", type: "boolean" }));
    expect(required.breaking).toEqual([
      "commands.getSession argument verbose was added as a required argument (boolean); existing calls do not pass it",
    ]);
    const nullable = changed((c) => c.commands["getSession"]!.args.push({ name: "limit", type: "number | null" }));
    expect(nullable.breaking).toEqual([]);
    expect(nullable.attention).toEqual([
      "commands.getSession argument limit was added (number | null); existing calls must pass null for it to type-check (tsc points at them); at runtime a missing value still means None",
    ]);
    const optional = changed((c) => c.commands["getSession"]!.args.push({ name: "limit", type: "number", optional: true }));
    expect(optional).toEqual({ breaking: [], attention: [], additive: ["commands.getSession argument limit was added (optional, number)"] });
  });

  test("arguments: changed type, removed, renamed, no longer nullable", () => {
    expect(changed((c) => (c.commands["getSession"]!.args[0]!.type = "number")).breaking).toEqual([
      "commands.getSession argument sessionId changed type from string to number; callers sending it will break",
    ]);
    expect(changed((c) => (c.commands["getSession"]!.args = [])).breaking).toEqual([
      "commands.getSession argument sessionId was removed; existing calls pass 1 argument(s), commands.getSession now takes 0",
    ]);
    expect(changed((c) => (c.commands["getSession"]!.args[0]!.name = "id")).breaking).toEqual([
      "commands.getSession argument sessionId (position 1) was removed, renamed or moved (position 1 is now id); existing calls pass their arguments by position",
    ]);
    expect(changed((c) => (c.commands["createSession"]!.args[0]!.type = "string")).breaking).toEqual([
      "commands.createSession argument channelId no longer accepts null (was string | null, now string); callers passing null will break",
    ]);
    // Widening an argument is fine.
    expect(changed((c) => (c.commands["getSession"]!.args[0]!.type = "string | null")).breaking).toEqual([]);
  });

  test("results: changed result type, command that became fallible", () => {
    expect(changed((c) => (c.commands["getSession"]!.result = "SessionInfo | null")).breaking).toEqual([
      "commands.getSession result can now be null (was SessionInfo, now SessionInfo | null); callers reading it must handle null",
    ]);
    expect(changed((c) => (c.commands["listTags"]!.error = "AppError")).breaking).toEqual([
      "commands.listTags now returns { status, data | error } instead of its value; callers using the value directly will break",
    ]);
  });

  test("string-literal unions: a lost member breaks, a new member in a result needs attention", () => {
    const lost = changed((c) => (c.types["SessionStatus"] = { kind: "enum", members: ["active"] }));
    expect(lost.breaking).toEqual(['SessionStatus lost member(s) "archived"; callers using them will break']);
    const gained = changed((c) => (c.types["SessionStatus"] = { kind: "enum", members: ["active", "archived", "pinned"] }));
    expect(gained.breaking).toEqual([]);
    expect(gained.attention).toEqual([
      'SessionStatus gained member(s) "pinned"; exhaustive switches over SessionStatus must handle them (tsc points at them)',
    ]);
  });

  test("error kinds: removed kind and removed field break, a new kind needs attention", () => {
    const variants = (c: ContractSnapshot) => {
      const t = c.types["AppError"];
      if (t?.kind !== "union") throw new Error("AppError is not a tagged union");
      return t.variants;
    };
    expect(changed((c) => delete variants(c)["internal"]).breaking).toEqual([
      'error kind "internal" of AppError was removed (or renamed); callers handling it will break',
    ]);
    expect(changed((c) => delete variants(c)["sessionNotFound"]!["sessionId"]).breaking).toEqual([
      'AppError[kind="sessionNotFound"].sessionId was removed (or renamed); callers reading it will break',
    ]);
    expect(changed((c) => (variants(c)["provider"]!["status"] = "number")).breaking).toEqual([]);
    const added = changed((c) => (variants(c)["rateLimited"] = { message: "string", retryAfterMs: "number" }));
    expect(added.breaking).toEqual([]);
    expect(added.attention).toEqual([
      'new error kind "rateLimited" of AppError; exhaustive switches over AppError.kind must handle it (tsc points at them), other callers see it as an unknown error',
    ]);
  });

  test("events: removed event, renamed wire name, nested payload field removed; new event passes", () => {
    expect(changed((c) => delete c.events["streamEnd"]).breaking).toEqual([
      'event events.streamEnd ("stream-end") was removed (or renamed); listeners of events.streamEnd will break',
    ]);
    expect(changed((c) => (c.events["streamEnd"]!.event = "stream-done")).breaking).toEqual([
      'events.streamEnd is now emitted as "stream-done" instead of "stream-end"; listeners and emitters using the old name will break',
    ]);
    expect(changed((c) => (fields(c, "StreamEnd")["usage"] = "{ inputTokens: number }")).breaking).toEqual([
      "StreamEnd.usage.outputTokens was removed (or renamed); callers reading it will break",
    ]);
    const added = changed((c) => (c.events["streamStart"] = { event: "stream-start", payload: "{ sessionId: string }" }));
    expect(added).toEqual({ breaking: [], attention: [], additive: ['new event events.streamStart ("stream-start")'] });
  });

  test("types: a removed type breaks, a new type passes", () => {
    expect(changed((c) => delete c.types["JsonValue"]).breaking).toEqual([
      "type JsonValue was removed (or renamed); code importing or using it will break",
    ]);
    expect(changed((c) => (c.types["Tag"] = { kind: "object", fields: { name: "string" } })).additive).toEqual(["new type Tag"]);
  });
});
