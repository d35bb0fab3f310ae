import { describe, expect, it, vi } from "vitest";
import { CHECK_TIMEOUT_MS, checkServer, normalizeServerUrl } from "./serverCheck";
import { fakeServer, SERVER_TOKEN, SERVER_URL } from "../test/fakeServer";

describe("normalizeServerUrl", () => {
  it("keeps http(s) addresses without a trailing slash and refuses the rest", () => {
    expect(normalizeServerUrl(" http://127.0.0.1:4242/ ")).toBe("http://127.0.0.1:4242");
    expect(normalizeServerUrl("https://desk.example/clawdesk/")).toBe("https://desk.example/clawdesk");
    for (const bad of ["", "desk.example", "ftp://desk.example", "https://u:p@desk.example", "https://desk.example/?t=1", "javascript:alert(1)"]) {
      expect(normalizeServerUrl(bad), bad).toBeNull();
    }
  });
});

describe("checkServer", () => {
  it("accepts a ClawDesk gateway with its token", async () => {
    const server = fakeServer();
    expect(await checkServer(`${SERVER_URL}/`, ` ${SERVER_TOKEN} `, server.fetch)).toEqual({ ok: true, url: SERVER_URL });
    expect(server.requests).toEqual(["/v1/commands/get_health"]);
  });

  it("says which of the usual reasons a connection fails for", async () => {
    const problem = async (setup: (s: ReturnType<typeof fakeServer>) => void, url = SERVER_URL, token = SERVER_TOKEN) => {
      const server = fakeServer();
      setup(server);
      const check = await checkServer(url, token, server.fetch);
      return check.ok ? "ok" : check.problem;
    };
    expect(await problem(() => {}, "desk.example")).toBe("invalidUrl");
    expect(await problem(() => {}, SERVER_URL, "  ")).toBe("noToken");
    expect(await problem(() => {}, SERVER_URL, "wrong")).toBe("wrongToken");
    expect(await problem((s) => (s.up = false))).toBe("unreachable");
    expect(await problem((s) => (s.corsRefused = true))).toBe("corsRefused");
    expect(await problem((s) => (s.notAGateway = true))).toBe("notAGateway");
  });

  it("names the address in what it says", async () => {
    const server = fakeServer();
    server.up = false;
    const check = await checkServer(SERVER_URL, SERVER_TOKEN, server.fetch);
    expect(check.ok ? "" : check.message).toContain(SERVER_URL);
  });

  it("calls a server that takes the connection but never answers unreachable after CHECK_TIMEOUT_MS", async () => {
    vi.useFakeTimers();
    try {
      const server = fakeServer();
      server.hung = true;
      let check: Awaited<ReturnType<typeof checkServer>> | null = null;
      void checkServer(SERVER_URL, SERVER_TOKEN, server.fetch).then((c) => (check = c));
      await vi.advanceTimersByTimeAsync(CHECK_TIMEOUT_MS - 1);
      expect(check).toBeNull();
      await vi.advanceTimersByTimeAsync(1);
      expect(check).toEqual({
        ok: false,
        problem: "unreachable",
        message: `${SERVER_URL} takes the connection but does not answer (nothing within 10 s). Check that the server is running and not stuck.`,
      });
      // No second wait for the CORS probe: a refused origin fails at once.
      expect(server.requests).toEqual(["/v1/commands/get_health"]);
    } finally {
      vi.useRealTimers();
    }
  });
});
