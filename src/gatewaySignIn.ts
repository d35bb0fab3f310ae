// The browser's side of the gateway's token: asked for once, kept in this
// browser's storage for this origin, and forgotten when it stops working.
import { commands, connectGateway } from "./transport";
import type { CommandError } from "./api";

const TOKEN_KEY = "clawdesk.gatewayToken";

/** The token this browser saved for this gateway, if any. */
export function savedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

/** Forgets the saved token; the next load asks for one again. */
export function forgetToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

/**
 * Connects with `token` and proves it with one authenticated call. On
 * success the token is saved; otherwise the gateway's error is returned
 * (`unauthenticated` for a wrong token) and nothing is saved.
 */
export async function signIn(token: string, baseUrl?: string): Promise<CommandError | null> {
  const trimmed = token.trim();
  if (!trimmed) return { kind: "invalidArgument", field: "token", message: "enter the token from the app's Settings" };
  connectGateway(trimmed, baseUrl);
  const result = await commands.getHealth();
  if (result.status === "error") return result.error;
  localStorage.setItem(TOKEN_KEY, trimmed);
  return null;
}
