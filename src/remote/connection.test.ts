import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRoot } from "solid-js";
import { mockCommands, type CommandMock } from "../../bindings/mock";
import { config } from "../test/fixtures";
import { fakeServer, SERVER_TOKEN, SERVER_URL, type FakeServer } from "../test/fakeServer";
import { createServerConnection, type ServerConnection } from "./connection";
import { COMMAND_TIMEOUT_MS, EVENTS_KEEP_ALIVE_MS, EVENTS_SILENCE_TIMEOUT_MS } from "./deadlines";
import * as transport from "../transport";

/** The local backend's remote settings, as the IPC mock keeps them. */
function localBackend(stored: { url: string | null; token: string | null }): CommandMock {
  return mockCommands({
    getConfig: () => ({ ...config(), remote: { url: stored.url, tokenSet: stored.token !== null } }),
    getRemoteToken: () => stored.token,
    updateConfig: ({ key, value }) => {
      if (key === "remote.url") stored.url = value as string | null;
      else if (key === "remote.token") stored.token = value as string | null;
      else throw new Error(`unexpected key ${key}`);
      return null;
    },
  });
}

let server: FakeServer;
let connection: ServerConnection;
let dispose: () => void;

beforeEach(() => {
  server = fakeServer();
  createRoot((d) => {
    dispose = d;
    connection = createServerConnection({ fetch: server.fetch, retryDelaysMs: [100, 200, 400] });
  });
});

afterEach(() => {
  dispose();
  transport.useLocalBackend();
  vi.useRealTimers();
});

