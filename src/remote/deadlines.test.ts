import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  COMMAND_TIMEOUT_MS,
  EVENTS_CONNECT_TIMEOUT_MS,
  EVENTS_KEEP_ALIVE_MS,
  EVENTS_SILENCE_TIMEOUT_MS,
  RequestTimeout,
  SLOW_COMMAND_TIMEOUT_MS,
  withDeadlines,
} from "./deadlines";

const BASE = "http://127.0.0.1:4242";

/** A fetch whose requests never get an answer; it keeps the signals it was given. */
function silentNetwork(options: { honoursSignal: boolean }) {
  const signals: AbortSignal[] = [];
  const fetch: typeof globalThis.fetch = (_input, init) => {
    const signal = init?.signal ?? undefined;
    if (signal) signals.push(signal);
    return new Promise<Response>((_, reject) => {
      if (options.honoursSignal) signal?.addEventListener("abort", () => reject(signal.reason));
    });
  };
  return { fetch, signals };
}

/** Settles `promise` into what it did, so a test can look at it without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

/** An event stream the test writes into, as the gateway sends one. */
function streamingNetwork() {
  const encoder = new TextEncoder();
  let writer: ReadableStreamDefaultController<Uint8Array> | null = null;
  let upstreamSignal: AbortSignal | null = null;
  let cancelled: unknown = null;
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    upstreamSignal = init?.signal ?? null;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void (writer = c),
      cancel: (reason) => void (cancelled = reason ?? "cancelled"),
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  };
  return {
    fetch,
    send: (text: string) => writer?.enqueue(encoder.encode(text)),
    upstream: () => upstreamSignal,
    cancelled: () => cancelled,
  };
}

