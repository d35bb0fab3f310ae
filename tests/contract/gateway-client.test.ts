// The generated gateway client (bindings/gateway.ts) against an in-process
// fake `fetch` that speaks the gateway's wire format
// (../shared/spec/ipc-contract.md, "Additions of the second wave").
import { describe, expect, it } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";
import { commands, type SessionId, type StreamChunk, type StreamEnd } from "../../bindings/bindings";
import { createGatewayClient, createSseParser } from "../../bindings/gateway";

const baseUrl = "http://127.0.0.1:18789/";
const token = "t0ken";
const sessionId = "sess_01JC0NTRACT000000000000001" as SessionId;

type Seen = { url: string; init: RequestInit | undefined };

/** A fake `fetch` answering every request with `answer`, recording what it was sent. */
function fakeFetch(answer: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    seen.push({ url, init });
    return answer(url, init);
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("gateway client commands", () => {
  it("calls every command as the window does: same name, same named arguments", async () => {
    const ipcCalls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, payload) => {
      ipcCalls.push({ cmd, args: payload ?? {} });
      return null;
    });
    const { fetch, seen } = fakeFetch(() => json(200, null));
    const gateway = createGatewayClient({ baseUrl, token, fetch });
    const names = Object.keys(commands) as (keyof typeof commands)[];
    expect(Object.keys(gateway.commands).sort()).toEqual([...names].sort());
    for (const name of names) {
      const ipc = commands[name] as (...args: unknown[]) => Promise<unknown>;
      const http = gateway.commands[name] as (...args: unknown[]) => Promise<unknown>;
      expect(http.length, name).toBe(ipc.length);
      const args = Array.from({ length: ipc.length }, (_, i) => `${name}-arg${i}`);
      await ipc(...args);
      expect(await http(...args)).toEqual({ status: "ok", data: null });
      const window = ipcCalls.at(-1)!;
      const request = seen.at(-1)!;
      expect(request.url).toBe(`http://127.0.0.1:18789/v1/commands/${window.cmd}`);
      expect(JSON.parse(String(request.init?.body))).toEqual(window.args);
    }
  });

  it("decodes a success as {status: ok} with the result JSON", async () => {
    const session = { id: sessionId, channelId: "gateway", model: "ollama/llama3.2" };
    const { fetch, seen } = fakeFetch(() => json(200, session));
    const { commands: http } = createGatewayClient({ baseUrl, token, fetch });
    expect(await http.getSession(sessionId)).toEqual({ status: "ok", data: session });
    const init = seen[0]!.init!;
    expect(init.method).toBe("POST");
    expect(init.headers).toMatchObject({ authorization: "Bearer t0ken", "content-type": "application/json" });
    expect(JSON.parse(String(init.body))).toEqual({ sessionId });
  });

  it("decodes an AppError with a 4xx status as {status: error}", async () => {
    const error = { kind: "sessionNotFound", message: `no session ${sessionId}`, sessionId };
    const { fetch } = fakeFetch(() => json(404, error));
    const { commands: http } = createGatewayClient({ baseUrl, token, fetch });
    expect(await http.getMessages(sessionId, 10)).toEqual({ status: "error", error });
  });

  it("decodes 401 unauthenticated as a typed error", async () => {
    const error = { kind: "unauthenticated", message: "unauthenticated" };
    const { fetch } = fakeFetch(() => json(401, error));
    const { commands: http } = createGatewayClient({ baseUrl, token: "wrong", fetch });
    expect(await http.listSessions()).toEqual({ status: "error", error });
  });

  it("turns a transport failure into a typed internal error, not a throw", async () => {
    const fetch = (async () => {
      throw new TypeError("fetch failed: ECONNREFUSED");
    }) as typeof globalThis.fetch;
    const { commands: http } = createGatewayClient({ baseUrl, token, fetch });
    const result = await http.getHealth();
    expect(result.status).toBe("error");
    if (result.status === "error") {
      expect(result.error.kind).toBe("internal");
      expect(result.error.message).toContain("ECONNREFUSED");
    }
  });

  it("turns a non-JSON answer (a proxy's error page) into a typed internal error", async () => {
    const { fetch } = fakeFetch(() => new Response("<html>Bad Gateway</html>", { status: 502 }));
    const { commands: http } = createGatewayClient({ baseUrl, token, fetch });
    const result = await http.getConfig();
    expect(result).toMatchObject({ status: "error", error: { kind: "internal" } });
    if (result.status === "error") expect(result.error.message).toContain("HTTP 502");
  });

  it("turns JSON that is not an AppError on a failure status into an internal error", async () => {
    const { fetch } = fakeFetch(() => json(500, { oops: true }));
    const { commands: http } = createGatewayClient({ baseUrl, token, fetch });
    expect(await http.getModels()).toMatchObject({ status: "error", error: { kind: "internal" } });
  });
});

/** An SSE response whose body arrives in exactly these chunks; ends when `signal` aborts, or at once for `null`. */
function sseResponse(chunks: string[], signal: AbortSignal | null | undefined) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (signal === null) controller.close();
      signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
}

