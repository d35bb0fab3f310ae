// "Connect" in Settings' Server section: one get_health call to the server
// the user named, and, when it fails, which of the usual reasons it is, said
// so the user knows what to change (the address, the token, the server's
// configuration).
import { createGatewayClient } from "../../bindings/gateway";
import { COMMAND_TIMEOUT_MS, RequestTimeout, withDeadlines } from "./deadlines";

export type ServerProblem =
  /** Not an http(s) address. */
  | "invalidUrl"
  /** No token typed. */
  | "noToken"
  /** Nothing answers at that address (down, wrong port, no network). */
  | "unreachable"
  /** Something answers, but refuses this window's origin (CORS). */
  | "corsRefused"
  /** A ClawDesk gateway that refuses the token. */
  | "wrongToken"
  /** Something answers, but not as a ClawDesk gateway. */
  | "notAGateway"
  /** A ClawDesk gateway that refused for another reason (its message says). */
  | "refused";

export type ServerCheck = { ok: true; url: string } | { ok: false; problem: ServerProblem; message: string };

/** How long the check waits for an answer before calling the server unreachable (a command's deadline). */
export const CHECK_TIMEOUT_MS = COMMAND_TIMEOUT_MS;

/**
 * The server address as the window will use it: scheme, host, port and
 * path without a trailing slash; `null` when it is not an http(s) URL (or
 * carries credentials, a query or a fragment: the token is the credential).
 */
export function normalizeServerUrl(input: string): string | null {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (!url.hostname || url.username || url.password || url.search || url.hash) return null;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/** A get_health answer, recognised by the fields every ClawDesk version sends. */
function looksLikeHealth(data: unknown): boolean {
  return typeof data === "object" && data !== null && "providers" in data && "providersActive" in data;
}

function fail(problem: ServerProblem, message: string): ServerCheck {
  return { ok: false, problem, message };
}

/** Checks `url` + `token` with one authenticated get_health call. */
export async function checkServer(input: string, token: string, fetchImpl: typeof fetch = (i, init) => globalThis.fetch(i, init)): Promise<ServerCheck> {
  const url = normalizeServerUrl(input);
  if (!url) return fail("invalidUrl", "Enter the server's address, like https://desk.example:1420 (http or https).");
  const secret = token.trim();
  if (!secret) return fail("noToken", "Enter the server's token (its Settings → Gateway, or `clawdesk serve` prints where).");

  let threw = false;
  let timedOut = false;
  const timed = withDeadlines(fetchImpl);
  const watched: typeof fetch = async (request, init) => {
    try {
      return await timed(request, init);
    } catch (e) {
      threw = true;
      timedOut = e instanceof RequestTimeout;
      throw e;
    }
  };
  const client = createGatewayClient({ baseUrl: url, token: secret, fetch: watched });
  const result = await client.commands.getHealth();
  client.close();

  if (result.status === "ok") {
    return looksLikeHealth(result.data) ? { ok: true, url } : fail("notAGateway", `${url} answers, but not as a ClawDesk server.`);
  }
  if (timedOut) {
    // Refused connections and CORS fail at once; this one was taken and never answered.
    return fail("unreachable", `${url} takes the connection but does not answer (nothing within ${CHECK_TIMEOUT_MS / 1000} s). Check that the server is running and not stuck.`);
  }
  if (threw) {
    // A browser hides why a request failed. A no-cors request is not
    // subject to CORS: if it gets through, the server is there and it is
    // the origin check that failed.
    const reachable = await fetchImpl(`${url}/v1/commands/get_health`, { mode: "no-cors", signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) }).then(
      () => true,
      () => false,
    );
    return reachable
      ? fail("corsRefused", `${url} answers but refuses this app's requests (CORS). Update the server, or add this app's origin to its gateway.allowedOrigins.`)
      : fail("unreachable", `Nothing answers at ${url}. Check the address and that the server is running.`);
  }
  const error = result.error;
  if (error.kind === "unauthenticated") return fail("wrongToken", "The server refused the token (unauthenticated). Copy it again from the server.");
  if (error.kind === "internal" && error.message.startsWith("the gateway answered")) {
    return fail("notAGateway", `${url} answers, but not as a ClawDesk server.`);
  }
  return fail("refused", `The server refused: ${error.message}`);
}
