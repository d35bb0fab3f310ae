import { describe, expect, it } from "vitest";
import { commands, type AppError, type FailureCode } from "../bindings/bindings";
import { fail, failWithString, mockCommands } from "../bindings/mock";
import { CommandFailed, describeError, describeFailure, errorOf, unwrap } from "./api";

describe("describeError", () => {
  it("gives every typed error kind a sentence", () => {
    const errors: AppError[] = [
      { kind: "invalidArgument", message: "bad", field: "sessionId" },
      { kind: "sessionNotFound", message: "gone", sessionId: "sess_x" },
      { kind: "sessionBusy", message: "busy", sessionId: "sess_x" },
      { kind: "noProvider", message: "none", model: "gpt-4o" },
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

  it("handles framework errors that arrive as plain strings", () => {
    expect(describeError("missing required key sessionId")).toContain("missing required key sessionId");
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
  it("returns data, and throws CommandFailed with the typed error or the framework string", async () => {
    mockCommands({
      listSessions: () => [],
      getSession: ({ sessionId }) => fail({ kind: "sessionNotFound", message: "gone", sessionId }),
      getHealth: () => failWithString("missing required key sessionId"),
    });
    expect(await unwrap(commands.listSessions())).toEqual([]);
    const typed = await unwrap(commands.getSession("sess_x")).catch((e: unknown) => e);
    expect(typed).toBeInstanceOf(CommandFailed);
    expect(errorOf(typed)).toEqual({ kind: "sessionNotFound", message: "gone", sessionId: "sess_x" });
    expect((typed as Error).message).toBe("This chat no longer exists. It may have been deleted.");
    const plain = await unwrap(commands.getHealth()).catch((e: unknown) => e);
    expect(errorOf(plain)).toBe("missing required key sessionId");
  });

  it("turns a missing backend into a readable CommandFailed", async () => {
    const e = await unwrap(Promise.reject(new Error("window.__TAURI_INTERNALS__ is undefined"))).catch((x: unknown) => x);
    expect(errorOf(e)).toBe("window.__TAURI_INTERNALS__ is undefined");
  });

  it("describes a kind from a newer backend instead of crashing", () => {
    expect(describeError({ kind: "quotaExceeded", message: "monthly quota used up" } as never)).toContain("monthly quota used up");
  });
});
