// Breaking-change guard for the IPC contract.
//
// tests/contract/contract-snapshot.json records the public contract (commands
// with their argument names/types and result, events with their payloads,
// every exported type's fields, enum members and error kinds) as of the last
// intended change; tests/contract/contract-baseline.json records it as of the
// start of the current wave (the last release). This test derives the same
// snapshot from the current bindings/bindings.ts and classifies every
// difference from the baseline (through the snapshot):
//
//   breaking   existing callers break: removed/renamed command, event, field,
//              union member or error kind; a changed type; a new required
//              argument or required input field; a result field that became
//              optional or nullable; an argument that no longer takes null,
//              or that now takes a branded id instead of a string.
//              -> the test FAILS and names each change, unless the change is
//              recorded with its reason in tests/contract/intended-changes.json.
//   attention  compatible at runtime but tsc points at code to update: a new
//              error kind or a new member of a string-literal union that
//              callers read (e.g. a new FailureCode), a new `T | null`
//              argument (tauri-specta makes Option arguments required
//              positionals, so existing calls must add `null`), an id callers
//              read that became branded. -> passes, printed.
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
// After an intended change: record each breaking change the test names, with
// why, in tests/contract/intended-changes.json; `npm run contract:snapshot`
// and commit both. Refreshing the snapshot does not hide a change: the
// baseline still shows it, so it must stay recorded until the next wave
// (`node scripts/contract/snapshot.mjs --new-wave`).
import { describe, expect, test } from "vitest";
import bindingsSource from "../../bindings/bindings.ts?raw";
import recordedSnapshot from "./contract-snapshot.json";
import recordedBaseline from "./contract-baseline.json";
import intendedChanges from "./intended-changes.json";
import {
  buildSnapshot,
  diffContracts,
  formatDiff,
  formatReview,
  mergeDiffs,
  modelFromSnapshot,
  reviewChanges,
  snapshotFromModel,
  type ContractSnapshot,
  type IntendedChanges,
} from "../../scripts/contract/contract-lib.mjs";

const snapshot = recordedSnapshot as unknown as ContractSnapshot;
const baseline = recordedBaseline as unknown as ContractSnapshot;
const record = intendedChanges as IntendedChanges;
const current = buildSnapshot(bindingsSource);

describe("IPC contract vs tests/contract/contract-baseline.json", () => {
  const wave = diffContracts(baseline, snapshot);
  const pending = diffContracts(snapshot, current);
  const review = reviewChanges(mergeDiffs(wave, pending), record);

  test("every breaking change is recorded with the reason it is intended", () => {
    const report = formatReview({ ...review, unrecorded: { ...review.unrecorded, breaking: [] } });
    if (report) console.info(`IPC contract changes since the baseline:\n${report}`);
    if (pending.breaking.length + pending.attention.length + pending.additive.length > 0) {
      console.info(
        `Not yet in tests/contract/contract-snapshot.json:\n${formatDiff(pending)}\n` +
          "Record them with `npm run contract:snapshot` and commit the snapshot.",
      );
    }
    if (review.unrecorded.breaking.length > 0) {
      expect.fail(
        `The IPC contract changed in ways that break existing callers:\n  - ${review.unrecorded.breaking.join("\n  - ")}\n` +
          "If this is intended, update the callers and add each text above, with why, to tests/contract/intended-changes.json " +
          '(`{ "change": "<text>", "reason": "..." }`); then `npm run contract:snapshot` and commit both.',
      );
    }
    expect(review.unrecorded.breaking).toEqual([]);
  });

  test("every recorded change is one the guard reports, with a reason", () => {
    expect(review.invalid, "entries of intended-changes.json").toEqual([]);
    expect(review.stale, "recorded in intended-changes.json but not reported (mistyped, or undone): fix or remove").toEqual([]);
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
        { name: "sessionId", type: "SessionId" },
        { name: "limit", type: "number | null" },
      ],
      result: "Message[]",
      error: "AppError",
    });
    expect(snapshot.commands["updateConfig"]).toMatchObject({
      typeParams: { K: "ConfigKey" },
      args: [
        { name: "key", type: "K" },
        { name: "value", type: "ConfigValueOf<K>" },
      ],
    });
    expect(snapshot.types["SessionId"]).toEqual({ kind: "alias", type: 'string & { readonly __brand: "SessionId" }' });
    expect(snapshot.types["SessionInfo"]).toMatchObject({ kind: "object", fields: { id: "SessionId", channelId: "string" } });
    expect(snapshot.types["AppError"]).toMatchObject({ kind: "union", tag: "kind", variants: { sessionNotFound: { sessionId: "SessionId" } } });
    expect(snapshot.events["streamChunk"]).toEqual({ event: "stream-chunk", payload: "StreamChunk" });
  });
});

