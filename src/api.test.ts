import { describe, expect, it } from "vitest";
import type { AppError } from "../bindings/bindings";
import { describeError } from "./api";

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