describe("the window's server connection", () => {
  it("connects after one check, stores the choice (the token as a secret) and switches the transport", async () => {
    const stored = { url: null, token: null };
    const local = localBackend(stored);
    const check = await connection.connect(`${SERVER_URL}/`, SERVER_TOKEN);
    expect(check.ok).toBe(true);
    expect(stored).toEqual({ url: SERVER_URL, token: SERVER_TOKEN });
    expect(local.callsOf("updateConfig").map((c) => c.key)).toEqual(["remote.token", "remote.url"]);
    expect(transport.transport).toBe("http");
    expect(connection.server()).toBe(SERVER_URL);
    expect(connection.generation()).toBe(1);
    // Later calls go to the server, not the local backend.
    await transport.commands.listSessions();
    expect(server.requests.at(-1)).toBe("/v1/commands/list_sessions");
    expect(local.callsOf("listSessions")).toEqual([]);
  });

  it("changes nothing when the check fails", async () => {
    const stored = { url: null, token: null };
    localBackend(stored);
    const check = await connection.connect(SERVER_URL, "wrong");
    expect(check).toMatchObject({ ok: false, problem: "wrongToken" });
    expect(stored).toEqual({ url: null, token: null });
    expect(transport.transport).toBe("ipc");
    expect(connection.server()).toBeNull();
    expect(connection.generation()).toBe(0);
  });

  it("goes back to this computer and forgets the server", async () => {
    const stored = { url: null, token: null };
    localBackend(stored);
    await connection.connect(SERVER_URL, SERVER_TOKEN);
    expect(await connection.useThisComputer()).toBeNull();
    expect(stored).toEqual({ url: null, token: null });
    expect(transport.transport).toBe("ipc");
    expect(connection.server()).toBeNull();
    expect(connection.generation()).toBe(2);
  });

  it("resumes the server stored last time, and stays local when none is", async () => {
    localBackend({ url: null, token: null });
    await connection.resume();
    expect(transport.transport).toBe("ipc");

    localBackend({ url: SERVER_URL, token: SERVER_TOKEN });
    await connection.resume();
    expect(transport.transport).toBe("http");
    expect(connection.server()).toBe(SERVER_URL);
    const health = await transport.commands.getHealth();
    expect(health.status).toBe("ok");
  });

  it("goes offline when the server stops answering, retries with growing pauses, and comes back by itself", async () => {
    localBackend({ url: null, token: null });
    await connection.connect(SERVER_URL, SERVER_TOKEN);
    vi.useFakeTimers();
    server.up = false;
    server.requests.length = 0;
    const failed = await transport.commands.listSessions();
    expect(failed.status).toBe("error");
    expect(connection.offline()).toBe(true);
    const before = connection.generation();

    await vi.advanceTimersByTimeAsync(99);
    expect(server.requests).toEqual(["/v1/commands/list_sessions"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests.length).toBe(2); // first retry after 100 ms
    await vi.advanceTimersByTimeAsync(199);
    expect(server.requests.length).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests.length).toBe(3); // then after 200 ms
    await vi.advanceTimersByTimeAsync(400);
    expect(server.requests.length).toBe(4); // then 400 ms
    await vi.advanceTimersByTimeAsync(400);
    expect(server.requests.length).toBe(5); // and 400 ms from then on
    expect(connection.offline()).toBe(true);

    server.up = true;
    await vi.advanceTimersByTimeAsync(400);
    expect(connection.offline()).toBe(false);
    // Everything shown is read again from the server.
    expect(connection.generation()).toBe(before + 1);
    const count = server.requests.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(server.requests.length).toBe(count); // no more retries
  });

  it("goes offline when the server accepts requests but never answers, and comes back when it answers again", async () => {
    localBackend({ url: null, token: null });
    await connection.connect(SERVER_URL, SERVER_TOKEN);
    vi.useFakeTimers();
    server.hung = true;
    server.requests.length = 0;
    let result: Awaited<ReturnType<typeof transport.commands.listSessions>> | null = null;
    void transport.commands.listSessions().then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(COMMAND_TIMEOUT_MS - 1);
    expect(result).toBeNull();
    expect(connection.offline()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    // No answer in time is treated as no answer at all.
    expect(connection.offline()).toBe(true);
    expect(result).toMatchObject({ status: "error", error: { kind: "internal" } });
    expect(JSON.stringify(result)).toContain("did not answer within 10 s");
    const before = connection.generation();

    // Retries wait their pause, then (the server still hung) their deadline.
    await vi.advanceTimersByTimeAsync(100);
    expect(server.requests).toEqual(["/v1/commands/list_sessions", "/v1/commands/get_health"]);
    await vi.advanceTimersByTimeAsync(COMMAND_TIMEOUT_MS + 199);
    expect(server.requests.length).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests.length).toBe(3); // the next try, 200 ms after the first gave up
    expect(connection.offline()).toBe(true);

    server.hung = false;
    await vi.advanceTimersByTimeAsync(COMMAND_TIMEOUT_MS + 400);
    expect(connection.offline()).toBe(false);
    expect(connection.generation()).toBe(before + 1);
    const count = server.requests.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.requests.length).toBe(count); // no more retries
  });

  it("goes offline when the event stream falls silent, and reopens it when the server is back", async () => {
    localBackend({ url: null, token: null });
    await connection.connect(SERVER_URL, SERVER_TOKEN);
    vi.useFakeTimers();
    const unlisten = await transport.events.streamChunk.listen(() => undefined);
    expect(server.openStreams()).toBe(1);
    // Keep-alives keep an idle stream, and the window, online.
    for (let i = 0; i < 8; i++) {
      await vi.advanceTimersByTimeAsync(EVENTS_KEEP_ALIVE_MS);
      server.keepAlive();
    }
    expect(connection.offline()).toBe(false);

    // The server hangs: no more keep-alives, and new requests get no answer.
    server.hung = true;
    await vi.advanceTimersByTimeAsync(EVENTS_SILENCE_TIMEOUT_MS - 1);
    expect(connection.offline()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(connection.offline()).toBe(true);
    expect(server.openStreams()).toBe(0); // the silent stream was ended

    server.hung = false;
    await vi.advanceTimersByTimeAsync(COMMAND_TIMEOUT_MS + 1000);
    expect(connection.offline()).toBe(false);
    expect(server.openStreams()).toBe(1); // reopened by itself
    unlisten();
  });

  it("an HTTP error is an answer, not an outage", async () => {
    localBackend({ url: null, token: null });
    await connection.connect(SERVER_URL, SERVER_TOKEN);
    const result = await transport.commands.getMessages("sess_x" as never, null);
    expect(result.status).toBe("error");
    expect(connection.offline()).toBe(false);
  });

  it("a switch ends the retries of the old connection", async () => {
    localBackend({ url: null, token: null });
    await connection.connect(SERVER_URL, SERVER_TOKEN);
    vi.useFakeTimers();
    server.up = false;
    await transport.commands.listSessions();
    expect(connection.offline()).toBe(true);
    await connection.useThisComputer();
    expect(connection.offline()).toBe(false);
    server.requests.length = 0;
    await vi.advanceTimersByTimeAsync(5000);
    expect(server.requests).toEqual([]);
  });
});