describe("reviewChanges (synthetic record)", () => {
  const diff = {
    breaking: ["SessionInfo.id changed type from string to number; callers reading it will break", "type Tag was removed (or renamed); code importing or using it will break"],
    attention: ['new error kind "quota" of AppError; exhaustive switches over AppError.kind must handle it (tsc points at them), other callers see it as an unknown error'],
    additive: ["new type Draft"],
  };

  test("a recorded breaking change passes with its reason; an unrecorded one is reported", () => {
    const review = reviewChanges(diff, {
      changes: [{ change: "SessionInfo.id changed type from string to number; callers reading it will break", reason: "ids are numbers now" }],
    });
    expect(review.explained).toEqual([{ change: diff.breaking[0], reason: "ids are numbers now" }]);
    expect(review.unrecorded).toEqual({ breaking: [diff.breaking[1]], attention: diff.attention, additive: diff.additive });
    expect(review.stale).toEqual([]);
    expect(formatReview(review)).toContain("WHY: ids are numbers now");
  });

  test("a list of texts shares a reason; a text the diff does not report is stale", () => {
    const review = reviewChanges(diff, { changes: [{ change: [...diff.breaking, "SessionInfo.title was removed"], reason: "cleanup" }] });
    expect(review.unrecorded.breaking).toEqual([]);
    expect(review.stale).toEqual(["SessionInfo.title was removed"]);
  });

  test("behaviour entries are kept and printed; entries without a reason are invalid", () => {
    const review = reviewChanges(diff, {
      changes: [
        { behaviour: "errors are objects", reason: "typed errors" },
        { change: diff.breaking[0], reason: " " },
        { reason: "nothing" },
      ],
    });
    expect(review.behaviour).toEqual([{ behaviour: "errors are objects", reason: "typed errors" }]);
    expect(review.invalid).toHaveLength(2);
    expect(review.unrecorded.breaking).toEqual(diff.breaking);
    expect(formatReview(review)).toContain("errors are objects");
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

describe("diffContracts: branded ids and generic commands", () => {
  const branded: ContractSnapshot = {
    commands: {
      getSession: { command: "get_session", args: [{ name: "sessionId", type: "string" }], result: "SessionInfo", error: "AppError" },
      updateConfig: { command: "update_config", args: [{ name: "key", type: "string" }, { name: "value", type: "JsonValue" }], result: "null", error: "AppError" },
    },
    events: {},
    types: {
      SessionInfo: { kind: "object", fields: { id: "string" } },
      AppError: { kind: "union", tag: "kind", variants: { storage: { message: "string" }, internal: { message: "string" } } },
      JsonValue: { kind: "alias", type: "null | boolean | number | string" },
    },
  };

  test("a string argument that becomes a branded id breaks; a read id that becomes branded needs attention", () => {
    const next = structuredClone(branded);
    next.types["SessionId"] = { kind: "alias", type: 'string & { readonly __brand: "SessionId" }' };
    next.commands["getSession"]!.args[0]!.type = "SessionId";
    next.types["SessionInfo"] = { kind: "object", fields: { id: "SessionId" } };
    const diff = diffContracts(branded, next);
    expect(diff.breaking).toEqual([
      "commands.getSession argument sessionId now takes the branded SessionId instead of string; callers passing a plain string will break (the id must come from the backend)",
    ]);
    expect(diff.attention).toEqual([
      "SessionInfo.id is now the branded SessionId (was string); reading it still works, code that builds one from a plain string no longer compiles (tsc points at it)",
    ]);
    expect(diff.additive).toEqual(["new type SessionId"]);
    // And back: a read id that loses its brand breaks, an argument that takes any string again does not.
    const back = diffContracts(next, branded);
    expect(back.breaking).toContain(
      "SessionInfo.id is no longer the branded SessionId (now string); callers passing it where a SessionId is expected will break",
    );
    expect(back.additive).toContain("commands.getSession argument sessionId now accepts any string (was the branded SessionId)");
  });

  test("a generic command's arguments are compared as their constraints", () => {
    const next = structuredClone(branded);
    next.types["ConfigKey"] = { kind: "alias", type: '"gateway.port" | `providers.${string}`' };
    next.types["ConfigValueOf"] = { kind: "alias", params: { K: "ConfigKey" }, type: 'K extends "gateway.port" ? number : string | null' };
    next.commands["updateConfig"] = { ...next.commands["updateConfig"]!, typeParams: { K: "ConfigKey" }, args: [{ name: "key", type: "K" }, { name: "value", type: "ConfigValueOf<K>" }] };
    const diff = diffContracts(branded, next);
    expect(diff.breaking).toEqual([
      "commands.updateConfig argument key changed type from string to ConfigKey; callers sending it will break",
      "commands.updateConfig argument value changed type from JsonValue to ConfigValueOf<ConfigKey>; callers sending it will break",
    ]);
    const { $comment: _c, ...roundTripped } = snapshotFromModel(modelFromSnapshot(next));
    expect(roundTripped).toEqual(next);
    expect(diffContracts(next, next)).toEqual({ breaking: [], attention: [], additive: [] });
  });
});
