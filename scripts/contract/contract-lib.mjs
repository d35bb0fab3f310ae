// Reads the tauri-specta output (bindings/bindings.ts) with the TypeScript
// compiler API and turns it into
//   - a contract model (commands, events, exported types as plain data),
//   - a JSON Schema bundle for runtime validation (bindings/schema.json),
//   - a readable snapshot of the public contract
//     (tests/contract/contract-snapshot.json),
// compares two snapshots for changes that break existing callers, and
// matches those against the record of intended changes.
//
// Pure functions of the source text: no file system access here, so the
// Vitest drift checks can run the very same code in memory. The CLIs are
// gen-schema.mjs and snapshot.mjs beside this file.
import ts from "typescript";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------
// TypeScript type syntax -> model nodes
//
// Node kinds:
//   { k: "kw", name: "string" | "number" | "boolean" | "null" | "unknown" | "any" | "never" }
//   { k: "lit", value: string | number | boolean }
//   { k: "ref", name }
//   { k: "array", of }
//   { k: "tuple", items: Node[] }
//   { k: "object", fields: { name, type, optional, doc? }[] }
//   { k: "record", key: Node, value: Node, partial: boolean }
//   { k: "union", of: Node[] }
//   { k: "intersection", of: Node[] }
//   { k: "brand", base: Node, brand }           string & { readonly __brand: "SessionId" }
//   { k: "keyof", of: Node }                    keyof ConfigValues
//   { k: "template", head, spans: { type: Node, text }[] }   `providers.${string}`
//   { k: "index", object: Node, key: Node }     ConfigValues[K]
//   { k: "conditional", text, results: Node[] } K extends ... ? A : B, kept as
//       its (whitespace-collapsed) text; `results` are the types it can give,
//       which is all JSON Schema can say about it
// A `ref` may carry `args` (a generic alias applied: `ConfigValueOf<K>`).
// Commands and type aliases may declare type parameters:
//   typeParams / params: { name, constraint: Node }[]
// ---------------------------------------------------------------------------

class UnsupportedSyntax extends Error {}

function where(node) {
  const sf = node.getSourceFile();
  if (!sf) return "";
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return ` at line ${line + 1}`;
}

function unsupported(node, what) {
  return new UnsupportedSyntax(
    `contract: unsupported ${what}${where(node)}: \`${node.getText().slice(0, 120)}\`; ` +
      "extend scripts/contract/contract-lib.mjs (typeToModel) to support it",
  );
}

function docOf(node) {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs
    .map((d) => (typeof d.comment === "string" ? d.comment : ts.getTextOfJSDocComment(d.comment) ?? ""))
    .join("\n")
    .split("\n")
    .map((l) => l.trim())
    .join(" ")
    .trim();
  return text || undefined;
}

function propName(nameNode) {
  if (ts.isIdentifier(nameNode) || ts.isStringLiteral(nameNode) || ts.isNumericLiteral(nameNode)) {
    return nameNode.text;
  }
  throw unsupported(nameNode, "property name");
}

/** Converts a TypeScript type node to a model node. */
export function typeToModel(node) {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { k: "kw", name: "string" };
    case ts.SyntaxKind.NumberKeyword:
      return { k: "kw", name: "number" };
    case ts.SyntaxKind.BooleanKeyword:
      return { k: "kw", name: "boolean" };
    case ts.SyntaxKind.NullKeyword:
      return { k: "kw", name: "null" };
    case ts.SyntaxKind.UnknownKeyword:
      return { k: "kw", name: "unknown" };
    case ts.SyntaxKind.AnyKeyword:
      return { k: "kw", name: "any" };
    case ts.SyntaxKind.NeverKeyword:
      return { k: "kw", name: "never" };
    case ts.SyntaxKind.ParenthesizedType:
      return typeToModel(node.type);
    case ts.SyntaxKind.LiteralType: {
      const lit = node.literal;
      if (lit.kind === ts.SyntaxKind.NullKeyword) return { k: "kw", name: "null" };
      if (lit.kind === ts.SyntaxKind.TrueKeyword) return { k: "lit", value: true };
      if (lit.kind === ts.SyntaxKind.FalseKeyword) return { k: "lit", value: false };
      if (ts.isStringLiteral(lit) || ts.isNoSubstitutionTemplateLiteral(lit)) return { k: "lit", value: lit.text };
      if (ts.isNumericLiteral(lit)) return { k: "lit", value: Number(lit.text) };
      if (ts.isPrefixUnaryExpression(lit) && lit.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(lit.operand)) {
        return { k: "lit", value: -Number(lit.operand.text) };
      }
      throw unsupported(node, "literal type");
    }
    case ts.SyntaxKind.ArrayType:
      return { k: "array", of: typeToModel(node.elementType) };
    case ts.SyntaxKind.TupleType:
      return {
        k: "tuple",
        items: node.elements.map((e) => {
          if (ts.isNamedTupleMember(e)) {
            if (e.questionToken || e.dotDotDotToken) throw unsupported(e, "optional or rest tuple element");
            return typeToModel(e.type);
          }
          if (ts.isOptionalTypeNode(e) || ts.isRestTypeNode(e)) throw unsupported(e, "optional or rest tuple element");
          return typeToModel(e);
        }),
      };
    case ts.SyntaxKind.UnionType: {
      const of = [];
      for (const t of node.types) {
        const m = typeToModel(t);
        for (const x of m.k === "union" ? m.of : [m]) {
          if (!of.some((y) => renderType(y) === renderType(x))) of.push(x);
        }
      }
      return of.length === 1 ? of[0] : { k: "union", of };
    }
    case ts.SyntaxKind.IntersectionType: {
      const of = node.types.map(typeToModel);
      return brandOf(of) ?? { k: "intersection", of };
    }
    case ts.SyntaxKind.TypeOperator:
      if (node.operator !== ts.SyntaxKind.KeyOfKeyword) throw unsupported(node, "type operator");
      return { k: "keyof", of: typeToModel(node.type) };
    case ts.SyntaxKind.TemplateLiteralType:
      return {
        k: "template",
        head: node.head.text,
        spans: node.templateSpans.map((s) => ({ type: typeToModel(s.type), text: s.literal.text })),
      };
    case ts.SyntaxKind.IndexedAccessType:
      return { k: "index", object: typeToModel(node.objectType), key: typeToModel(node.indexType) };
    case ts.SyntaxKind.ConditionalType: {
      // What TypeScript computes from it is TypeScript's business; the model
      // keeps the text (for the snapshot) and the types it can result in.
      const results = [];
      const collect = (t) => {
        if (ts.isConditionalTypeNode(t)) {
          collect(t.trueType);
          collect(t.falseType);
        } else if (ts.isParenthesizedTypeNode(t)) {
          collect(t.type);
        } else {
          const m = typeToModel(t);
          for (const x of m.k === "union" ? m.of : [m]) {
            if (!(x.k === "kw" && x.name === "never") && !results.some((y) => renderType(y) === renderType(x))) results.push(x);
          }
        }
      };
      collect(node);
      return { k: "conditional", text: node.getText().replace(/\s+/g, " "), results };
    }
    case ts.SyntaxKind.TypeLiteral:
      return typeLiteralToModel(node);
    case ts.SyntaxKind.MappedType: {
      if (!node.typeParameter.constraint || !node.type) throw unsupported(node, "mapped type");
      if (node.readonlyToken || node.nameType) throw unsupported(node, "mapped type modifier");
      if (node.questionToken && node.questionToken.kind !== ts.SyntaxKind.QuestionToken) {
        throw unsupported(node, "mapped type modifier");
      }
      return {
        k: "record",
        key: typeToModel(node.typeParameter.constraint),
        value: typeToModel(node.type),
        partial: Boolean(node.questionToken),
      };
    }
    case ts.SyntaxKind.TypeReference: {
      const name = ts.isIdentifier(node.typeName) ? node.typeName.text : node.typeName.getText();
      const args = node.typeArguments ?? [];
      if (args.length === 0) return { k: "ref", name };
      if (name === "Array" && args.length === 1) return { k: "array", of: typeToModel(args[0]) };
      if (name === "Record" && args.length === 2) {
        return { k: "record", key: typeToModel(args[0]), value: typeToModel(args[1]), partial: false };
      }
      if (name === "Partial" && args.length === 1) {
        const inner = typeToModel(args[0]);
        if (inner.k === "record") return { ...inner, partial: true };
        if (inner.k === "object") return { k: "object", fields: inner.fields.map((f) => ({ ...f, optional: true })) };
        throw unsupported(node, "generic type reference");
      }
      // A generic alias of bindings.ts (checkRefs makes sure it exists).
      return { k: "ref", name, args: args.map(typeToModel) };
    }
    default:
      throw unsupported(node, `type syntax (${ts.SyntaxKind[node.kind]})`);
  }
}

