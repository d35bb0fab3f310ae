// The one place the frontend talks to the backend: the generated bindings.
import type { AppError, FailureCode } from "../bindings/bindings";

/** What a failed command rejects with. The backend turns every failure,
 * including arguments Tauri refuses before a command runs, into an AppError. */
export type CommandError = AppError;

export type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

/** Thrown by `unwrap`; keeps the typed error for callers that need its fields. */
export class CommandFailed extends Error {
  constructor(readonly error: CommandError) {
    super(describeError(error));
    this.name = "CommandFailed";
  }
}

/** Turns a bindings result into its data, or throws `CommandFailed`. */
export async function unwrap<T>(result: Promise<{ status: "ok"; data: T } | { status: "error"; error: AppError }>): Promise<T> {
  let r: { status: "ok"; data: T } | { status: "error"; error: AppError };
  try {
    r = await result;
  } catch (e) {
    // The bindings rethrow Error instances (e.g. no Tauri runtime at all).
    throw new CommandFailed(asCommandError(e));
  }
  if (r.status === "error") throw new CommandFailed(asCommandError(r.error));
  return r.data;
}

function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/**
 * Normalizes whatever a call rejected with into an AppError. The backend
 * only sends AppErrors; anything else comes from this side of the IPC
 * (no Tauri runtime, a bug in a handler) and becomes an `internal` one here,
 * the only place the frontend makes one up.
 */
export function asCommandError(error: unknown): CommandError {
  if (isAppError(error)) return error;
  let message: string;
  if (typeof error === "string") message = error;
  else if (error instanceof Error) message = error.message;
  else {
    try {
      message = JSON.stringify(error) ?? String(error);
    } catch {
      message = String(error);
    }
  }
  return { kind: "internal", message };
}

/** The CommandError inside anything a caller caught. */
export function errorOf(caught: unknown): CommandError {
  return caught instanceof CommandFailed ? caught.error : asCommandError(caught);
}

/** A sentence for people, for every error the backend can return. */
export function describeError(error: CommandError): string {
  switch (error.kind) {
    case "invalidArgument":
      return `That ${error.field} is not valid: ${error.message}`;
    case "sessionNotFound":
      return "This chat no longer exists. It may have been deleted.";
    case "messageNotFound":
      return "That message no longer exists. Its chat may have been deleted.";
    case "sessionBusy":
      return "This chat is still answering. Wait for it, or stop it first.";
    case "noProvider":
      return `No configured provider serves ${error.model}. Add an API key in Settings or pick another model.`;
    case "provider": {
      const retry =
        error.retryable && error.retryAfterMs !== null
          ? ` You can retry in ${Math.ceil(error.retryAfterMs / 1000)} s.`
          : error.retryable
            ? " You can retry."
            : "";
      return `${error.provider} failed (${error.code}${error.status ? `, HTTP ${error.status}` : ""}): ${error.message}${retry}`;
    }
    case "configKey":
      return `Unknown setting ${error.key}.`;
    case "configValue":
      return `${error.key} must be ${error.expected}.`;
    case "storage":
      return `Your chats could not be read or saved: ${error.message}`;
    case "archive":
      return `That file cannot be imported${error.path ? ` (at ${error.path})` : ""}: ${error.reason}. Nothing was imported.`;
    case "unauthenticated":
      // Only the HTTP gateway asks for a token; the window never meets this.
      return "The gateway refused the request: its token is missing or wrong. Enter the current token.";
    case "cancelled":
      return "Stopped.";
    case "internal":
      return `Something went wrong inside ClawDesk: ${error.message}`;
    default: {
      // Compile-time exhaustiveness; at runtime a newer backend may add kinds.
      const unknown: never = error;
      return `Something went wrong: ${(unknown as { message?: string }).message ?? JSON.stringify(unknown)}`;
    }
  }
}

/** A sentence for a stream's failure code (stream-error events, provider errors). */
export function describeFailure(code: FailureCode): string {
  switch (code) {
    case "cancelled":
      return "Stopped before the reply was complete.";
    case "provider":
      return "The provider returned an error.";
    case "rateLimited":
      return "The provider is rate-limiting or overloaded. Wait a moment and retry.";
    case "timeout":
      return "The provider took too long to answer.";
    case "network":
      return "The connection to the provider failed or dropped.";
    case "auth":
      return "The provider rejected the API key, or none is set. Check Settings.";
    case "contextLength":
      return "This chat is too long for the model's context window.";
    case "storage":
      return "The reply could not be saved.";
    case "internal":
      return "Something went wrong inside ClawDesk.";
    default: {
      const unknown: never = code;
      return `The reply failed (${String(unknown)}).`;
    }
  }
}
