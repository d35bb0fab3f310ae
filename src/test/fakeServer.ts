// A ClawDesk gateway as the window's fetch sees it, for the server
// connection's tests: it answers get_health and list_sessions with the
// gateway's JSON, refuses a wrong token with 401, and can be taken down
// (every request then fails as an unreachable host does) or set to refuse
// this origin (CORS: only `no-cors` requests get through).
import { health } from "./fixtures";

export const SERVER_URL = "http://127.0.0.1:4242";
export const SERVER_TOKEN = "server-token";

export interface FakeServer {
  fetch: typeof fetch;
  up: boolean;
  corsRefused: boolean;
  /** What answers at the address instead of a gateway (a web page). */
  notAGateway: boolean;
  /** Paths requested, in order. */
  requests: string[];
}

export function fakeServer(): FakeServer {
  const server: FakeServer = {
    up: true,
    corsRefused: false,
    notAGateway: false,
    requests: [],
    fetch: async (input, init) => {
      const url = String(input);
      server.requests.push(url.replace(SERVER_URL, ""));
      if (!url.startsWith(SERVER_URL) || !server.up) throw new TypeError("Load failed");
      if (init?.mode === "no-cors") return new Response(null, { status: 200 });
      if (server.corsRefused) throw new TypeError("Origin is not allowed by Access-Control-Allow-Origin");
      if (server.notAGateway) return new Response("<html>hello</html>", { status: 200, headers: { "content-type": "text/html" } });
      const auth = new Headers(init?.headers).get("authorization");
      if (auth !== `Bearer ${SERVER_TOKEN}`) {
        return Response.json({ kind: "unauthenticated", message: "a valid bearer token is required" }, { status: 401 });
      }
      if (url.endsWith("/v1/commands/get_health")) return Response.json(health);
      if (url.endsWith("/v1/commands/list_sessions")) return Response.json([]);
      return Response.json({ kind: "notFound", message: "no such command here" }, { status: 404 });
    },
  };
  return server;
}
