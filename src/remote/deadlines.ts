// How long the window waits for a ClawDesk server. A server that is down
// fails a request at once (connection refused), but one that accepts the
// connection and never answers (a hung process, a proxy whose upstream
// hangs, a connection left half-open by a sleeping laptop or a dropped
// VPN) leaves requests pending forever, and the window would never learn
// that it is offline. So every request to the server runs under a
// deadline; a missed one fails the request with `RequestTimeout`, which the
// server connection (connection.ts) counts as a network error.

/**
 * A command's deadline, from sending it to the last byte of its answer.
 * Commands answer from the server's database or config in milliseconds;
 * the slowest of the ordinary ones (get_health, get_models) wait for the
 * providers' reachability probe, which is bounded by a few seconds. Ten
 * seconds without an answer is a server that does not answer.
 */
export const COMMAND_TIMEOUT_MS = 10_000;

/**
 * Commands whose answer legitimately takes long: they wait for a whole
 * model reply (send_message, compact_session) or move a whole history
 * (the archive commands). A hung server is noticed sooner by the event
 * stream and by the other commands; these still get a deadline, so that
 * a dead connection does not hold them forever.
 */
export const SLOW_COMMANDS: ReadonlySet<string> = new Set([
  "send_message",
  "compact_session",
  "export_session",
  "export_all_sessions",
  "import_archive",
]);
export const SLOW_COMMAND_TIMEOUT_MS = 10 * 60_000;

/**
 * The gateway's event stream (`GET /v1/events`) sends a keep-alive comment
 * after this long without an event (`EVENTS_KEEP_ALIVE` in
 * crates/clawdesk-gateway/src/events.rs).
 */
export const EVENTS_KEEP_ALIVE_MS = 15_000;

/**
 * An event stream with no byte at all (no event, no keep-alive) for three
 * keep-alive intervals has lost its server. Three rather than one, so that
 * a keep-alive delayed by a busy server or a slow network is not taken
 * for an outage.
 */
export const EVENTS_SILENCE_TIMEOUT_MS = 3 * EVENTS_KEEP_ALIVE_MS;

/**
 * Opening the event stream: the gateway sends the response headers at once
 * (the events follow in the body), so it gets a command's deadline.
 */
export const EVENTS_CONNECT_TIMEOUT_MS = COMMAND_TIMEOUT_MS;

/** A request to the server that missed its deadline. */
export class RequestTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: the server did not answer within ${ms / 1000} s`);
    this.name = "RequestTimeout";
  }
}

export interface DeadlineOptions {
  /** Called when an open event stream goes silent (its body then fails with `RequestTimeout`). */
  onStreamSilent?: (error: RequestTimeout) => void;
}

function pathOf(input: RequestInfo | URL): string {
  const text = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  try {
    return new URL(text).pathname;
  } catch {
    return text.split("?")[0] ?? text;
  }
}

/** `controller` aborts with `signal` (the caller closing on purpose); returns the unhook. */
function follow(signal: AbortSignal | null | undefined, controller: AbortController): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const abort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", abort, { once: true });
  return () => signal.removeEventListener("abort", abort);
}

/**
 * After `ms`: `expired` rejects with a `RequestTimeout` and `controller`
 * aborts (ending the real request). It rejects first, so the caller sees
 * the timeout, not the abort error the aborted fetch throws, and a fake
 * fetch that ignores its signal cannot hold the caller either.
 */
function deadline(ms: number, what: string, controller: AbortController) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new RequestTimeout(what, ms);
      reject(error);
      controller.abort(error);
    }, ms);
  });
  return { expired, stop: () => clearTimeout(timer) };
}

/** Statuses whose response may not carry a body (`new Response` refuses one). */
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

async function command(network: typeof fetch, input: RequestInfo | URL, init: RequestInit | undefined, name: string): Promise<Response> {
  const ms = SLOW_COMMANDS.has(name) ? SLOW_COMMAND_TIMEOUT_MS : COMMAND_TIMEOUT_MS;
  const controller = new AbortController();
  const unhook = follow(init?.signal, controller);
  const { expired, stop } = deadline(ms, name, controller);
  const answer = async () => {
    const response = await network(input, { ...init, signal: controller.signal });
    // The answer is a small JSON document: read it whole under the
    // deadline, so a server that sends headers and then stalls is caught too.
    const body = NULL_BODY_STATUS.has(response.status) ? null : await response.arrayBuffer();
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  try {
    return await Promise.race([answer(), expired]);
  } finally {
    stop();
    unhook();
  }
}

/**
 * `source` as is, failing with a `RequestTimeout` (and `silent` called)
 * when no chunk arrives for `ms`; `finished` runs once the stream ends in
 * any way.
 */
function watchSilence(
  source: ReadableStream<Uint8Array>,
  ms: number,
  silent: (error: RequestTimeout) => void,
  finished: () => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let over = false;
  const end = () => {
    over = true;
    clearTimeout(timer);
    finished();
  };
  let arm = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          if (over) return;
          const error = new RequestTimeout("the event stream", ms);
          end();
          controller.error(error);
          reader.cancel(error).catch(() => undefined);
          silent(error);
        }, ms);
      };
      arm();
    },
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (!over) {
          end();
          controller.error(e);
        }
        return;
      }
      if (over) return;
      if (chunk.done) {
        end();
        controller.close();
        return;
      }
      // Any byte, an event or a keep-alive, shows the server is there.
      arm();
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
}

async function eventStream(network: typeof fetch, input: RequestInfo | URL, init: RequestInit | undefined, options: DeadlineOptions): Promise<Response> {
  const controller = new AbortController();
  // Kept while the stream lives: the caller closes the stream with its signal.
  const unhook = follow(init?.signal, controller);
  const { expired, stop } = deadline(EVENTS_CONNECT_TIMEOUT_MS, "opening the event stream", controller);
  let response: Response;
  try {
    response = await Promise.race([network(input, { ...init, signal: controller.signal }), expired]);
  } catch (e) {
    unhook();
    throw e;
  } finally {
    stop();
  }
  if (!response.ok || !response.body) {
    unhook();
    return response;
  }
  const silent = (error: RequestTimeout) => {
    controller.abort(error);
    options.onStreamSilent?.(error);
  };
  const body = watchSilence(response.body, EVENTS_SILENCE_TIMEOUT_MS, silent, unhook);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * `network` with the deadlines above: commands (`/v1/commands/<name>`) by
 * their name, the event stream (`/v1/events`) by its opening and its
 * silences, anything else as an ordinary command.
 */
export function withDeadlines(network: typeof fetch, options: DeadlineOptions = {}): typeof fetch {
  return (input, init) => {
    const path = pathOf(input);
    if (path.endsWith("/v1/events")) return eventStream(network, input, init, options);
    const name = /\/v1\/commands\/([^/]+)$/.exec(path)?.[1] ?? path;
    return command(network, input, init, name);
  };
}
