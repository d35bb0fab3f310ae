import { render, screen, waitFor } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import type { HealthStatus } from "../../bindings/bindings";
import { fail } from "../../bindings/mock";
import { createStatusStore } from "../status/statusStore";
import { fakeBackend } from "../test/fixtures";
import { StatusPanel, StatusSummary } from "./Status";

/** A fresh install: nothing configured, nothing reachable. */
const freshInstall: HealthStatus = {
  status: "degraded",
  uptime: 4,
  channelsActive: 1,
  providersActive: 0,
  checks: [
    { name: "store", status: "healthy", detail: "answered in 0.20 ms" },
    { name: "config", status: "healthy", detail: "loaded from /home/u/.config/clawdesk/config.json" },
    { name: "providers", status: "degraded", detail: "no provider is enabled with an API key" },
  ],
};

async function renderStatus(health: () => HealthStatus) {
  const be = fakeBackend({}, { getHealth: health });
  const status = createStatusStore();
  render(() => (
    <>
      <StatusSummary status={status} onOpen={() => {}} />
      <StatusPanel status={status} />
    </>
  ));
  await status.refresh();
  return { be, status, summary: () => screen.getByTestId("status-summary") };
}

describe("status", () => {
  it("tells a fresh install what is wrong and what to do, and never says Healthy", async () => {
    const { summary } = await renderStatus(() => freshInstall);
    expect(summary().textContent).toBe("Degraded · no provider is enabled with an API key");
    expect(summary().getAttribute("title")).toBe("providers: no provider is enabled with an API key");
    const attention = screen.getByRole("list", { name: "What needs attention" });
    expect(attention.textContent).toContain("providers: no provider is enabled with an API key");
    expect(attention.textContent).toContain("Add an API key in Settings, or start a local server such as Ollama.");
    expect(document.body.textContent).not.toContain("Healthy");
  });

  it("names the worst failing check first", async () => {
    const { summary } = await renderStatus(() => ({
      ...freshInstall,
      status: "unhealthy",
      checks: [...freshInstall.checks, { name: "store", status: "unhealthy", detail: "database is locked" }],
    }));
    expect(summary().textContent).toBe("Unhealthy · database is locked");
  });

  it("does not say Healthy when a check fails even if the overall status does", async () => {
    const { summary } = await renderStatus(() => ({ ...freshInstall, status: "healthy" }));
    expect(summary().textContent).toBe("Degraded · no provider is enabled with an API key");
  });

  it("says Healthy with providers and channels only when everything is", async () => {
    const { summary } = await renderStatus(() => ({
      ...freshInstall,
      status: "healthy",
      providersActive: 2,
      checks: freshInstall.checks.map((c) => ({ ...c, status: "healthy" as const })),
    }));
    expect(summary().textContent).toBe("Healthy · 2 providers · 1 channel");
    expect(screen.queryByRole("list", { name: "What needs attention" })).toBeNull();
  });

  it("keeps working when the backend adds fields and per-provider checks", async () => {
    const newer = {
      ...freshInstall,
      status: "unhealthy",
      checks: [
        ...freshInstall.checks.slice(0, 2),
        { name: "provider:ollama", status: "unhealthy", detail: "http://127.0.0.1:11434: connection refused", latencyMs: 2 },
        { name: "provider:anthropic", status: "degraded", detail: "no API key", url: "https://api.anthropic.com" },
      ],
      providers: [{ name: "ollama", reachable: false }],
    } as HealthStatus;
    const { summary } = await renderStatus(() => newer);
    expect(summary().textContent).toBe("Unhealthy · http://127.0.0.1:11434: connection refused");
    const attention = screen.getByRole("list", { name: "What needs attention" }).textContent!;
    expect(attention.indexOf("provider:ollama")).toBeLessThan(attention.indexOf("provider:anthropic"));
    expect(attention).toContain("Add an API key in Settings");
  });

  it("drops an earlier Healthy when the health call fails", async () => {
    let fails = false;
    const { status, summary } = await renderStatus(() =>
      fails
        ? fail({ kind: "storage", message: "database is locked" })
        : { ...freshInstall, status: "healthy", checks: freshInstall.checks.map((c) => ({ ...c, status: "healthy" as const })) },
    );
    expect(summary().textContent).toContain("Healthy");
    fails = true;
    await status.refresh();
    await waitFor(() => expect(summary().textContent).toBe("Health unknown"));
    expect(summary().getAttribute("title")).toContain("database is locked");
  });
});
