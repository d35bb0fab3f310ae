// Typed test doubles for the backend, on top of `@tauri-apps/api/mocks`.
//
// Hand-written (unlike bindings.ts, which is generated): every type here is
// derived from `typeof commands` / `typeof events`, so a change in the Rust
// commands shows up as a type error in the tests that mock them.
//
//   mockCommands({
//     listSessions: async () => [session],
//     deleteSession: async ({ sessionId }) => null,
//     getSession: ({ sessionId }) => fail({ kind: "sessionNotFound", message: "gone", sessionId }),
//   });
//   await emitEvent("streamChunk", { sessionId, messageId, content: "Hi", index: 0 });
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { commands, events, type AppError } from "./bindings";

type Commands = typeof commands;
/** `createSession`, `listSessions`, ...: the accessor names of the bindings. */
export type CommandName = keyof Commands;

/** `createSession` -> `create_session`: the command name on the wire. */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;

export function toSnakeCase<S extends string>(name: S): SnakeCase<S> {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) as SnakeCase<S>;
}

type CommandResult<K extends CommandName> = Awaited<ReturnType<Commands[K]>>;
/** What the command's Rust function returns on success. */
export type CommandData<K extends CommandName> = Extract<CommandResult<K>, { status: "ok" }>["data"];
/** The command's typed error (AppError for every command today). */
export type CommandFailure<K extends CommandName> = Extract<CommandResult<K>, { status: "error" }>["error"];

/**
 * Parameter names of each command, in order. TypeScript cannot read a
 * function's parameter names from its type, so they are listed here; the
 * arity is checked against the bindings below (`ArityCheck`) and the names
 * against the real wire payloads in src/test/mock.test.ts. Names of commands
 * the bindings do not have yet are harmless: they only apply once the
 * command exists.
 */
export interface CommandArgNames {
  createSession: ["channelId", "model"];
  listSessions: [];
  listSessionsPage: ["cursor", "limit", "pinnedFirst"];
  getSession: ["sessionId"];
  updateSession: ["sessionId", "patch"];
  deleteSession: ["sessionId"];
  getMessages: ["sessionId", "limit"];
  getConfig: [];
  updateConfig: ["key", "value"];
  getModels: [];
  getChannels: [];
  getHealth: [];
  getMetrics: [];
  getGatewayToken: [];
  rotateGatewayToken: [];
  getRemoteToken: [];
  exportSession: ["sessionId", "path", "format"];
  exportAllSessions: ["path"];
  importArchive: ["path"];
  sendMessage: ["sessionId", "content"];
  sendMessageStreaming: ["sessionId", "content"];
  cancelStream: ["sessionId"];
  compactSession: ["sessionId"];
  getMessagesAround: ["sessionId", "messageId", "before", "after"];
  editMessage: ["messageId", "content"];
  regenerate: ["messageId", "model"];
  switchBranch: ["messageId"];
}

/** Fails to compile when a listed command's arity differs from the bindings. */
type ArityCheck = {
  [K in keyof CommandArgNames & CommandName]: CommandArgNames[K]["length"] extends Parameters<Commands[K]>["length"]
    ? true
    : ["parameter names out of date for", K];
};
type AssertAllTrue<T extends { [k: string]: true }> = T;
export type ArityChecked = AssertAllTrue<ArityCheck>;

type Zip<Names extends readonly string[], Values extends readonly unknown[]> = {
  [I in keyof Names & `${number}` as Names[I] & string]: I extends keyof Values ? Values[I] : never;
};

/** The payload object a command sends over IPC, keyed by parameter name. */
export type CommandArgs<K extends CommandName> = K extends keyof CommandArgNames
  ? Zip<CommandArgNames[K], Parameters<Commands[K]>>
  : Record<string, unknown>;

export type CommandHandler<K extends CommandName> = (
  args: CommandArgs<K>,
) => CommandData<K> | Promise<CommandData<K>>;

export type CommandHandlers = { [K in CommandName]?: CommandHandler<K> };

/**
 * Makes a mocked command fail with a typed error, exactly as the backend's
 * `Err(AppError)` arrives: `{ status: "error", error }`. (Throwing an `Error`
 * instance instead makes the bindings rethrow it, like a crash.)
 */
export function fail(error: AppError): never {
  throw error;
}

export interface RecordedCall {
  command: string;
  args: Record<string, unknown>;
}

export interface CommandMock {
  /** Every command invoked so far, in order (event plumbing excluded). */
  calls: RecordedCall[];
  /** Calls of one command, with typed arguments. */
  callsOf<K extends CommandName>(name: K): CommandArgs<K>[];
  /** Replaces or adds handlers without losing event listeners. */
  set(handlers: CommandHandlers): void;
}

/**
 * Installs a mock backend. Commands not in `handlers` fail with an
 * `internal` AppError naming the command (every failure the backend sends is
 * an AppError). Events are mocked too (`emitEvent` reaches
 * `events.*.listen` callbacks).
 */
export function mockCommands(handlers: CommandHandlers): CommandMock {
  const byWireName = new Map<string, (args: Record<string, unknown>) => unknown>();
  const set = (more: CommandHandlers) => {
    for (const [name, handler] of Object.entries(more)) {
      if (handler) byWireName.set(toSnakeCase(name), handler as (args: Record<string, unknown>) => unknown);
    }
  };
  set(handlers);
  const calls: RecordedCall[] = [];
  mockIPC(
    async (command: string, payload?: InvokeArgs) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ command, args });
      const handler = byWireName.get(command);
      if (!handler) fail({ kind: "internal", message: `mockCommands: command "${command}" is not mocked in this test` });
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  return {
    calls,
    callsOf: (name) => calls.filter((c) => c.command === toSnakeCase(name)).map((c) => c.args) as never,
    set,
  };
}

type Events = typeof events;
export type EventName = keyof Events;
/** The payload type of an event, from the bindings. */
export type EventPayload<K extends EventName> = Parameters<Parameters<Events[K]["listen"]>[0]>[0]["payload"];

/** Delivers an event to every `events.<name>.listen` callback (needs `mockCommands` first). */
export async function emitEvent<K extends EventName>(name: K, payload: EventPayload<K>): Promise<void> {
  const emit = events[name].emit as (p: EventPayload<K>) => Promise<void>;
  await emit(payload);
}

/** Removes the mock backend; call it after each test. */
export function resetMocks(): void {
  clearMocks();
}
