// Compile-time guarantees of the generated bindings. Each statement below a
// ts-expect-error directive MUST fail to type-check; if one compiles, tsc
// reports the directive as unused and `npm run typecheck` fails. The
// statements without a directive must compile.
import {
  commands,
  events,
  type AppError,
  type Message,
  type MessageFailure,
  type MessageId,
  type ProviderHealth,
  type ProviderState,
  type SessionId,
} from "../../bindings/bindings";

// Ids as the frontend gets them: from the backend, never made from strings.
declare const sessionId: SessionId;
declare const messageId: MessageId;

export async function wrongCalls(): Promise<void> {
  // @ts-expect-error a session id is a string, not a number
  await commands.getSession(42);
  // @ts-expect-error a missing argument (Option<T> arguments are required `T | null`)
  await commands.getMessages(sessionId);
  // @ts-expect-error a misspelled command does not exist
  await commands.createSesion(null, null);
  // @ts-expect-error update_config's key is a string
  await commands.updateConfig(["gateway", "port"], 1500);
  // @ts-expect-error a misspelled event does not exist
  await events.streamChunks.listen(() => {});
  await events.streamChunk.listen((event) => {
    // @ts-expect-error chunk payloads have `content`, not `text`
    event.payload.text.toUpperCase();
  });
  const result = await commands.listSessions();
  // @ts-expect-error `data` exists only after narrowing on status === "ok"
  result.data.length;
}

/** SessionId and MessageId are distinct types, and neither is a plain string. */
export async function wrongIds(): Promise<void> {
  // @ts-expect-error a MessageId is not a SessionId
  await commands.getSession(messageId);
  // @ts-expect-error a plain string is not a SessionId: ids come from the backend
  await commands.deleteSession("sess_01JC0NTRACT000000000000001");
  // @ts-expect-error nor is a string that merely looks like one
  await commands.cancelStream(`sess_${"01JC0NTRACT000000000000001"}`);
  const sessions = await commands.listSessions();
  if (sessions.status === "ok") {
    const first = sessions.data[0];
    // An id read from the backend is a SessionId...
    if (first) await commands.getMessages(first.id, null);
    // ...and still a string wherever a string is wanted.
    const text: string = first?.id ?? "";
    void text;
  }
  await events.streamEnd.listen(({ payload }) => {
    const m: MessageId = payload.messageId;
    // @ts-expect-error an event's messageId is not its sessionId
    const s: SessionId = payload.messageId;
    void m;
    void s;
  });
}

/** updateConfig knows every key and the type of its value. */
export async function typedConfig(): Promise<void> {
  // @ts-expect-error a misspelled key does not exist
  await commands.updateConfig("gateway.prot", 1);
  // @ts-expect-error the port is a number, not a string
  await commands.updateConfig("gateway.port", "1500");
  // @ts-expect-error a provider entry has no `temperature` field
  await commands.updateConfig("providers.lmstudio.temperature", 1);
  // @ts-expect-error `enabled` is a boolean
  await commands.updateConfig("providers.ollama.enabled", "yes");
  // @ts-expect-error `defaults.model` cannot be reset with null
  await commands.updateConfig("defaults.model", null);
  // @ts-expect-error a new provider entry needs its kind
  await commands.updateConfig("providers.lmstudio", { baseUrl: "http://127.0.0.1:1234/v1" });

  // These compile: fixed keys, whole provider entries and their fields, nulls where allowed.
  await commands.updateConfig("gateway.port", 1500);
  await commands.updateConfig("defaults.model", "ollama/llama3.2");
  await commands.updateConfig("providers.lmstudio", { kind: "openai", baseUrl: "http://127.0.0.1:1234/v1" });
  await commands.updateConfig("providers.lmstudio", null);
  await commands.updateConfig("providers.anthropic.apiKey", "sk-ant-...");
  await commands.updateConfig("providers.anthropic.apiKey", null);
  await commands.updateConfig("providers.ollama.enabled", false);
  await commands.updateConfig("storage.databasePath", null);
}

/** Exhaustive handling: adding an error kind in Rust makes `never` fail here. */
export function describeKind(error: AppError): string {
  switch (error.kind) {
    case "invalidArgument":
      return error.field;
    case "sessionNotFound":
    case "sessionBusy":
      return error.sessionId;
    case "messageNotFound":
      return error.messageId;
    case "noProvider":
      return error.model;
    case "provider":
      return error.provider;
    case "configKey":
      return error.key;
    case "configValue":
      return error.expected;
    case "archive":
      return error.path;
    case "storage":
    case "unauthenticated":
    case "cancelled":
    case "internal":
      return error.message;
    default: {
      const unreachable: never = error;
      return unreachable;
    }
  }
}

/** A switch that forgets kinds does not compile when its result must be exhaustive. */
export function nonExhaustive(error: AppError): string {
  switch (error.kind) {
    case "storage":
      return "storage";
    default: {
      // @ts-expect-error `error` is not `never`: sessionNotFound and the others are unhandled
      const unreachable: never = error;
      return unreachable;
    }
  }
}

/** Per-provider health and kept failure reasons are typed. */
export function providerAndFailure(provider: ProviderHealth, message: Message): string {
  // @ts-expect-error a provider's state is one of its words, not "reachable or not"
  const reachable: boolean = provider.status;
  // @ts-expect-error "offline" is not a ProviderState
  const state: ProviderState = "offline";
  // @ts-expect-error a failure's code is a FailureCode, not any string
  const failure: MessageFailure = { code: "boom", message: "it broke" };
  void [reachable, state, failure];
  // `failure` is optional and nullable: reading it needs a check.
  // @ts-expect-error message.failure may be absent
  message.failure.code;
  return message.failure?.message ?? provider.detail;
}
