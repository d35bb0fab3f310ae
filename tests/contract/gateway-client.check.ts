// Type-checked by `npm run typecheck`: the generated gateway client
// (bindings/gateway.ts) has exactly the IPC bindings' commands, and the IPC
// events' `listen`/`once` (emitting and window-targeted listeners are window
// concerns; the gateway only sends events).
import type { AppError, SessionId, commands, events } from "../../bindings/bindings";
import type { createGatewayClient, GatewayCommands, GatewayEvents } from "../../bindings/gateway";

/** True only when A and B are the same type (not merely mutually assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

type Client = ReturnType<typeof createGatewayClient>;
type IpcCommands = typeof commands;
type IpcEvents = typeof events;

export type ClientCommandsAreTheIpcCommands = Expect<Equal<Client["commands"], IpcCommands>>;
export type ExportedCommandsAreTheIpcCommands = Expect<Equal<GatewayCommands, IpcCommands>>;
export type SameCommandNames = Expect<Equal<keyof Client["commands"], keyof IpcCommands>>;
// Per method too, generic `updateConfig` included.
export type EveryMethodIdentical = Expect<
  Equal<{ [K in keyof IpcCommands]: Equal<Client["commands"][K], IpcCommands[K]> }[keyof IpcCommands], true>
>;

type Listening = { [K in keyof IpcEvents]: Pick<IpcEvents[K], "listen" | "once"> };
export type ClientEventsAreTheIpcListeners = Expect<Equal<Client["events"], Listening>>;
export type ExportedEventsAreTheIpcListeners = Expect<Equal<GatewayEvents, Listening>>;
export type SameEventNames = Expect<Equal<keyof Client["events"], keyof IpcEvents>>;
export type ListenIdentical = Expect<
  Equal<{ [K in keyof IpcEvents]: Equal<Client["events"][K]["listen"], IpcEvents[K]["listen"]> }[keyof IpcEvents], true>
>;
export type OnceIdentical = Expect<
  Equal<{ [K in keyof IpcEvents]: Equal<Client["events"][K]["once"], IpcEvents[K]["once"]> }[keyof IpcEvents], true>
>;

// `Equal` tells signatures apart: one argument fewer, or a weaker result, is not equal.
type Result<T> = Promise<{ status: "ok"; data: T } | { status: "error"; error: AppError }>;
// @ts-expect-error getMessages takes (sessionId, limit)
export type MissingArgumentIsNotEqual = Expect<Equal<Client["commands"]["getMessages"], (sessionId: SessionId) => ReturnType<IpcCommands["getMessages"]>>>;
// @ts-expect-error the result is typed, not unknown
export type UntypedResultIsNotEqual = Expect<Equal<Client["commands"]["getSession"], (sessionId: SessionId) => Result<unknown>>>;