/** `string & { readonly __brand: "X" }`: how specta-typescript brands an id type. */
function brandOf(members) {
  if (members.length !== 2) return undefined;
  const base = members.find((m) => m.k === "kw" && m.name === "string");
  const tag = members.find((m) => m.k === "object");
  const field = tag?.fields.length === 1 ? tag.fields[0] : undefined;
  if (!base || field?.name !== "__brand" || field.optional || field.type.k !== "lit" || typeof field.type.value !== "string") return undefined;
  return { k: "brand", base, brand: field.type.value };
}

/** Type parameters (`<K extends ConfigKey>`) of a command or a type alias. */
function typeParamsOf(decl) {
  return (decl.typeParameters ?? []).map((p) => {
    if (p.default) throw unsupported(p, "type parameter default");
    return { name: p.name.text, constraint: p.constraint ? typeToModel(p.constraint) : { k: "kw", name: "unknown" } };
  });
}

/** `node` with the type parameters replaced by their constraints. */
function substitute(node, params) {
  if (!params?.length) return node;
  const byName = new Map(params.map((p) => [p.name, p.constraint]));
  const walk = (n) => {
    switch (n.k) {
      case "ref":
        if (byName.has(n.name) && !n.args) return byName.get(n.name);
        return n.args ? { ...n, args: n.args.map(walk) } : n;
      case "array":
        return { ...n, of: walk(n.of) };
      case "tuple":
        return { ...n, items: n.items.map(walk) };
      case "union":
      case "intersection":
        return { ...n, of: n.of.map(walk) };
      case "object":
        return { ...n, fields: n.fields.map((f) => ({ ...f, type: walk(f.type) })) };
      case "record":
        return { ...n, key: walk(n.key), value: walk(n.value) };
      case "keyof":
        return { ...n, of: walk(n.of) };
      case "template":
        return { ...n, spans: n.spans.map((sp) => ({ ...sp, type: walk(sp.type) })) };
      case "index":
        return { ...n, object: walk(n.object), key: walk(n.key) };
      default:
        return n;
    }
  };
  return walk(node);
}

function typeLiteralToModel(node) {
  const fields = [];
  let index;
  for (const m of node.members) {
    if (ts.isPropertySignature(m)) {
      if (!m.type) throw unsupported(m, "property without a type");
      const doc = docOf(m);
      fields.push({ name: propName(m.name), type: typeToModel(m.type), optional: Boolean(m.questionToken), ...(doc ? { doc } : {}) });
    } else if (ts.isIndexSignatureDeclaration(m)) {
      const param = m.parameters[0];
      if (!param?.type || !m.type) throw unsupported(m, "index signature");
      index = { k: "record", key: typeToModel(param.type), value: typeToModel(m.type), partial: false };
    } else {
      throw unsupported(m, "type member");
    }
  }
  if (index) {
    if (fields.length > 0) throw unsupported(node, "object type with both fields and an index signature");
    return index;
  }
  return { k: "object", fields };
}

// ---------------------------------------------------------------------------
// Rendering model nodes back to TypeScript text (canonical form)
// ---------------------------------------------------------------------------

const NEEDS_QUOTES = /[^A-Za-z0-9_$]|^[0-9]/;

function renderKey(name) {
  return NEEDS_QUOTES.test(name) ? JSON.stringify(name) : name;
}

/** Node kinds whose text needs parentheses inside an array, `keyof` or an index. */
const COMPOUND = new Set(["union", "intersection", "brand", "keyof", "conditional"]);
/** ...inside a union (intersections too, for readability), and inside an intersection. */
const IN_UNION = new Set(["intersection", "brand", "conditional"]);
const IN_INTERSECTION = new Set(["union", "conditional"]);

const escapeTemplate = (text) => text.replace(/[\\`]|\$\{/g, (m) => `\\${m}`);

/** Canonical TypeScript text of a model node. */
export function renderType(node) {
  switch (node.k) {
    case "kw":
      return node.name;
    case "lit":
      return JSON.stringify(node.value);
    case "ref":
      return node.args ? `${node.name}<${node.args.map(renderType).join(", ")}>` : node.name;
    case "array": {
      const inner = renderType(node.of);
      return COMPOUND.has(node.of.k) ? `(${inner})[]` : `${inner}[]`;
    }
    case "brand":
      return `${renderType(node.base)} & { readonly __brand: ${JSON.stringify(node.brand)} }`;
    case "keyof":
      return `keyof ${COMPOUND.has(node.of.k) ? `(${renderType(node.of)})` : renderType(node.of)}`;
    case "template":
      return `\`${escapeTemplate(node.head)}${node.spans.map((sp) => `\${${renderType(sp.type)}}${escapeTemplate(sp.text)}`).join("")}\``;
    case "index":
      return `${COMPOUND.has(node.object.k) ? `(${renderType(node.object)})` : renderType(node.object)}[${renderType(node.key)}]`;
    case "conditional":
      return node.text;
    case "tuple":
      return `[${node.items.map(renderType).join(", ")}]`;
    case "object":
      if (node.fields.length === 0) return "{}";
      return `{ ${node.fields.map((f) => `${renderKey(f.name)}${f.optional ? "?" : ""}: ${renderType(f.type)}`).join("; ")} }`;
    case "record":
      return `{ [key in ${renderType(node.key)}]${node.partial ? "?" : ""}: ${renderType(node.value)} }`;
    case "union":
      return node.of.map((m) => (IN_UNION.has(m.k) ? `(${renderType(m)})` : renderType(m))).join(" | ");
    case "intersection":
      return node.of.map((m) => (IN_INTERSECTION.has(m.k) ? `(${renderType(m)})` : renderType(m))).join(" & ");
    default:
      throw new Error(`contract: unknown model node ${JSON.stringify(node)}`);
  }
}

