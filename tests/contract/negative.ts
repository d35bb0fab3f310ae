// Compile-time guarantees of the generated bindings. Each statement below a
// ts-expect-error directive MUST fail to type-check; if one compiles, tsc
// reports the directive as unused and the test command fails.
import { commands, events, type AppError } from "../../bindings/bindings";

export async function wrongCalls(): Promise<void> {
  // @ts-expect-error a session id is a string, not a number
  await commands.getSession(42);
  // @ts-expect-error a missing argument (Option<T> arguments are required `T | null`)
  await commands.getMessages("sess_x");
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

/** Exhaustive handling: adding an error kind in Rust makes `never` fail here. */
export function describeKind(error: AppError): string {
  switch (error.kind) {
    case "invalidArgument":
      return error.field;
    case "sessionNotFound":
    case "sessionBusy":
      return error.sessionId;
    case "noProvider":
      return error.model;
    case "provider":
      return error.provider;
    case "configKey":
      return error.key;
    case "configValue":
      return error.expected;
    case "storage":
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