describe("gateway client events", () => {
  const messageId = "msg_01JC0NTRACT000000000000001";
  const chunk: StreamChunk = { sessionId, messageId, content: "Hel\nlo", index: 0 } as StreamChunk;
  const end = { sessionId, messageId, usage: { inputTokens: 3, outputTokens: 2 } } as unknown as StreamEnd;
  const wire = `event: stream-chunk\r\ndata: ${JSON.stringify(chunk)}\r\n\r\n:\n\nevent: stream-end\ndata: ${JSON.stringify(end)}\n\n`;

  it("parses two events split across chunks, mid-line and mid-CRLF", async () => {
    // Cut inside the first event's data, between its \r and \n, and inside the second's name.
    const cuts = [20, wire.indexOf("\r\n\r\n") + 1, wire.indexOf("stream-end") + 4];
    const chunks = [0, ...cuts].map((from, i) => wire.slice(from, [...cuts, wire.length][i]));
    expect(chunks.join("")).toBe(wire);
    let signal: AbortSignal | null | undefined;
    const { fetch, seen } = fakeFetch((_, init) => {
      signal = init?.signal;
      return sseResponse(chunks, signal);
    });
    const { events } = createGatewayClient({ baseUrl, token, fetch, sessionId });
    const chunks_: unknown[] = [];
    const ends: unknown[] = [];
    const ended = new Promise<void>((resolve) => {
      void events.streamEnd.listen((e) => {
        ends.push(e);
        resolve();
      });
    });
    const unlisten = await events.streamChunk.listen((e) => chunks_.push(e));
    await ended;
    expect(chunks_).toEqual([{ event: "stream-chunk", id: 0, payload: chunk }]);
    expect(ends).toEqual([{ event: "stream-end", id: 1, payload: end }]);
    // One stream for both listeners, filtered by session, with the bearer token.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe(`http://127.0.0.1:18789/v1/events?sessionId=${sessionId}`);
    expect(seen[0]!.init?.headers).toMatchObject({ authorization: "Bearer t0ken", accept: "text/event-stream" });
    expect(signal?.aborted).toBe(false);
    unlisten();
    expect(signal?.aborted).toBe(false); // streamEnd still listens
  });

  it("closes the stream when the last listener leaves; once unlistens itself", async () => {
    let signal: AbortSignal | null | undefined;
    const { fetch } = fakeFetch((_, init) => {
      signal = init?.signal;
      return sseResponse([wire], signal);
    });
    const { events } = createGatewayClient({ baseUrl, token, fetch });
    const got = new Promise<unknown>((resolve) => void events.streamChunk.once((e) => resolve(e.payload)));
    expect(await got).toEqual(chunk);
    await Promise.resolve();
    expect(signal?.aborted).toBe(true);
  });
});

describe("gateway client events, refused", () => {
  it("rejects listen when the gateway refuses the token, and does not retry", async () => {
    const { fetch, seen } = fakeFetch(() => json(401, { kind: "unauthenticated", message: "unauthenticated" }));
    const { events } = createGatewayClient({ baseUrl, token: "wrong", fetch, reconnectDelayMs: 1 });
    await expect(events.streamChunk.listen(() => {})).rejects.toThrow("unauthenticated");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toHaveLength(1);
  });

  it("rejects listen when the gateway cannot be reached", async () => {
    const fetch = (async () => {
      throw new TypeError("fetch failed: ECONNREFUSED");
    }) as typeof globalThis.fetch;
    const { events } = createGatewayClient({ baseUrl, token, fetch });
    await expect(events.streamEnd.once(() => {})).rejects.toThrow("ECONNREFUSED");
  });

  it("reopens a stream that broke after it was open", async () => {
    let opened = 0;
    const { fetch } = fakeFetch((_, init) => {
      opened += 1;
      // The first stream ends at once (the gateway restarted); the second carries the event.
      return opened === 1 ? sseResponse([], null) : sseResponse([wireChunk], init?.signal);
    });
    const { events, close } = createGatewayClient({ baseUrl, token, fetch, reconnectDelayMs: 1 });
    const got = new Promise<unknown>((resolve) => void events.streamChunk.listen((e) => resolve(e.payload)));
    expect(await got).toEqual(JSON.parse(wireChunk.split("data: ")[1]!));
    expect(opened).toBe(2);
    close();
  });
});

const wireChunk = `event: stream-chunk\ndata: ${JSON.stringify({ sessionId, messageId: "msg_01JC0NTRACT000000000000002", content: "again", index: 0 })}\n\n`;

describe("createSseParser", () => {
  it("joins multi-line data, skips comments, and ignores events without data", () => {
    const got: [string, string][] = [];
    const parser = createSseParser((name, data) => got.push([name, data]));
    for (const c of ": keep-alive\n\nevent: a\ndata: 1\ndata:2\n\nevent: b\n\ndata: x\r\r\n") parser.push(c);
    expect(got).toEqual([
      ["a", "1\n2"],
      ["message", "x"],
    ]);
  });
});
