// Types of contract-lib.mjs for the TypeScript tests that import it.

export type TypeNode =
  | { k: "kw"; name: "string" | "number" | "boolean" | "null" | "unknown" | "any" | "never" }
  | { k: "lit"; value: string | number | boolean }
  | { k: "ref"; name: string; args?: TypeNode[] }
  | { k: "array"; of: TypeNode }
  | { k: "tuple"; items: TypeNode[] }
  | { k: "object"; fields: FieldNode[] }
  | { k: "record"; key: TypeNode; value: TypeNode; partial: boolean }
  | { k: "union"; of: TypeNode[] }
  | { k: "intersection"; of: TypeNode[] }
  | { k: "brand"; base: TypeNode; brand: string }
  | { k: "keyof"; of: TypeNode }
  | { k: "template"; head: string; spans: { type: TypeNode; text: string }[] }
  | { k: "index"; object: TypeNode; key: TypeNode }
  | { k: "conditional"; text: string; results: TypeNode[] };

/** A type parameter (`K extends ConfigKey`). */
export interface TypeParam {
  name: string;
  constraint: TypeNode;
}

export interface FieldNode {
  name: string;
  type: TypeNode;
  optional: boolean;
  doc?: string;
}

export interface ContractModel {
  commands: {
    accessor: string;
    command: string;
    typeParams?: TypeParam[];
    args: { name: string; type: TypeNode; optional: boolean }[];
    result: { ok: TypeNode; error?: TypeNode };
    doc?: string;
  }[];
  events: { accessor: string; event: string; payload: TypeNode }[];
  types: { name: string; params?: TypeParam[]; type: TypeNode; doc?: string }[];
}

/** Field map of an object or a union variant: `"name"` or `"name?"` (optional) to TypeScript type text. */
export type SnapshotFields = Record<string, string>;

export type SnapshotType =
  | { kind: "object"; fields: SnapshotFields }
  | { kind: "enum"; members: string[] }
  | { kind: "union"; tag: string; variants: Record<string, SnapshotFields> }
  | { kind: "alias"; type: string; params?: Record<string, string> };

export interface ContractSnapshot {
  $comment?: string;
  commands: Record<
    string,
    {
      command: string;
      typeParams?: Record<string, string>;
      args: { name: string; type: string; optional?: boolean }[];
      result: string;
      error?: string;
    }
  >;
  events: Record<string, { event: string; payload: string }>;
  types: Record<string, SnapshotType>;
}

export interface ContractDiff {
  /** Existing callers break: the breaking-change test fails. */
  breaking: string[];
  /** Compatible at runtime, but exhaustive code must be extended (tsc flags it). */
  attention: string[];
  /** Nothing existing breaks. */
  additive: string[];
}

export function typeToModel(node: unknown): TypeNode;
export function renderType(node: TypeNode): string;
export function parseTypeText(text: string): TypeNode;
export function parseBindings(source: string): ContractModel;

/** Wire format (prefix and pattern) of each branded id type. */
export const ID_FORMATS: Record<string, { prefix: string; pattern: string }>;

export function argsKey(accessor: string): string;
export function responseKey(accessor: string): string;
export function payloadKey(accessor: string): string;
export function generateSchema(source: string): {
  $id: string;
  "x-clawdesk-contract": {
    commands: Record<string, { command: string; args: string[]; result: "result" | "plain" }>;
    events: Record<string, { event: string }>;
  };
  definitions: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
};
export function schemaText(source: string): string;

export function snapshotFromModel(model: ContractModel): ContractSnapshot;
export function buildSnapshot(source: string): ContractSnapshot;
export function snapshotText(source: string): string;
export function modelFromSnapshot(snapshot: ContractSnapshot): ContractModel;
export function diffContracts(oldSnapshot: ContractSnapshot, newSnapshot: ContractSnapshot): ContractDiff;
export function formatDiff(diff: ContractDiff): string;

/** One entry of tests/contract/intended-changes.json. */
export interface IntendedChange {
  /** The exact text(s) the guard reports. */
  change?: string | string[];
  /** A change the types cannot show. */
  behaviour?: string;
  reason: string;
}

export interface IntendedChanges {
  $comment?: string;
  wave?: string;
  changes: IntendedChange[];
}

export interface ChangeReview {
  explained: { change: string; reason: string }[];
  unrecorded: ContractDiff;
  stale: string[];
  behaviour: { behaviour: string; reason: string }[];
  invalid: string[];
}

export function mergeDiffs(...diffs: ContractDiff[]): ContractDiff;
export function reviewChanges(diff: ContractDiff, record: IntendedChanges): ChangeReview;
export function formatReview(review: ChangeReview): string;
