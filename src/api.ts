// The one place the frontend talks to the backend: the generated bindings.
import type { AppError } from "../bindings/bindings";

/** What a failed command can reject with: the typed AppError, or a plain
 * string when Tauri itself refused the call (missing argument, unknown command). */
export type CommandError = AppError | string;

export type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

/** A sentence for people, for every error the backend can return. */
export function describeError(error: CommandError): string {
  if (typeof error === "string") return `The app could not run that request: ${error}`;
  switch (error.kind) {
    case "invalidArgument":
      return `That ${error.field} is not valid: ${error.message}`;
    case "sessionNotFound":
      return "This chat no longer exists. It may have been deleted.";
    case "sessionBusy":
      return "This chat is still answering. Wait for it, or stop it first.";
    case "noProvider":
      return `No configured provider serves ${error.model}. Add an API key in Settings or pick another model.`;
    case "provider":
      return `${error.provider} failed (${error.code}${error.status ? `, HTTP ${error.status}` : ""}): ${error.message}`;
    case "configKey":
      return `Unknown setting ${error.key}.`;
    case "configValue":
      return `${error.key} must be ${error.expected}.`;
    case "storage":
      return `Your chats could not be read or saved: ${error.message}`;
    case "cancelled":
      return "Stopped.";
    case "internal":
      return `Something went wrong inside ClawDesk: ${error.message}`;
  }
}
