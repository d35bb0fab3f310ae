import { render, screen, waitFor } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import type { HealthStatus } from "../../bindings/bindings";
import { fail } from "../../bindings/mock";
import { createStatusStore } from "../status/statusStore";
import { fakeBackend } from "../test/fixtures";
import { StatusPanel, StatusSummary } from "./Status";

const NEXT_STEP = "No provider can answer: add an Anthropic or OpenAI key in Settings, or start Ollama on 127.0.0.1:11434";

/** A fresh install: nothing configured, nothing reachable (as the backend reports it). */
const freshInstall: HealthStatus = {
  status: "degraded",
  uptime: 4,
  channelsActive: 1,
  providersActive: 0,
  checks: [
    { name: "store", status: "healthy", detail: "answered in 0.20 ms" },
    { name: "config", status: "healthy", detail: "loaded from /home/u/.config/clawdesk/config.json" },
    { name: "providers", status: "degraded", detail: NEXT_STEP },
  ],
  providers: [
    { name: "anthropic", kind: "anthropic", status: "needsKey", detail: "add an API key for Anthropic in Settings", checkedAt: null },
    { name: "ollama", kind: "ollama", status: "unreachable", detail: "http://127.0.0.1:11434: connection refused", checkedAt: "2026-11-23T20:00:01.000Z" },
    { name: "openai", kind: "openai", status: "needsKey", detail: "add an API key for OpenAI in Settings", checkedAt: null },
  ],
  logDirectory: null,
  secretStore: { kind: "keychain", detail: "Secret Service, service dev.clawdesk.app" },
  storage: { kind: "sqlite", location: "/home/u/.local/share/dev.clawdesk.app/clawdesk.db" },
};

/** Just started: the reachability check of Ollama is still running. */
const starting: HealthStatus = {
  ...freshInstall,
  checks: [...freshInstall.checks.slice(0, 2), { name: "providers", status: "degraded", detail: "checking whether ollama answers" }],
  providers: freshInstall.providers.map((p) =>
    p.name === "ollama" ? { ...p, status: "checking", detail: "checking whether it answers", checkedAt: null } : p,
  ),
};