/** Parses TypeScript type text (as written in a snapshot) into a model node. */
export function parseTypeText(text) {
  const sf = ts.createSourceFile("type.ts", `type __T = ${text};`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const stmt = sf.statements[0];
  if (sf.statements.length !== 1 || !stmt || !ts.isTypeAliasDeclaration(stmt) || sf.parseDiagnostics?.length) {
    throw new Error(`contract: cannot parse type text \`${text}\``);
  }
  return typeToModel(stmt.type);
}

// ---------------------------------------------------------------------------
// bindings.ts -> contract model
// ---------------------------------------------------------------------------

function findInvokeCall(node) {
  let found;
  const visit = (n) => {
    if (found) return;
    if (ts.isCallExpression(n) && /(^|\.)_*TAURI_INVOKE$/.test(n.expression.getText())) {
      found = n;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

function findCallTo(node, name) {
  let found;
  const visit = (n) => {
    if (found) return;
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) {
      found = n;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

function parseCommand(prop) {
  const accessor = propName(prop.name);
  let fn;
  if (ts.isPropertyAssignment(prop) && (ts.isArrowFunction(prop.initializer) || ts.isFunctionExpression(prop.initializer))) {
    fn = prop.initializer;
  } else if (ts.isMethodDeclaration(prop)) {
    fn = prop;
  } else {
    throw unsupported(prop, "command entry");
  }
  const invoke = findInvokeCall(fn);
  const wire = invoke?.arguments[0];
  if (!invoke || !wire || !ts.isStringLiteral(wire)) throw unsupported(prop, "command without an invoke(\"name\") call");
  const typeParams = typeParamsOf(fn);
  const args = fn.parameters.map((p) => {
    if (!ts.isIdentifier(p.name) || !p.type || p.dotDotDotToken) throw unsupported(p, "command parameter");
    return { name: p.name.text, type: typeToModel(p.type), optional: Boolean(p.questionToken || p.initializer) };
  });
  const typed = findCallTo(fn, "typedError");
  let result;
  if (typed?.typeArguments?.length === 2) {
    result = { ok: typeToModel(typed.typeArguments[0]), error: typeToModel(typed.typeArguments[1]) };
  } else if (invoke.typeArguments?.length === 1) {
    result = { ok: typeToModel(invoke.typeArguments[0]) };
  } else if (fn.type && ts.isTypeReferenceNode(fn.type) && fn.type.typeName.getText() === "Promise" && fn.type.typeArguments?.length === 1) {
    result = { ok: typeToModel(fn.type.typeArguments[0]) };
  } else {
    throw unsupported(prop, "command result type");
  }
  const doc = docOf(prop);
  return { accessor, command: wire.text, ...(typeParams.length ? { typeParams } : {}), args, result, ...(doc ? { doc } : {}) };
}

function parseEvent(prop) {
  const accessor = propName(prop.name);
  if (!ts.isPropertyAssignment(prop)) throw unsupported(prop, "event entry");
  const call = prop.initializer;
  const wire = ts.isCallExpression(call) ? call.arguments[0] : undefined;
  if (
    !ts.isCallExpression(call) ||
    !ts.isIdentifier(call.expression) ||
    !/makeEvent$/.test(call.expression.text) ||
    !call.typeArguments?.length ||
    !wire ||
    !ts.isStringLiteral(wire)
  ) {
    throw unsupported(prop, "event entry (expected makeEvent<Payload>(\"name\"))");
  }
  return { accessor, event: wire.text, payload: typeToModel(call.typeArguments[0]) };
}

function exportedObject(sf, name) {
  for (const stmt of sf.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    if (!stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const decl of stmt.declarationList.declarations) {
      if (ts.isIdentifier(decl.name) && decl.name.text === name) {
        if (!decl.initializer || !ts.isObjectLiteralExpression(decl.initializer)) throw unsupported(decl, `\`${name}\` declaration`);
        return decl.initializer;
      }
    }
  }
  return undefined;
}

/**
 * Parses the text of bindings.ts into the contract model:
 * `{ commands: Command[], events: Event[], types: { name, type, doc? }[] }`.
 */
export function parseBindings(source) {
  const sf = ts.createSourceFile("bindings.ts", source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  if (sf.parseDiagnostics?.length) {
    const d = sf.parseDiagnostics[0];
    throw new Error(`contract: bindings.ts does not parse: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  }
  const commandsNode = exportedObject(sf, "commands");
  if (!commandsNode) throw new Error("contract: bindings.ts exports no `commands` object");
  const commands = commandsNode.properties.map(parseCommand);
  const eventsNode = exportedObject(sf, "events");
  const events = eventsNode ? eventsNode.properties.map(parseEvent) : [];

  const types = [];
  for (const stmt of sf.statements) {
    if (!ts.isTypeAliasDeclaration(stmt)) continue;
    if (!stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const params = typeParamsOf(stmt);
    const doc = docOf(stmt);
    types.push({ name: stmt.name.text, ...(params.length ? { params } : {}), type: typeToModel(stmt.type), ...(doc ? { doc } : {}) });
  }
  const model = { commands, events, types };
  checkRefs(model);
  return model;
}

function forEachRef(node, fn) {
  switch (node.k) {
    case "ref":
      fn(node.name);
      for (const a of node.args ?? []) forEachRef(a, fn);
      break;
    case "array":
    case "keyof":
      forEachRef(node.of, fn);
      break;
    case "template":
      for (const sp of node.spans) forEachRef(sp.type, fn);
      break;
    case "index":
      // The key is a type parameter or an `infer`red name, not a type of its own.
      forEachRef(node.object, fn);
      break;
    case "conditional":
      for (const m of node.results) forEachRef(m, fn);
      break;
    case "tuple":
    case "union":
    case "intersection":
      for (const m of node.items ?? node.of) forEachRef(m, fn);
      break;
    case "object":
      for (const f of node.fields) forEachRef(f.type, fn);
      break;
    case "record":
      forEachRef(node.key, fn);
      forEachRef(node.value, fn);
      break;
    default:
      break;
  }
}

function checkRefs(model) {
  const known = new Set(model.types.map((t) => t.name));
  const check = (where, params = []) => (name) => {
    if (!known.has(name) && !params.some((p) => p.name === name)) {
      throw new Error(`contract: ${where} refers to \`${name}\`, which bindings.ts does not export as a type`);
    }
  };
  for (const c of model.commands) {
    for (const p of c.typeParams ?? []) forEachRef(p.constraint, check(`commands.${c.accessor}<${p.name}>`));
    for (const a of c.args) forEachRef(a.type, check(`commands.${c.accessor}(${a.name})`, c.typeParams));
    forEachRef(c.result.ok, check(`commands.${c.accessor} result`));
    if (c.result.error) forEachRef(c.result.error, check(`commands.${c.accessor} error`));
  }
  for (const e of model.events) forEachRef(e.payload, check(`events.${e.accessor}`));
  for (const t of model.types) forEachRef(t.type, check(`type ${t.name}`, t.params));
}

// ---------------------------------------------------------------------------
// Model -> JSON Schema (draft-07, valid under Ajv strict mode)
// ---------------------------------------------------------------------------

const SCHEMA_ID = "https://clawdesk.local/schemas/ipc.json";

/**
 * The wire form of each branded id type. bindings.ts only says "a string";
 * the format is the backend's (crates/clawdesk-core/src/ids.rs: a prefix
 * and a ULID, whose first character is at most 7). A new brand must be
 * added here, or the schema generator stops and says so.
 */
export const ID_FORMATS = {
  SessionId: { prefix: "sess_", pattern: "^sess_[0-7][0-9A-HJKMNP-TV-Z]{25}$" },
  MessageId: { prefix: "msg_", pattern: "^msg_[0-7][0-9A-HJKMNP-TV-Z]{25}$" },
  // Opaque to callers; what the backend writes (crates/clawdesk-core/src/page.rs):
  // order, pinned, activity time in ms, and the session id of a page's last row.
  SessionCursor: {
    prefix: "recent:0:0:sess_",
    pattern: "^(recent|pinned):[01]:(0|[1-9][0-9]*):sess_[0-7][0-9A-HJKMNP-TV-Z]{25}$",
  },
};

function typesByName(model) {
  return new Map(model.types.map((t) => [t.name, t.type]));
}

function resolve(node, types, seen = new Set()) {
  if (node.k !== "ref") return node;
  if (seen.has(node.name)) return node;
  seen.add(node.name);
  const t = types.get(node.name);
  return t ? resolve(t, types, seen) : node;
}

const isNull = (n) => n.k === "kw" && n.name === "null";
const PRIMITIVES = new Set(["string", "number", "boolean"]);
const jsonTypeOfLiteral = (v) => (typeof v === "string" ? "string" : typeof v === "number" ? "number" : "boolean");

/** The property every member has with a distinct string literal, if any. */
function discriminantOf(members, types) {
  const objs = members.map((m) => resolve(m, types));
  if (objs.length < 2 || objs.some((o) => o.k !== "object")) return undefined;
  const first = objs[0];
  const candidates = first.fields
    .filter((f) => !f.optional && f.type.k === "lit" && typeof f.type.value === "string")
    .map((f) => f.name)
    .sort((a, b) => ["kind", "status", "type", "tag"].indexOf(b) - ["kind", "status", "type", "tag"].indexOf(a));
  for (const tag of candidates) {
    const values = objs.map((o) => o.fields.find((f) => f.name === tag && !f.optional && f.type.k === "lit")?.type.value);
    if (values.every((v) => typeof v === "string") && new Set(values).size === values.length) return tag;
  }
  return undefined;
}

function numberSchema() {
  // JSON numbers become doubles: an integer beyond 2^53 - 1 has already
  // lost precision when it reaches JavaScript (ipc-contract.md forbids it).
  return { type: "number", minimum: -MAX_SAFE, maximum: MAX_SAFE };
}

function primitiveSchema(names) {
  const list = [...names];
  const schema = { type: list.length === 1 ? list[0] : list };
  if (list.includes("number")) Object.assign(schema, { minimum: -MAX_SAFE, maximum: MAX_SAFE });
  return schema;
}

function toSchema(node, types) {
  switch (node.k) {
    case "kw":
      switch (node.name) {
        case "string":
        case "boolean":
        case "null":
          return { type: node.name };
        case "number":
          return numberSchema();
        case "unknown":
        case "any":
          return {};
        case "never":
          return { not: {} };
        default:
          throw new Error(`contract: keyword ${node.name} has no JSON Schema`);
      }
    case "lit":
      return { type: jsonTypeOfLiteral(node.value), const: node.value };
    case "ref":
      return { $ref: `#/definitions/${node.name}` };
    case "array":
      return { type: "array", items: toSchema(node.of, types) };
    case "tuple":
      return tupleSchema(node.items.map((i) => toSchema(i, types)), node.items.length);
    case "object":
      return objectSchema(node.fields, types);
    case "record":
      return recordSchema(node, types);
    case "union":
      return unionSchema(node.of, types);
    case "intersection": {
      const parts = node.of.map((m) => resolve(m, types));
      if (parts.some((p) => p.k !== "object")) {
        throw new Error(`contract: only intersections of object types are supported: ${renderType(node)}`);
      }
      return objectSchema(parts.flatMap((p) => p.fields), types);
    }
    case "brand": {
      const format = Object.hasOwn(ID_FORMATS, node.brand) ? ID_FORMATS[node.brand] : undefined;
      if (!format || renderType(node.base) !== "string") {
        throw new Error(`contract: no wire format for the branded type ${node.brand}; add it to ID_FORMATS in scripts/contract/contract-lib.mjs`);
      }
      return { type: "string", pattern: format.pattern };
    }
    case "keyof":
      return { type: "string", enum: keysOf(node.of, types) };
    case "template":
      return { type: "string", pattern: `^${templateRegex(node, types)}$` };
    case "index":
    case "conditional":
      return unionSchema(possibleTypes(node, types), types);
    default:
      throw new Error(`contract: unknown model node ${JSON.stringify(node)}`);
  }
}

/** The field names of an object type (`keyof T`). */
function keysOf(node, types) {
  const obj = resolve(node, types);
  if (obj.k !== "object") throw new Error(`contract: keyof of a non-object type: ${renderType(node)}`);
  return obj.fields.map((f) => f.name);
}

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** A regular expression (unanchored) matching what a template literal type accepts. */
function templateRegex(node, types) {
  const part = (t) => {
    const r = resolve(t, types);
    if (r.k === "kw" && r.name === "string") return ".*";
    if (r.k === "kw" && r.name === "number") return "-?(0|[1-9][0-9]*)(\\.[0-9]+)?";
    if (r.k === "lit") return escapeRegex(String(r.value));
    if (r.k === "keyof") return `(${keysOf(r.of, types).map(escapeRegex).join("|")})`;
    if (r.k === "union") return `(${r.of.map(part).join("|")})`;
    throw new Error(`contract: unsupported type in a template literal: ${renderType(t)}`);
  };
  return escapeRegex(node.head) + node.spans.map((sp) => part(sp.type) + escapeRegex(sp.text)).join("");
}

/**
 * What a computed type can be, flattened: the results of a conditional, and
 * for `T[K]` with a key that is not one literal, every field type of T. A
 * string-literal set is left out where `string` is already possible.
 */
function possibleTypes(node, types) {
  const out = [];
  const add = (n) => {
    if (n.k === "union") return n.of.forEach(add);
    if (n.k === "conditional") return n.results.forEach(add);
    if (n.k === "kw" && n.name === "never") return;
    if (n.k === "index") {
      const fields = resolve(n.object, types);
      if (fields.k !== "object") throw new Error(`contract: indexed access into a non-object type: ${renderType(n)}`);
      const key = resolve(n.key, types);
      const picked = key.k === "lit" ? fields.fields.filter((f) => f.name === key.value) : fields.fields;
      return picked.forEach((f) => add(f.type));
    }
    if (!out.some((m) => renderType(m) === renderType(n))) out.push(n);
  };
  add(node);
  const hasString = out.some((m) => m.k === "kw" && m.name === "string");
  return out.filter((m) => {
    const r = resolve(m, types);
    return !(hasString && m !== r && isLiteralSet(r) && members(r).every((x) => typeof x.value === "string"));
  });
}

/** Fixed-length array (draft-07 tuple; the meta-schema wants >= 1 item schema). */
function tupleSchema(items, minItems) {
  if (items.length === 0) return { type: "array", maxItems: 0 };
  return { type: "array", items, minItems, maxItems: items.length, additionalItems: false };
}

function objectSchema(fields, types) {
  const properties = {};
  const required = [];
  for (const f of fields) {
    properties[f.name] = { ...toSchema(f.type, types), ...(f.doc ? { description: f.doc } : {}) };
    if (!f.optional) required.push(f.name);
  }
  return { type: "object", properties, required, additionalProperties: false };
}

function recordSchema(node, types) {
  const key = resolve(node.key, types);
  const value = toSchema(node.value, types);
  const keyMembers = key.k === "union" ? key.of.map((m) => resolve(m, types)) : [key];
  if (keyMembers.every((m) => m.k === "lit" && typeof m.value === "string")) {
    const names = keyMembers.map((m) => m.value);
    return {
      type: "object",
      properties: Object.fromEntries(names.map((n) => [n, value])),
      required: node.partial ? [] : names,
      additionalProperties: false,
    };
  }
  if (key.k === "kw" && key.name === "string") return { type: "object", additionalProperties: value };
  if (key.k === "kw" && key.name === "number") {
    return { type: "object", propertyNames: { pattern: "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$" }, additionalProperties: value };
  }
  throw new Error(`contract: unsupported record key type ${renderType(node.key)}`);
}

function unionSchema(members, types) {
  const hasNull = members.some(isNull);
  const rest = members.filter((m) => !isNull(m));
  const kws = rest.filter((m) => m.k === "kw" && PRIMITIVES.has(m.name));
  const lits = rest.filter((m) => m.k === "lit");
  const others = rest.filter((m) => !kws.includes(m) && !lits.includes(m));
  if (rest.some((m) => m.k === "kw" && (m.name === "any" || m.name === "unknown"))) return {};

  if (others.length === 0 && lits.length === 0) {
    return primitiveSchema(new Set([...kws.map((k) => k.name), ...(hasNull ? ["null"] : [])]));
  }
  if (others.length === 0 && kws.length === 0) {
    const jsonTypes = new Set(lits.map((l) => jsonTypeOfLiteral(l.value)));
    if (hasNull) jsonTypes.add("null");
    const list = [...jsonTypes];
    return { type: list.length === 1 ? list[0] : list, enum: [...lits.map((l) => l.value), ...(hasNull ? [null] : [])] };
  }

  const tag = kws.length === 0 && lits.length === 0 ? discriminantOf(others, types) : undefined;
  if (tag) {
    const tagged = {
      type: "object",
      discriminator: { propertyName: tag },
      oneOf: others.map((m) => toSchema(m, types)),
    };
    return hasNull ? { anyOf: [tagged, { type: "null" }] } : tagged;
  }

  const anyOf = others.map((m) => toSchema(m, types));
  // Literals whose JSON type is already allowed by a keyword member add nothing.
  const kwNames = new Set(kws.map((k) => k.name));
  const extraLits = lits.filter((l) => !kwNames.has(jsonTypeOfLiteral(l.value)));
  if (extraLits.length > 0) anyOf.push(unionSchema(extraLits, types));
  if (kwNames.size > 0 || hasNull) anyOf.push(primitiveSchema(new Set([...kwNames, ...(hasNull ? ["null"] : [])])));
  return anyOf.length === 1 ? anyOf[0] : { anyOf };
}

/** Key of a command's argument-list schema in `definitions`. */
export const argsKey = (accessor) => `commands.${accessor}.args`;
/** Key of a command's response schema in `definitions`. */
export const responseKey = (accessor) => `commands.${accessor}.response`;
/** Key of an event's payload schema in `definitions`. */
export const payloadKey = (accessor) => `events.${accessor}.payload`;

/** Builds the JSON Schema bundle (bindings/schema.json) from bindings.ts text. */
export function generateSchema(source) {
  const model = parseBindings(source);
  const types = typesByName(model);
  const definitions = {};
  for (const t of model.types) {
    definitions[t.name] = { ...(t.doc ? { description: t.doc } : {}), ...toSchema(substitute(t.type, t.params), types) };
  }
  const index = { commands: {}, events: {} };
  for (const c of model.commands) {
    const required = c.args.findIndex((a) => a.optional);
    definitions[argsKey(c.accessor)] = {
      title: `${c.command} arguments`,
      ...tupleSchema(
        // A type parameter stands for its constraint: JSON Schema cannot say
        // that `value` depends on `key` (TypeScript and the backend check that).
        c.args.map((a) => ({ title: a.name, ...toSchema(substitute(a.type, c.typeParams), types) })),
        required === -1 ? c.args.length : required,
      ),
    };
    let response;
    if (c.result.error) {
      response = {
        title: `${c.command} response`,
        type: "object",
        discriminator: { propertyName: "status" },
        oneOf: [
          {
            type: "object",
            properties: { status: { type: "string", const: "ok" }, data: toSchema(c.result.ok, types) },
            required: ["status", "data"],
            additionalProperties: false,
          },
          {
            type: "object",
            properties: { status: { type: "string", const: "error" }, error: toSchema(c.result.error, types) },
            required: ["status", "error"],
            additionalProperties: false,
          },
        ],
      };
    } else {
      response = { title: `${c.command} response`, ...toSchema(c.result.ok, types) };
    }
    definitions[responseKey(c.accessor)] = { ...(c.doc ? { description: c.doc } : {}), ...response };
    index.commands[c.accessor] = {
      command: c.command,
      args: c.args.map((a) => a.name),
      result: c.result.error ? "result" : "plain",
    };
  }
  for (const e of model.events) {
    definitions[payloadKey(e.accessor)] = { title: `${e.event} payload`, ...toSchema(e.payload, types) };
    index.events[e.accessor] = { event: e.event };
  }
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: SCHEMA_ID,
    $comment:
      "Generated by scripts/contract/gen-schema.mjs from bindings/bindings.ts (itself generated from the Rust types). Do not edit: run `npm run contract:schema`.",
    title: "ClawDesk IPC contract",
    "x-clawdesk-contract": index,
    definitions,
  };
}

/** The exact text written to bindings/schema.json. */
export function schemaText(source) {
  return `${JSON.stringify(generateSchema(source), null, 2)}\n`;
}

// ---------------------------------------------------------------------------
// Snapshot of the public contract (readable, committed)
// ---------------------------------------------------------------------------

function fieldsToSnapshot(fields, skip) {
  const out = {};
  for (const f of fields) {
    if (f.name === skip) continue;
    out[`${f.name}${f.optional ? "?" : ""}`] = renderType(f.type);
  }
  return out;
}

const paramsToSnapshot = (params) => Object.fromEntries(params.map((p) => [p.name, renderType(p.constraint)]));
const paramsFromSnapshot = (params) => Object.entries(params).map(([name, text]) => ({ name, constraint: parseTypeText(text) }));

function typeToSnapshot(node, params) {
  // A generic alias is kept as text with its parameters.
  if (params?.length) return { kind: "alias", params: paramsToSnapshot(params), type: renderType(node) };
  if (node.k === "object") return { kind: "object", fields: fieldsToSnapshot(node.fields) };
  if (node.k === "union" && node.of.every((m) => m.k === "lit" && typeof m.value === "string")) {
    return { kind: "enum", members: node.of.map((m) => m.value) };
  }
  if (node.k === "union") {
    const tag = discriminantOf(node.of, new Map());
    if (tag) {
      const variants = {};
      for (const m of node.of) {
        const value = m.fields.find((f) => f.name === tag).type.value;
        variants[value] = fieldsToSnapshot(m.fields, tag);
      }
      return { kind: "union", tag, variants };
    }
  }
  return { kind: "alias", type: renderType(node) };
}

/** Builds the public-contract snapshot from a parsed model. */
export function snapshotFromModel(model) {
  const commands = {};
  for (const c of model.commands) {
    commands[c.accessor] = {
      command: c.command,
      ...(c.typeParams?.length ? { typeParams: paramsToSnapshot(c.typeParams) } : {}),
      args: c.args.map((a) => ({ name: a.name, type: renderType(a.type), ...(a.optional ? { optional: true } : {}) })),
      result: renderType(c.result.ok),
      ...(c.result.error ? { error: renderType(c.result.error) } : {}),
    };
  }
  const events = {};
  for (const e of model.events) events[e.accessor] = { event: e.event, payload: renderType(e.payload) };
  const types = {};
  for (const t of model.types) types[t.name] = typeToSnapshot(t.type, t.params);
  return {
    $comment:
      "Public IPC contract as of the last intended change. Generated by scripts/contract/snapshot.mjs from bindings/bindings.ts; tests/contract/breaking.test.ts fails on changes that break callers. After an intended change: `npm run contract:snapshot` and commit.",
    commands,
    events,
    types,
  };
}

/** Builds the public-contract snapshot from bindings.ts text. */
export function buildSnapshot(source) {
  return snapshotFromModel(parseBindings(source));
}

/** The exact text written to tests/contract/contract-snapshot.json. */
export function snapshotText(source) {
  return `${JSON.stringify(buildSnapshot(source), null, 2)}\n`;
}

function fieldsFromSnapshot(fields) {
  return Object.entries(fields ?? {}).map(([key, text]) => {
    const optional = key.endsWith("?");
    return { name: optional ? key.slice(0, -1) : key, type: parseTypeText(text), optional };
  });
}

function typeFromSnapshot(name, def) {
  switch (def.kind) {
    case "object":
      return { k: "object", fields: fieldsFromSnapshot(def.fields) };
    case "enum":
      return def.members.length === 1 ? { k: "lit", value: def.members[0] } : { k: "union", of: def.members.map((value) => ({ k: "lit", value })) };
    case "union":
      return {
        k: "union",
        of: Object.entries(def.variants).map(([value, fields]) => ({
          k: "object",
          fields: [{ name: def.tag, type: { k: "lit", value }, optional: false }, ...fieldsFromSnapshot(fields)],
        })),
      };
    case "alias":
      return parseTypeText(def.type);
    default:
      throw new Error(`contract snapshot: type ${name} has unknown kind ${JSON.stringify(def.kind)}`);
  }
}

/** Turns a snapshot back into a model (types parsed from their text). */
export function modelFromSnapshot(snapshot) {
  return {
    commands: Object.entries(snapshot.commands ?? {}).map(([accessor, c]) => ({
      accessor,
      command: c.command,
      ...(c.typeParams ? { typeParams: paramsFromSnapshot(c.typeParams) } : {}),
      args: (c.args ?? []).map((a) => ({ name: a.name, type: parseTypeText(a.type), optional: Boolean(a.optional) })),
      result: { ok: parseTypeText(c.result), ...(c.error ? { error: parseTypeText(c.error) } : {}) },
    })),
    events: Object.entries(snapshot.events ?? {}).map(([accessor, e]) => ({ accessor, event: e.event, payload: parseTypeText(e.payload) })),
    types: Object.entries(snapshot.types ?? {}).map(([name, def]) => ({
      name,
      ...(def.kind === "alias" && def.params ? { params: paramsFromSnapshot(def.params) } : {}),
      type: typeFromSnapshot(name, def),
    })),
  };
}

// ---------------------------------------------------------------------------
// Breaking-change detection
//
// Every named type gets a direction from where the OLD contract uses it:
//   out  - read by callers (command results, event payloads, errors),
//   in   - written by callers (command arguments),
//   both - either, or not reachable from any command or event.
// A change is breaking when it breaks any direction the type is used in.
// ---------------------------------------------------------------------------

function directions(model) {
  const types = typesByName(model);
  const dirs = new Map();
  const mark = (node, dir) =>
    forEachRef(node, (name) => {
      const set = dirs.get(name) ?? new Set();
      if (set.has(dir)) return;
      set.add(dir);
      dirs.set(name, set);
      const t = types.get(name);
      if (t) mark(t, dir);
    });
  for (const c of model.commands) {
    for (const a of c.args) mark(substitute(a.type, c.typeParams), "in");
    mark(c.result.ok, "out");
    if (c.result.error) mark(c.result.error, "out");
  }
  for (const e of model.events) mark(e.payload, "out");
  const out = new Map();
  for (const t of model.types) {
    const set = dirs.get(t.name);
    out.set(t.name, { in: !set || set.has("in"), out: !set || set.has("out") });
  }
  return out;
}

const stripNull = (n) => {
  if (n.k !== "union") return isNull(n) ? { k: "kw", name: "never" } : n;
  const of = n.of.filter((m) => !isNull(m));
  return of.length === 1 ? of[0] : { k: "union", of };
};
const acceptsNull = (n) => isNull(n) || (n.k === "union" && n.of.some(isNull)) || (n.k === "kw" && (n.name === "any" || n.name === "unknown"));
const members = (n) => (n.k === "union" ? n.of : [n]);
const isLiteralSet = (n) => members(n).every((m) => m.k === "lit");
const quoteList = (values) => values.map((v) => JSON.stringify(v)).join(", ");

class Report {
  constructor() {
    this.breaking = [];
    this.attention = [];
    this.additive = [];
  }
  add(level, message) {
    if (!this[level].includes(message)) this[level].push(message);
  }
}

function who(dir) {
  if (dir.in && dir.out) return "callers reading or sending it will break";
  return dir.out ? "callers reading it will break" : "callers sending it will break";
}

function compareFields(oldFields, newFields, label, dir, r, ctx, skip) {
  const newByName = new Map(newFields.map((f) => [f.name, f]));
  const oldNames = new Set(oldFields.map((f) => f.name));
  for (const f of oldFields) {
    if (f.name === skip) continue;
    const path = `${label}.${f.name}`;
    const nf = newByName.get(f.name);
    if (!nf) {
      r.add("breaking", `${path} was removed (or renamed); ${who(dir)}`);
      continue;
    }
    if (!f.optional && nf.optional && dir.out) {
      r.add("breaking", `${path} became optional; callers reading it must now handle its absence`);
    }
    if (f.optional && !nf.optional && dir.in) {
      r.add("breaking", `${path} became required; callers that omit it will break`);
    }
    compareTypes(f.type, nf.type, path, dir, r, ctx);
  }
  for (const nf of newFields) {
    if (oldNames.has(nf.name) || nf.name === skip) continue;
    const path = `${label}.${nf.name}`;
    if (dir.in && !nf.optional) {
      r.add("breaking", `${path} was added as a required field (${renderType(nf.type)}); callers sending ${label} do not set it`);
    } else {
      r.add("additive", `${path} was added (${nf.optional ? "optional, " : ""}${renderType(nf.type)})`);
    }
  }
}

function compareTypes(o, n, label, dir, r, ctx) {
  if (renderType(o) === renderType(n)) return;
  const types = ctx.oldTypes;
  // Nullability first: it is the most common change and the plainest message.
  if (dir.out && !acceptsNull(o) && acceptsNull(n)) {
    r.add("breaking", `${label} can now be null (was ${renderType(o)}, now ${renderType(n)}); callers reading it must handle null`);
  }
  if (dir.in && acceptsNull(o) && !acceptsNull(n)) {
    r.add("breaking", `${label} no longer accepts null (was ${renderType(o)}, now ${renderType(n)}); callers passing null will break`);
  }
  const oc = stripNull(o);
  const nc = stripNull(n);
  if (renderType(oc) === renderType(nc)) return;

  if (isLiteralSet(oc) && isLiteralSet(nc)) {
    const ov = members(oc).map((m) => m.value);
    const nv = members(nc).map((m) => m.value);
    const removed = ov.filter((v) => !nv.includes(v));
    const added = nv.filter((v) => !ov.includes(v));
    if (removed.length) r.add("breaking", `${label} lost member(s) ${quoteList(removed)}; callers using them will break`);
    if (added.length) {
      if (dir.out) {
        r.add("attention", `${label} gained member(s) ${quoteList(added)}; exhaustive switches over ${label} must handle them (tsc points at them)`);
      } else {
        r.add("additive", `${label} gained member(s) ${quoteList(added)}`);
      }
    }
    return;
  }
  // A literal set widened to its keyword type, or the other way round.
  if (isLiteralSet(oc) && nc.k === "kw" && members(oc).every((m) => jsonTypeOfLiteral(m.value) === nc.name)) {
    if (dir.out) r.add("breaking", `${label} widened from ${renderType(oc)} to ${nc.name}; callers switching over its values will break`);
    else r.add("additive", `${label} now accepts any ${nc.name}`);
    return;
  }
  if (isLiteralSet(nc) && oc.k === "kw" && members(nc).every((m) => jsonTypeOfLiteral(m.value) === oc.name)) {
    if (dir.in) r.add("breaking", `${label} narrowed from ${oc.name} to ${renderType(nc)}; callers passing other values will break`);
    else r.add("additive", `${label} narrowed from ${oc.name} to ${renderType(nc)}`);
    return;
  }
  if (compareBrand(oc, nc, label, dir, r, ctx)) return;
  if (oc.k === "ref" || nc.k === "ref") {
    // Same name: the named type is compared on its own. Different names (or
    // inline vs named) is a type change.
    r.add("breaking", `${label} changed type from ${renderType(oc)} to ${renderType(nc)}; ${who(dir)}`);
    return;
  }
  if (oc.k === "array" && nc.k === "array") return compareTypes(oc.of, nc.of, `${label}[]`, dir, r, ctx);
  if (oc.k === "record" && nc.k === "record") {
    if (renderType(oc.key) !== renderType(nc.key)) {
      r.add("breaking", `${label} changed its key type from ${renderType(oc.key)} to ${renderType(nc.key)}; ${who(dir)}`);
    }
    if (!oc.partial && nc.partial && dir.out) r.add("breaking", `${label} entries became optional; callers reading them must handle absent keys`);
    if (oc.partial && !nc.partial && dir.in) r.add("breaking", `${label} entries became required; callers that omit keys will break`);
    return compareTypes(oc.value, nc.value, `${label}[key]`, dir, r, ctx);
  }
  if (oc.k === "tuple" && nc.k === "tuple" && oc.items.length === nc.items.length) {
    oc.items.forEach((item, i) => compareTypes(item, nc.items[i], `${label}[${i}]`, dir, r, ctx));
    return;
  }
  if (oc.k === "object" && nc.k === "object") return compareFields(oc.fields, nc.fields, label, dir, r, ctx);
  if (oc.k === "union" && nc.k === "union") {
    const oTag = discriminantOf(oc.of, types);
    const nTag = discriminantOf(nc.of, ctx.newTypes);
    if (oTag && oTag === nTag) return compareTagged(oc, nc, oTag, label, dir, r, ctx);
    const ov = oc.of.map(renderType);
    const nv = nc.of.map(renderType);
    const removed = ov.filter((v) => !nv.includes(v));
    const added = nv.filter((v) => !ov.includes(v));
    if (removed.length) r.add("breaking", `${label} no longer includes ${removed.join(" | ")}; ${who(dir)}`);
    if (added.length) {
      if (dir.out) r.add("breaking", `${label} can now also be ${added.join(" | ")}; callers reading it do not expect that`);
      else r.add("additive", `${label} now also accepts ${added.join(" | ")}`);
    }
    return;
  }
  r.add("breaking", `${label} changed type from ${renderType(oc)} to ${renderType(nc)}; ${who(dir)}`);
}

/**
 * A plain type that became a branded one (`string` -> `SessionId`), or the
 * other way round. The wire form is the same; what breaks depends on who
 * writes the value. Returns whether it was such a change.
 */
function compareBrand(oc, nc, label, dir, r, ctx) {
  const ob = resolve(oc, ctx.oldTypes);
  const nb = resolve(nc, ctx.newTypes);
  if (nb.k === "brand" && renderType(nb.base) === renderType(oc)) {
    const name = renderType(nc);
    const base = renderType(oc);
    if (dir.in) {
      r.add("breaking", `${label} now takes the branded ${name} instead of ${base}; callers passing a plain ${base} will break (the id must come from the backend)`);
    } else {
      r.add(
        "attention",
        `${label} is now the branded ${name} (was ${base}); reading it still works, code that builds one from a plain ${base} no longer compiles (tsc points at it)`,
      );
    }
    return true;
  }
  if (ob.k === "brand" && renderType(ob.base) === renderType(nc)) {
    const name = renderType(oc);
    const base = renderType(nc);
    if (dir.out) r.add("breaking", `${label} is no longer the branded ${name} (now ${base}); callers passing it where a ${name} is expected will break`);
    else r.add("additive", `${label} now accepts any ${base} (was the branded ${name})`);
    return true;
  }
  return false;
}

function compareTagged(oc, nc, tag, label, dir, r, ctx) {
  const variants = (u, types) =>
    new Map(
      u.of.map((m) => {
        const obj = resolve(m, types);
        return [obj.fields.find((f) => f.name === tag).type.value, obj];
      }),
    );
  const ov = variants(oc, ctx.oldTypes);
  const nv = variants(nc, ctx.newTypes);
  const isError = ctx.errorTypes.has(label);
  const what = (v) => (isError ? `error kind "${v}" of ${label}` : `${label} variant ${tag} "${v}"`);
  for (const [value, obj] of ov) {
    const nobj = nv.get(value);
    if (!nobj) {
      r.add("breaking", `${what(value)} was removed (or renamed); callers handling it will break`);
      continue;
    }
    compareFields(obj.fields, nobj.fields, `${label}[${tag}="${value}"]`, dir, r, ctx, tag);
  }
  for (const value of nv.keys()) {
    if (ov.has(value)) continue;
    if (dir.out) {
      r.add(
        "attention",
        `new ${what(value)}; exhaustive switches over ${label}.${tag} must handle it (tsc points at them), other callers see it as an unknown ${isError ? "error" : "variant"}`,
      );
    } else {
      r.add("additive", `new ${what(value)}`);
    }
  }
}

function commandLabel(c) {
  return `commands.${c.accessor}`;
}

function findRenamed(oldItem, candidates, key) {
  return candidates.find((c) => key(c) === key(oldItem));
}

/**
 * Compares two snapshots. Returns `{ breaking, attention, additive }`, each a
 * list of plain-language messages:
 *   breaking  - existing callers break; the test fails,
 *   attention - compatible at runtime but existing exhaustive code must be
 *               extended (tsc flags it), e.g. a new error kind; passes,
 *   additive  - nothing existing breaks; passes.
 */
export function diffContracts(oldSnapshot, newSnapshot) {
  const old = modelFromSnapshot(oldSnapshot);
  const neu = modelFromSnapshot(newSnapshot);
  const r = new Report();
  const ctx = {
    oldTypes: typesByName(old),
    newTypes: typesByName(neu),
    errorTypes: new Set(old.commands.flatMap((c) => (c.result.error?.k === "ref" ? [c.result.error.name] : []))),
  };
  const dirs = directions(old);
  const both = { in: true, out: true };

  const newCommands = new Map(neu.commands.map((c) => [c.accessor, c]));
  const oldCommandNames = new Set(old.commands.map((c) => c.accessor));
  const addedCommands = neu.commands.filter((c) => !oldCommandNames.has(c.accessor));
  const signature = (c) => `(${c.args.map((a) => renderType(a.type)).join(", ")}) => ${renderType(c.result.ok)}`;
  for (const c of old.commands) {
    const label = commandLabel(c);
    const n = newCommands.get(c.accessor);
    if (!n) {
      const renamed =
        addedCommands.find((a) => a.command === c.command) ?? findRenamed(c, addedCommands, signature);
      const hint = renamed ? `, perhaps to ${commandLabel(renamed)} ("${renamed.command}")` : "";
      r.add("breaking", `command ${label} ("${c.command}") was removed (or renamed${hint}); callers of ${label} will break`);
      continue;
    }
    if (n.command !== c.command) {
      r.add("breaking", `${label} now invokes "${n.command}" instead of "${c.command}"; mocks and direct invoke("${c.command}") callers will break`);
    }
    c.args.forEach((a, i) => {
      const na = n.args[i];
      const argLabel = `${label} argument ${a.name}`;
      if (!na) {
        r.add("breaking", `${argLabel} was removed; existing calls pass ${c.args.length} argument(s), ${label} now takes ${n.args.length}`);
        return;
      }
      if (na.name !== a.name) {
        r.add("breaking", `${argLabel} (position ${i + 1}) was removed, renamed or moved (position ${i + 1} is now ${na.name}); existing calls pass their arguments by position`);
        return;
      }
      if (a.optional && !na.optional) r.add("breaking", `${argLabel} became required; calls that leave it out will break`);
      // A type parameter is compared as its constraint (`key: K extends ConfigKey` as ConfigKey).
      compareTypes(substitute(a.type, c.typeParams), substitute(na.type, n.typeParams), argLabel, { in: true, out: false }, r, ctx);
    });
    for (const na of n.args.slice(c.args.length)) {
      const argLabel = `${label} argument ${na.name}`;
      if (na.optional) {
        r.add("additive", `${argLabel} was added (optional, ${renderType(na.type)})`);
      } else if (acceptsNull(na.type)) {
        r.add(
          "attention",
          `${argLabel} was added (${renderType(na.type)}); existing calls must pass null for it to type-check (tsc points at them); at runtime a missing value still means None`,
        );
      } else {
        r.add("breaking", `${argLabel} was added as a required argument (${renderType(na.type)}); existing calls do not pass it`);
      }
    }
    compareTypes(c.result.ok, n.result.ok, `${label} result`, { in: false, out: true }, r, ctx);
    if (Boolean(c.result.error) !== Boolean(n.result.error)) {
      r.add(
        "breaking",
        c.result.error
          ? `${label} no longer returns { status, data | error }; callers checking status will break`
          : `${label} now returns { status, data | error } instead of its value; callers using the value directly will break`,
      );
    } else if (c.result.error && n.result.error) {
      compareTypes(c.result.error, n.result.error, `${label} error`, { in: false, out: true }, r, ctx);
    }
  }
  for (const c of addedCommands) r.add("additive", `new command ${commandLabel(c)} ("${c.command}")`);

  const newEvents = new Map(neu.events.map((e) => [e.accessor, e]));
  const oldEventNames = new Set(old.events.map((e) => e.accessor));
  for (const e of old.events) {
    const label = `events.${e.accessor}`;
    const n = newEvents.get(e.accessor);
    if (!n) {
      const renamed = neu.events.find((x) => !oldEventNames.has(x.accessor) && x.event === e.event);
      const hint = renamed ? `, perhaps to events.${renamed.accessor}` : "";
      r.add("breaking", `event ${label} ("${e.event}") was removed (or renamed${hint}); listeners of ${label} will break`);
      continue;
    }
    if (n.event !== e.event) {
      r.add("breaking", `${label} is now emitted as "${n.event}" instead of "${e.event}"; listeners and emitters using the old name will break`);
    }
    compareTypes(e.payload, n.payload, `${label} payload`, { in: false, out: true }, r, ctx);
  }
  for (const e of neu.events) if (!oldEventNames.has(e.accessor)) r.add("additive", `new event events.${e.accessor} ("${e.event}")`);

  for (const t of old.types) {
    const nt = ctx.newTypes.get(t.name);
    if (!nt) {
      r.add("breaking", `type ${t.name} was removed (or renamed); code importing or using it will break`);
      continue;
    }
    compareTypes(t.type, nt, t.name, dirs.get(t.name) ?? both, r, ctx);
  }
  for (const t of neu.types) if (!ctx.oldTypes.has(t.name)) r.add("additive", `new type ${t.name}`);

  return { breaking: r.breaking, attention: r.attention, additive: r.additive };
}

/** Human-readable report of a diff, for the CLI and the test output. */
export function formatDiff(diff) {
  const lines = [];
  const section = (title, items) => {
    if (items.length === 0) return;
    lines.push(`${title}:`);
    for (const m of items) lines.push(`  - ${m}`);
  };
  section("BREAKING (existing callers break)", diff.breaking);
  section("Needs attention (compatible at runtime; tsc points at the code to extend or update)", diff.attention);
  section("Additive (nothing existing breaks)", diff.additive);
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Intended changes (tests/contract/intended-changes.json)
//
// A breaking change passes the guard only when it is recorded with the reason
// it is intended: `{ change: "<exact text the diff reports>" | [...], reason }`.
// Changes the type diff cannot see (behaviour on the wire) are recorded as
// `{ behaviour, reason }` and only printed.
// ---------------------------------------------------------------------------

/** Both diffs' messages, each once. */
export function mergeDiffs(...diffs) {
  const merged = { breaking: [], attention: [], additive: [] };
  for (const d of diffs) {
    for (const level of Object.keys(merged)) {
      for (const m of d[level]) if (!merged[level].includes(m)) merged[level].push(m);
    }
  }
  return merged;
}

/**
 * Matches a diff against the record of intended changes. Returns
 *   explained   - recorded changes the diff reports, with their reasons,
 *   unrecorded  - what the diff reports that is not recorded, by level
 *                 (unrecorded breaking changes fail the guard),
 *   stale       - recorded change texts the diff does not report (a typo,
 *                 or a change that was undone); they fail the guard too,
 *   behaviour   - recorded behaviour changes (not visible in the types),
 *   invalid     - entries without a reason or without a change/behaviour.
 */
export function reviewChanges(diff, record) {
  const reported = new Set([...diff.breaking, ...diff.attention, ...diff.additive]);
  const explained = [];
  const behaviour = [];
  const stale = [];
  const invalid = [];
  const recorded = new Set();
  for (const [i, entry] of (record.changes ?? []).entries()) {
    const reason = typeof entry.reason === "string" ? entry.reason.trim() : "";
    const texts = typeof entry.change === "string" ? [entry.change] : Array.isArray(entry.change) ? entry.change : [];
    if (!reason || (texts.length === 0 && typeof entry.behaviour !== "string")) {
      invalid.push(`entry ${i + 1} needs a reason and a change (or a behaviour)`);
      continue;
    }
    if (typeof entry.behaviour === "string") behaviour.push({ behaviour: entry.behaviour, reason });
    for (const change of texts) {
      recorded.add(change);
      if (reported.has(change)) explained.push({ change, reason });
      else stale.push(change);
    }
  }
  const unrecorded = {
    breaking: diff.breaking.filter((m) => !recorded.has(m)),
    attention: diff.attention.filter((m) => !recorded.has(m)),
    additive: diff.additive.filter((m) => !recorded.has(m)),
  };
  return { explained, unrecorded, stale, behaviour, invalid };
}

/** Readable report of a review, for the guard's output and the CLI. */
export function formatReview(review) {
  const lines = [];
  const byReason = new Map();
  for (const { change, reason } of review.explained) byReason.set(reason, [...(byReason.get(reason) ?? []), change]);
  if (byReason.size > 0) lines.push("Intended changes (tests/contract/intended-changes.json):");
  for (const [reason, changes] of byReason) {
    for (const c of changes) lines.push(`  - ${c}`);
    lines.push(`    WHY: ${reason}`);
  }
  if (review.behaviour.length > 0) lines.push("Intended behaviour changes (not visible in the types):");
  for (const b of review.behaviour) lines.push(`  - ${b.behaviour}`, `    WHY: ${b.reason}`);
  const rest = formatDiff(review.unrecorded);
  if (rest) lines.push(rest);
  return lines.join("\n");
}
