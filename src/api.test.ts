import { describe, expect, it } from "vitest";
import { commands, type AppError, type FailureCode } from "../bindings/bindings";
import { fail, mockCommands } from "../bindings/mock";
import { CommandFailed, describeError, describeFailure, errorOf, unwrap } from "./api";
import { asSessionId } from "./test/ids";

const SX = asSessionId("sess_x");

describe("describeError", () => {
  it("gives every typed error kind a sentence", () => {
    const errors: AppError[] = [
      { kind: "invalidArgument", message: "bad", field: "sessionId" },
      { kind: "sessionNotFound", message: "gone", sessionId: SX },
      { kind: "sessionBusy", message: "busy", sessionId: SX },
      { kind: "noProvider", message: "none", model: "openai/gpt-4o" },
      { kind: "provider", message: "slow down", provider: "anthropic", code: "rateLimited", status: 429, retryable: true, retryAfterMs: 1000 },
      { kind: "configKey", message: "unknown", key: "gateway.prot" },
      { kind: "configValue", message: "wrong", key: "gateway.port", expected: "an integer from 1024 to 65535" },
      { kind: "storage", message: "disk full" },
      { kind: "cancelled", message: "stopped" },
      { kind: "internal", message: "bug" },
    ];
    const sentences = errors.map(describeError);
    expect(new Set(sentences).size).toBe(errors.length);
    expect(describeError(errors[6]!)).toBe("gateway.port must be an integer from 1024 to 65535.");
    expect(describeError(errors[4]!)).toContain("HTTP 429");
  });

});

describe("describeFailure", () => {
  it("gives every stream failure code its own sentence", () => {
    const codes: FailureCode[] = ["cancelled", "provider", "rateLimited", "timeout", "network", "auth", "contextLength", "storage", "internal"];
    const sentences = codes.map(describeFailure);
    expect(new Set(sentences).size).toBe(codes.length);
    expect(describeFailure("auth")).toContain("Settings");
  });
});

describe("unwrap and errorOf", () => {
  it("returns data, and throws CommandFailed with the typed error", async () => {
    mockCommands({
      listSessions: () => [],
      getSession: ({ sessionId }) => fail({ kind: "sessionNotFound", message: "gone", sessionId }),
    });
    expect(await unwrap(commands.listSessions())).toEqual([]);
    const typed = await unwrap(commands.getSession(SX)).catch((e: unknown) => e);
    expect(typed).toBeInstanceOf(CommandFailed);
    expect(errorOf(typed)).toEqual({ kind: "sessionNotFound", message: "gone", sessionId: "sess_x" });
    expect((typed as Error).message).toBe("This chat no longer exists. It may have been deleted.");
  });

  it("turns anything that is not an AppError into an internal AppError", async () => {
    mockCommands({
      getHealth: () => {
        // Not something the backend sends; a stray string still gets a kind.
        throw "something odd";
      },
    });
    expect(errorOf(await unwrap(commands.getHealth()).catch((e: unknown) => e))).toEqual({ kind: "internal", message: "something odd" });
    expect(errorOf(new TypeError("x is undefined"))).toEqual({ kind: "internal", message: "x is undefined" });
    expect(errorOf({ unexpected: true })).toEqual({ kind: "internal", message: '{"unexpected":true}' });
  });

  it("turns a missing backend into a readable CommandFailed", async () => {
    const e = await unwrap(Promise.reject(new Error("window.__TAURI_INTERNALS__ is undefined"))).catch((x: unknown) => x);
    expect(errorOf(e)).toEqual({ kind: "internal", message: "window.__TAURI_INTERNALS__ is undefined" });
    expect((e as Error).message).toBe("Something went wrong inside ClawDesk: window.__TAURI_INTERNALS__ is undefined");
  });

  it("an unmocked command fails with an internal AppError naming it", async () => {
    mockCommands({});
    expect(await commands.getMetrics()).toEqual({
      status: "error",
      error: { kind: "internal", message: 'mockCommands: command "get_metrics" is not mocked in this test' },
    });
  });

  it("describes a kind from a newer backend instead of crashing", () => {
    expect(describeError({ kind: "quotaExceeded", message: "monthly quota used up" } as never)).toContain("monthly quota used up");
  });
});