/** Reads `response`'s body to its end (or its error) in the background. */
function drain(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const state = { text: "", error: null as unknown, done: false };
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        state.text += decoder.decode(value, { stream: true });
      }
    } catch (e) {
      state.error = e;
    }
    state.done = true;
  })();
  return state;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("command deadlines", () => {
  it("fails a command the server never answers after COMMAND_TIMEOUT_MS, not before, and ends the request", async () => {
    const network = silentNetwork({ honoursSignal: true });
    const call = track(withDeadlines(network.fetch)(`${BASE}/v1/commands/list_sessions`, { method: "POST" }));
    await vi.advanceTimersByTimeAsync(COMMAND_TIMEOUT_MS - 1);
    expect(call.settled).toBe(false);
    expect(network.signals[0]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(call.error).toBeInstanceOf(RequestTimeout);
    expect(String((call.error as Error).message)).toBe("list_sessions: the server did not answer within 10 s");
    expect(network.signals[0]?.aborted).toBe(true);
  });

  it("fails it too when the fetch ignores its signal and never settles", async () => {
    const network = silentNetwork({ honoursSignal: false });
    const call = track(withDeadlines(network.fetch)(`${BASE}/v1/commands/get_health`, { method: "POST" }));
    await vi.advanceTimersByTimeAsync(COMMAND_TIMEOUT_MS);
    expect(call.error).toBeInstanceOf(RequestTimeout);
  });

  it("gives commands that wait for a model or move a history the long deadline", async () => {
    const network = silentNetwork({ honoursSignal: true });
    const send = track(withDeadlines(network.fetch)(`${BASE}/v1/commands/send_message`, { method: "POST" }));
    const compact = track(withDeadlines(network.fetch)(`${BASE}/v1/commands/compact_session`, { method: "POST" }));
    await vi.advanceTimersByTimeAsync(COMMAND_TIMEOUT_MS * 3);
    expect(send.settled).toBe(false);
    expect(compact.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(SLOW_COMMAND_TIMEOUT_MS - COMMAND_TIMEOUT_MS * 3);
    expect(send.error).toBeInstanceOf(RequestTimeout);
    expect(compact.error).toBeInstanceOf(RequestTimeout);
  });

  it("counts a body that stalls after the headers against the deadline", async () => {
    const stalled: typeof fetch = async () => new Response(new ReadableStream({ start: () => undefined }), { status: 200 });
    const call = track(withDeadlines(stalled)(`${BASE}/v1/commands/get_config`, { method: "POST" }));
    await vi.advanceTimersByTimeAsync(COMMAND_TIMEOUT_MS);
    expect(call.error).toBeInstanceOf(RequestTimeout);
  });

  it("passes an answer in time through unchanged, and leaves no timer behind", async () => {
    const network: typeof fetch = async () => Response.json({ kind: "notFound", message: "no" }, { status: 404, statusText: "Not Found" });
    const response = await withDeadlines(network)(`${BASE}/v1/commands/get_session`, { method: "POST" });
    expect(response.status).toBe(404);
    expect(response.statusText).toBe("Not Found");
    expect(response.headers.get("content-type")).toMatch(/json/);
    expect(await response.json()).toEqual({ kind: "notFound", message: "no" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("lets the caller abort, which is no timeout", async () => {
    const network = silentNetwork({ honoursSignal: true });
    const caller = new AbortController();
    const call = track(withDeadlines(network.fetch)(`${BASE}/v1/commands/get_health`, { method: "POST", signal: caller.signal }));
    caller.abort(new DOMException("closed", "AbortError"));
    await vi.advanceTimersByTimeAsync(0);
    expect(call.error).toBeInstanceOf(DOMException);
    expect(network.signals[0]?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("event stream deadlines", () => {
  it("fails an event stream that is never opened after EVENTS_CONNECT_TIMEOUT_MS", async () => {
    const network = silentNetwork({ honoursSignal: true });
    const open = track(withDeadlines(network.fetch)(`${BASE}/v1/events`, { signal: new AbortController().signal }));
    await vi.advanceTimersByTimeAsync(EVENTS_CONNECT_TIMEOUT_MS - 1);
    expect(open.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(open.error).toBeInstanceOf(RequestTimeout);
    expect(network.signals[0]?.aborted).toBe(true);
  });

  it("keeps a stream open for as long as keep-alives come, however long that is", async () => {
    const network = streamingNetwork();
    const onStreamSilent = vi.fn();
    const response = await withDeadlines(network.fetch, { onStreamSilent })(`${BASE}/v1/events`, { signal: new AbortController().signal });
    const body = drain(response);
    for (let i = 0; i < 20; i++) {
      await vi.advanceTimersByTimeAsync(EVENTS_KEEP_ALIVE_MS);
      network.send(":\n\n");
    }
    network.send("event: stream-chunk\ndata: {}\n\n");
    await vi.advanceTimersByTimeAsync(EVENTS_SILENCE_TIMEOUT_MS - 1);
    expect(body.done).toBe(false);
    expect(body.text).toContain("event: stream-chunk");
    expect(onStreamSilent).not.toHaveBeenCalled();
    expect(network.upstream()?.aborted).toBe(false);
  });

  it("fails a stream that goes silent for three keep-alive intervals, and says so", async () => {
    const network = streamingNetwork();
    const onStreamSilent = vi.fn();
    const response = await withDeadlines(network.fetch, { onStreamSilent })(`${BASE}/v1/events`, { signal: new AbortController().signal });
    const body = drain(response);
    network.send(":\n\n");
    await vi.advanceTimersByTimeAsync(EVENTS_SILENCE_TIMEOUT_MS - 1);
    expect(onStreamSilent).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(body.done).toBe(true);
    expect(body.error).toBeInstanceOf(RequestTimeout);
    expect(onStreamSilent).toHaveBeenCalledTimes(1);
    // The request underneath is ended, not left open.
    expect(network.upstream()?.aborted).toBe(true);
    expect(network.cancelled()).toBeInstanceOf(RequestTimeout);
  });

  it("a stream closed on purpose is not silent", async () => {
    const network = streamingNetwork();
    const onStreamSilent = vi.fn();
    const caller = new AbortController();
    const response = await withDeadlines(network.fetch, { onStreamSilent })(`${BASE}/v1/events`, { signal: caller.signal });
    const reader = response.body!.getReader();
    caller.abort();
    await reader.cancel();
    expect(network.upstream()?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(EVENTS_SILENCE_TIMEOUT_MS * 2);
    expect(onStreamSilent).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("hands a refused stream back as it came", async () => {
    const network: typeof fetch = async () => Response.json({ kind: "unauthenticated", message: "token" }, { status: 401 });
    const response = await withDeadlines(network)(`${BASE}/v1/events?sessionId=x`, {});
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ kind: "unauthenticated" });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("the keep-alive the silence rule counts on", () => {
  it("is the gateway's", () => {
    const source = readFileSync(path.resolve(__dirname, "../../crates/clawdesk-gateway/src/events.rs"), "utf8");
    const seconds = /const EVENTS_KEEP_ALIVE: Duration = Duration::from_secs\((\d+)\);/.exec(source)?.[1];
    expect(seconds, "EVENTS_KEEP_ALIVE is no longer in crates/clawdesk-gateway/src/events.rs").toBeDefined();
    expect(Number(seconds) * 1000).toBe(EVENTS_KEEP_ALIVE_MS);
    expect(source).toContain(".keep_alive(KeepAlive::new().interval(EVENTS_KEEP_ALIVE))");
  });
});
