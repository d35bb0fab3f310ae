// A ClawDesk gateway as the window's fetch sees it, for the server
// connection's tests: it answers get_health and list_sessions with the
// gateway's JSON, refuses a wrong token with 401, and can be taken down
// (every request then fails as an unreachable host does), hung (it accepts
// every request and never answers, until the request is aborted) or set to
// refuse this origin (CORS: only `no-cors` requests get through). It serves
// the event stream too, which it writes only when told to (`keepAlive`).
import { health } from "./fixtures";

export const SERVER_URL = "http://127.0.0.1:4242";
export const SERVER_TOKEN = "server-token";

export interface FakeServer {
  fetch: typeof fetch;
  up: boolean;
  /** Accepts requests and never answers them (a hung server). */
  hung: boolean;
  corsRefused: boolean;
  /** What answers at the address instead of a gateway (a web page). */
  notAGateway: boolean;
  /** Paths requested, in order. */
  requests: string[];
  /** Event streams open now. */
  openStreams: () => number;
  /** Sends a keep-alive comment on every open event stream. */
  keepAlive: () => void;
}

/** Pending until `signal` aborts, as a real request to a hung server. */
function never(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason ?? new DOMException("aborted", "AbortError"))));
}

export function fakeServer(): FakeServer {
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const eventStream = (signal: AbortSignal | null | undefined) => {
    let mine: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void streams.add((mine = c)),
      cancel: () => void streams.delete(mine),
    });
    // As a real fetch: aborting the request ends its body.
    signal?.addEventListener("abort", () => {
      if (!streams.delete(mine)) return;
      try {
        mine.error(signal.reason);
      } catch {
        // already closed
      }
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  };
  const server: FakeServer = {
    up: true,
    hung: false,
    corsRefused: false,
    notAGateway: false,
    requests: [],
    openStreams: () => streams.size,
    keepAlive: () => {
      for (const stream of streams) stream.enqueue(new TextEncoder().encode(":\n\n"));
    },
    fetch: async (input, init) => {
      const url = String(input);
      server.requests.push(url.replace(SERVER_URL, ""));
      if (!url.startsWith(SERVER_URL) || !server.up) throw new TypeError("Load failed");
      if (server.hung) return never(init?.signal);
      if (init?.mode === "no-cors") return new Response(null, { status: 200 });
      if (server.corsRefused) throw new TypeError("Origin is not allowed by Access-Control-Allow-Origin");
      if (server.notAGateway) return new Response("<html>hello</html>", { status: 200, headers: { "content-type": "text/html" } });
      const auth = new Headers(init?.headers).get("authorization");
      if (auth !== `Bearer ${SERVER_TOKEN}`) {
        return Response.json({ kind: "unauthenticated", message: "a valid bearer token is required" }, { status: 401 });
      }
      if (url.endsWith("/v1/events")) return eventStream(init?.signal);
      if (url.endsWith("/v1/commands/get_health")) return Response.json(health);
      if (url.endsWith("/v1/commands/list_sessions")) return Response.json([]);
      return Response.json({ kind: "notFound", message: "no such command here" }, { status: 404 });
    },
  };
  return server;
}