const providerRow = (name: string) => document.querySelector<HTMLElement>(`[aria-label="Providers"] [data-provider="${name}"]`)!;

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
    expect(summary().textContent).toBe(`Degraded · ${NEXT_STEP}`);
    expect(summary().getAttribute("title")).toBe(`providers: ${NEXT_STEP}`);
    const attention = screen.getByRole("list", { name: "What needs attention" });
    // The backend's detail says what to do; no second, vaguer hint.
    expect(attention.textContent).toBe(`providers: ${NEXT_STEP}`);
    expect(document.body.textContent).not.toContain("Healthy");
  });

  it("shows every provider with its state and what was found", async () => {
    await renderStatus(() => ({
      ...freshInstall,
      providers: [
        ...freshInstall.providers,
        { name: "lmstudio", kind: "openai", status: "disabled", detail: "turned off in Settings", checkedAt: null },
        { name: "groq", kind: "openai", status: "needsKey", detail: "the API key was refused: HTTP 401", checkedAt: "2026-11-23T20:00:01.000Z" },
      ],
    }));
    const list = screen.getByRole("list", { name: "Providers" });
    expect(list.querySelectorAll("li")).toHaveLength(5);
    expect(providerRow("anthropic").textContent).toBe("Anthropicneeds an API keyadd an API key for Anthropic in Settings");
    expect(providerRow("anthropic").querySelector(".dot-degraded")).not.toBeNull();
    expect(providerRow("ollama").textContent).toContain("not reachable");
    expect(providerRow("ollama").textContent).toContain("http://127.0.0.1:11434: connection refused");
    expect(providerRow("ollama").querySelector(".dot-unhealthy")).not.toBeNull();
    expect(providerRow("lmstudio").textContent).toContain("turned off");
    expect(providerRow("lmstudio").querySelector(".dot-inactive")).not.toBeNull();
    expect(providerRow("groq").textContent).toContain("API key refused");
  });

  it("says where the secrets are kept, and why there", async () => {
    await renderStatus(() => freshInstall);
    const line = screen.getByTestId("secret-store");
    expect(line.dataset.kind).toBe("keychain");
    expect(line.textContent).toBe("Secrets in the OS keychain Secret Service, service dev.clawdesk.app");
    await renderStatus(() => ({
      ...freshInstall,
      secretStore: { kind: "file", detail: "/home/u/.config/dev.clawdesk.app/secrets.toml (no OS keychain answered: no bus)" },
      storage: { kind: "sqlite", location: "/home/u/.local/share/dev.clawdesk.app/clawdesk.db" },
    }));
    const fallback = screen.getAllByTestId("secret-store").find((el) => el.dataset.kind === "file")!;
    expect(fallback.textContent).toContain("in secrets.toml (readable by you only)");
    expect(fallback.textContent).toContain("no OS keychain answered: no bus");
  });

  it("shows a ready provider as ready", async () => {
    await renderStatus(() => ({
      ...freshInstall,
      status: "healthy",
      providersActive: 1,
      checks: [...freshInstall.checks.slice(0, 2), { name: "providers", status: "healthy", detail: "answering: ollama" }],
      providers: [{ name: "ollama", kind: "ollama", status: "ready", detail: "answered in 3 ms, serving 2 models", checkedAt: "2026-11-23T20:00:01.000Z" }],
    }));
    expect(providerRow("ollama").dataset.status).toBe("ready");
    expect(providerRow("ollama").textContent).toBe("Ollamareadyanswered in 3 ms, serving 2 models");
    expect(providerRow("ollama").querySelector(".dot-healthy")).not.toBeNull();
    expect(screen.getByTestId("status-summary").textContent).toBe("Healthy · 1 provider · 1 channel");
  });

  it("does not alarm while a provider is still being checked", async () => {
    const { summary } = await renderStatus(() => starting);
    expect(summary().textContent).toBe("Checking providers…");
    expect(summary().querySelector(".dot-unknown")).not.toBeNull();
    expect(screen.queryByRole("list", { name: "What needs attention" })).toBeNull();
    expect(document.body.textContent).not.toContain("Degraded");
    expect(document.body.textContent).not.toContain("Healthy");
    expect(screen.getByRole("region", { name: "Status" }).querySelector("h2")!.textContent).toContain("Checking providers…");
    expect(providerRow("ollama").textContent).toContain("checking…");
    expect(providerRow("ollama").querySelector(".dot-unknown")).not.toBeNull();
    // The check is listed, neutral, with what it is doing.
    expect(document.body.textContent).toContain("checking whether ollama answers");
  });

  it("still names a real problem while a provider is being checked", async () => {
    const { summary } = await renderStatus(() => ({
      ...starting,
      status: "unhealthy",
      checks: [...starting.checks, { name: "store", status: "unhealthy", detail: "database is locked" }],
    }));
    expect(summary().textContent).toBe("Unhealthy · database is locked");
  });

  it("gives the verdict once the check is done", async () => {
    let health = starting;
    const { status, summary } = await renderStatus(() => health);
    expect(summary().textContent).toBe("Checking providers…");
    health = freshInstall;
    await status.refresh();
    await waitFor(() => expect(summary().textContent).toBe(`Degraded · ${NEXT_STEP}`));
  });

  it("says in a few words that the database upgrade failed, and the whole reason and what to do in the panel", async () => {
    const detail =
      "storage error: migration 4 (session columns) failed: duplicate column name: pinned; the database was left unchanged at schema version 3; a copy made before the upgrade is /home/u/.local/share/dev.clawdesk.app/clawdesk.db.backup-v3-20261130T230000.000Z";
    const { summary } = await renderStatus(() => ({
      ...freshInstall,
      status: "unhealthy",
      checks: [{ name: "store", status: "unhealthy", detail }, ...freshInstall.checks.slice(1)],
    }));
    expect(summary().textContent).toBe("Unhealthy · the database could not be upgraded; nothing was changed");
    expect(summary().getAttribute("title")).toContain(`store: ${detail}`);
    const attention = screen.getByRole("list", { name: "What needs attention" });
    expect(attention.textContent).toContain(detail);
    expect(attention.textContent).toContain("Your chats are safe");
    expect(attention.textContent).toContain("Backups");
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
    expect(summary().textContent).toBe(`Degraded · ${NEXT_STEP}`);
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

  it("keeps working when the backend adds fields, checks and provider states", async () => {
    const newer = {
      ...freshInstall,
      status: "unhealthy",
      checks: [
        ...freshInstall.checks.slice(0, 2),
        { name: "provider:ollama", status: "unhealthy", detail: "http://127.0.0.1:11434: connection refused", latencyMs: 2 },
        { name: "provider:anthropic", status: "degraded", detail: "no API key", url: "https://api.anthropic.com" },
      ],
      providers: [
        ...freshInstall.providers,
        { name: "vertex", kind: "openai", status: "quotaExceeded", detail: "monthly quota used up", checkedAt: null, region: "eu" },
      ],
    } as unknown as HealthStatus;
    const { summary } = await renderStatus(() => newer);
    expect(summary().textContent).toBe("Unhealthy · http://127.0.0.1:11434: connection refused");
    const attention = screen.getByRole("list", { name: "What needs attention" }).textContent!;
    expect(attention.indexOf("provider:ollama")).toBeLessThan(attention.indexOf("provider:anthropic"));
    expect(attention).toContain("Add an API key in Settings");
    // A state this build does not know is shown as it came, without a verdict.
    expect(providerRow("vertex").textContent).toContain("quotaExceeded");
    expect(providerRow("vertex").querySelector(".dot-unknown")).not.toBeNull();
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
