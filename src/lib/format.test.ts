import { describe, expect, it } from "vitest";
import { models } from "../test/fixtures";
import { modelLabel } from "../components/ModelPicker";
import { formatDuration, formatMicros, formatTokens, relativeTime } from "./format";

describe("format", () => {
  it("says how long ago in words", () => {
    const now = new Date("2026-11-23T20:00:00.000Z");
    expect(relativeTime("2026-11-23T19:59:50.000Z", now)).toBe("just now");
    expect(relativeTime("2026-11-23T19:55:00.000Z", now)).toBe("5 min ago");
    expect(relativeTime("2026-11-23T17:00:00.000Z", now)).toBe("3 h ago");
    expect(relativeTime("2026-11-22T18:00:00.000Z", now)).toBe("yesterday");
    expect(relativeTime("2026-11-19T20:00:00.000Z", now)).toBe("4 d ago");
    expect(relativeTime("2026-10-01T20:00:00.000Z", now)).toMatch(/Oct 1|1 Oct/);
    expect(relativeTime("not a date", now)).toBe("");
  });

  it("turns microsecond latencies into µs, ms or s", () => {
    expect(formatMicros(850)).toBe("850 µs");
    expect(formatMicros(1_250)).toBe("1.3 ms");
    expect(formatMicros(412_000)).toBe("412 ms");
    expect(formatMicros(2_300_000)).toBe("2.30 s");
  });

  it("formats durations and token counts", () => {
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(3725)).toBe("1 h 2 min");
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe("2 d 4 h");
    expect(formatTokens(200000)).toBe("200K");
    expect(formatTokens(131072)).toBe("131.1K");
    expect(formatTokens(1_000_000)).toBe("1M");
  });

  it("labels models with their context window", () => {
    expect(modelLabel(models[2]!)).toBe("GPT-4o · 128K context");
  });
});
