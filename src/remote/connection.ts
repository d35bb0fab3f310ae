// The app window's choice of backend: this computer (Tauri IPC) or a
// ClawDesk server (the gateway client), kept across launches in the local
// config (`remote.url`) and secret store (`remote.token`), and, while on a
// server, whether that server answers.
//
// Every request to the server goes through `watch`: a request that gets no
// answer at all (a network error, not an HTTP error) means the server is
// unreachable, and so does one that gets no answer in time (a server that
// accepts connections but never answers; deadlines.ts says how long each
// request waits, and when a silent event stream counts as lost); the window
// then says so and asks again with growing pauses, and the first answer (to
// a retry, or to the event stream reconnecting) brings it back. `generation` changes whenever the window must reload
// everything it shows from the backend: a switch, or a recovery.
import { createSignal } from "solid-js";
import { commands, connectGateway, localCommands, useLocalBackend } from "../transport";
import { RequestTimeout, withDeadlines } from "./deadlines";
import { checkServer, type ServerCheck } from "./serverCheck";

/** Pauses between retries while the server does not answer; the last repeats. */
export const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];

export interface ServerConnectionOptions {
  /** The network under the gateway client (tests pass a fake). */
  fetch?: typeof fetch;
  retryDelaysMs?: readonly number[];
}

export type ServerConnection = ReturnType<typeof createServerConnection>;

function isAbort(init: RequestInit | undefined, e: unknown): boolean {
  return init?.signal?.aborted === true || (e instanceof DOMException && e.name === "AbortError");
}

export function createServerConnection(options: ServerConnectionOptions = {}) {
  const network: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  /** The server's address while the window works through one; `null` on this computer. */
  const [server, setServer] = createSignal<string | null>(null);
  const [offline, setOffline] = createSignal(false);
  const [generation, setGeneration] = createSignal(0);
  const reload = () => setGeneration((n) => n + 1);

  /** Which connection a request belongs to: answers of an older one are ignored. */
  let epoch = 0;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const stopRetrying = () => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
  };

  const answered = (mine: number) => {
    if (mine !== epoch || !offline()) return;
    stopRetrying();
    setOffline(false);
    // Calls and events missed meanwhile: everything is read again.
    reload();
  };

  const unreachable = (mine: number) => {
    if (mine !== epoch || offline()) return;
    setOffline(true);
    attempt = 0;
    scheduleRetry(mine);
  };

  const scheduleRetry = (mine: number) => {
    stopRetrying();
    const delay = delays[Math.min(attempt, delays.length - 1)];
    attempt += 1;
    retryTimer = setTimeout(() => {
      if (mine !== epoch || !offline()) return;
      // Any answer (`watch` sees it) ends the offline state; none, and the
      // next try waits longer.
      void commands.getHealth().then(() => {
        if (mine === epoch && offline()) scheduleRetry(mine);
      });
    }, delay);
  };

  /**
   * The fetch the gateway client uses: every request of connection `mine`,
   * under its deadline, reports whether it got an answer in time.
   */
  const watch = (mine: number): typeof fetch => {
    const timed = withDeadlines(network, { onStreamSilent: () => unreachable(mine) });
    return async (input, init) => {
      try {
        const response = await timed(input, init);
        answered(mine);
        return response;
      } catch (e) {
        // A request closed on purpose (the event stream when its last
        // listener goes) says nothing about the server; a missed deadline does.
        if (e instanceof RequestTimeout || !isAbort(init, e)) unreachable(mine);
        throw e;
      }
    };
  };

  /** Switches the transport to the server at `url` (no check: see `connect`). */
  const use = (url: string, token: string) => {
    epoch += 1;
    stopRetrying();
    setOffline(false);
    connectGateway(token, url, watch(epoch));
    setServer(url);
  };

  return {
    server,
    /** The server stopped answering; retries run until it answers again. */
    offline,
    /** Changes when everything shown must be read again from the backend. */
    generation,

    /**
     * On launch: back to the server chosen last time, if any (even when it
     * does not answer now: the window then shows it offline and retries).
     */
    async resume(): Promise<void> {
      const config = await localCommands.getConfig();
      if (config.status !== "ok" || !config.data.remote.url || !config.data.remote.tokenSet) return;
      const token = await localCommands.getRemoteToken();
      if (token.status !== "ok" || !token.data) return;
      use(config.data.remote.url, token.data);
      reload();
    },

    /**
     * Checks `url` + `token` with one call; on success stores them (the
     * token in the secret store) and switches to the server. On failure
     * nothing changes and the check says why.
     */
    async connect(url: string, token: string): Promise<ServerCheck> {
      const check = await checkServer(url, token, network);
      if (!check.ok) return check;
      const secret = token.trim();
      const saved = await localCommands.updateConfig("remote.token", secret);
      if (saved.status === "error") return { ok: false, problem: "refused", message: `The token could not be stored: ${saved.error.message}` };
      const savedUrl = await localCommands.updateConfig("remote.url", check.url);
      if (savedUrl.status === "error") return { ok: false, problem: "refused", message: `The address could not be stored: ${savedUrl.error.message}` };
      use(check.url, secret);
      reload();
      return check;
    },

    /** Back to this computer's own data; the server's address and token are forgotten. */
    async useThisComputer(): Promise<string | null> {
      const cleared = await localCommands.updateConfig("remote.url", null);
      if (cleared.status === "error") return cleared.error.message;
      // The address is gone, so a token left behind (a failure here) is unused.
      await localCommands.updateConfig("remote.token", null);
      epoch += 1;
      stopRetrying();
      setOffline(false);
      useLocalBackend();
      setServer(null);
      reload();
      return null;
    },
  };
}
