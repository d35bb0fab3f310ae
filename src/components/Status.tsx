import { For, Show } from "solid-js";
import type { HealthCheck, HealthLevel, HealthStatus, LatencySummary, SecretStoreStatus } from "../../bindings/bindings";
import { describeError } from "../api";
import { providerDot, providerLabel, providersPending, providerStateText } from "../status/providers";
import type { StatusStore } from "../status/statusStore";
import { formatCount, formatDuration, formatMicros } from "../lib/format";
import { ErrorNote } from "./ErrorNote";

const levelText: Record<HealthLevel, string> = { healthy: "Healthy", degraded: "Degraded", unhealthy: "Unhealthy" };
const levelRank: Record<HealthLevel, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

// A level this build does not know (a newer backend) counts as unhealthy:
// never shown as fine.
const rank = (level: HealthLevel): number => levelRank[level] ?? levelRank.unhealthy;

/** A check whose verdict waits on a check still running: the `providers`
 * check while nothing answers yet but a provider is still being checked.
 * Transient, so it is not shown as a problem. */
export function isPending(health: HealthStatus, check: HealthCheck): boolean {
  return check.name === "providers" && rank(check.status) > 0 && providersPending(health.providers ?? []);
}

/** Some verdict is still waiting on a provider check. */
export function checking(health: HealthStatus): boolean {
  return health.checks.some((c) => isPending(health, c));
}

/** The level to show: the worst of the overall status and of every check,
 * so nothing failing is ever shown as "Healthy". A pending check does not
 * count, nor does the overall status when a pending check explains it. */
export function shownLevel(health: HealthStatus): HealthLevel {
  const pending = health.checks.filter((c) => isPending(health, c));
  const explained = pending.some((c) => rank(c.status) >= rank(health.status));
  return health.checks
    .filter((c) => !isPending(health, c))
    .reduce<HealthLevel>((worst, c) => (rank(c.status) > rank(worst) ? c.status : worst), explained ? "healthy" : health.status);
}

export function levelLabel(level: HealthLevel): string {
  return levelText[level] ?? String(level);
}

/** The verdict in a word or two, with its dot: the level, or "Checking
 * providers…" (neutral) while only a pending check keeps it from Healthy. */
export function headline(health: HealthStatus): { level: HealthLevel | "unknown"; text: string } {
  const level = shownLevel(health);
  return level === "healthy" && checking(health) ? { level: "unknown", text: "Checking providers…" } : { level, text: levelLabel(level) };
}

/** The checks that are not healthy, worst first (they say what is wrong). */
export function failingChecks(health: HealthStatus): HealthCheck[] {
  return health.checks
    .filter((c) => rank(c.status) > 0 && !isPending(health, c))
    .sort((a, b) => rank(b.status) - rank(a.status));
}

/** What the user can do about a failing check, where this side knows and
 * the check's detail does not say it already. */
export function checkHint(check: HealthCheck): string | null {
  if (/^provider/i.test(check.name)) {
    // "No provider can answer: add an Anthropic or OpenAI key in Settings, or start Ollama on ..."
    if (/\bSettings\b|\bstart\b/i.test(check.detail)) return null;
    return "Add an API key in Settings, or start a local server such as Ollama.";
  }
  if (check.name === "config") return "Fix the setting in Settings (or the config file); the rest keeps working.";
  if (isFailedUpgrade(check))
    return "Your chats are safe: the database file was not changed. Quit ClawDesk and see “Backups” in the README to restore the copy, or update to a fixed version.";
  return null;
}

/** Where the API keys and the gateway token are kept, in a few words; a
 * kind this build does not know (a newer backend) is shown as it is. */
export function secretStoreLabel(store: SecretStoreStatus): string {
  switch (store.kind) {
    case "keychain":
      return "in the OS keychain";
    case "file":
      return "in secrets.toml (readable by you only)";
    default:
      return String(store.kind);
  }
}

/** The store check when the database's migration failed (the backend left
 * the file as it was and names the backup it made before trying). */
export function isFailedUpgrade(check: HealthCheck): boolean {
  return check.name === "store" && /\bmigration \d+ .*failed\b/.test(check.detail);
}

/** A failing check in a few words, for the one-line summary; the whole
 * detail stays in its title and in the status panel. */
export function shortDetail(check: HealthCheck): string {
  return isFailedUpgrade(check) ? "the database could not be upgraded; nothing was changed" : check.detail;
}

export function HealthDot(props: { level: HealthLevel | "unknown" | "active" | "inactive" | "error" }) {
  return <span class={`dot dot-${props.level}`} aria-hidden="true" />;
}

/** One line for the sidebar: the health as shown, and either what is wrong
 * or, when all is well, providers and channels. */
export function StatusSummary(props: { status: StatusStore; onOpen: () => void }) {
  const h = () => props.status.health();
  const line = (health: HealthStatus) => {
    const level = shownLevel(health);
    const failing = failingChecks(health)[0];
    if (level !== "healthy" && failing) return `${levelLabel(level)} · ${shortDetail(failing)}`;
    if (level === "healthy" && checking(health)) return headline(health).text;
    const p = health.providersActive;
    const c = health.channelsActive;
    return `${levelLabel(level)} · ${p} provider${p === 1 ? "" : "s"} · ${c} channel${c === 1 ? "" : "s"}`;
  };
  const title = () => {
    const health = h();
    const failing = health ? failingChecks(health) : [];
    if (failing.length > 0) return failing.map((c) => `${c.name}: ${c.detail}`).join("\n");
    const error = props.status.error();
    return error ? describeError(error) : "Backend status and metrics";
  };
  const summaryDot = () => {
    const health = h();
    if (!health) return props.status.error() ? "unhealthy" : "unknown";
    return headline(health).level;
  };
  return (
    <button type="button" class="status-summary" data-testid="status-summary" onClick={() => props.onOpen()} title={title()}>
      <HealthDot level={summaryDot()} />
      <Show when={h()} fallback={<span>{props.status.error() ? "Health unknown" : "Checking backend…"}</span>}>
        {(health) => (
          // One line in the sidebar; the title has every failing check whole.
          <span class="status-line" style={{ "min-width": 0, overflow: "hidden", "text-overflow": "ellipsis", "white-space": "nowrap" }}>
            {line(health())}
          </span>
        )}
      </Show>
    </button>
  );
}

function Latency(props: { label: string; summary: LatencySummary }) {
  return (
    <div class="latency">
      <div class="latency-label">{props.label}</div>
      <Show when={props.summary.count > 0} fallback={<div class="muted">no samples yet</div>}>
        <div class="latency-figures">
          <span>
            <small>p50</small> {formatMicros(props.summary.p50Us)}
          </span>
          <span>
            <small>p95</small> {formatMicros(props.summary.p95Us)}
          </span>
          <span>
            <small>max</small> {formatMicros(props.summary.maxUs)}
          </span>
        </div>
        <div class="muted small">{formatCount(props.summary.count)} samples</div>
      </Show>
    </div>
  );
}

function Stat(props: { label: string; value: number | string }) {
  return (
    <div class="stat">
      <div class="stat-value">{typeof props.value === "number" ? formatCount(props.value) : props.value}</div>
      <div class="stat-label">{props.label}</div>
    </div>
  );
}

/** The full status view: health checks, providers, channels and metrics. */
export function StatusPanel(props: { status: StatusStore }) {
  const s = () => props.status;
  return (
    <section class="panel status-panel" aria-label="Status">
      <header class="panel-head">
        <h1>Status</h1>
        <div class="panel-actions">
          <Show when={s().updatedAt()}>
            {(t) => <span class="muted small">Updated {t().toLocaleTimeString()}</span>}
          </Show>
          <button type="button" class="ghost" onClick={() => void s().refresh()}>
            Refresh
          </button>
        </div>
      </header>
      <ErrorNote error={s().error()} />

      <Show when={s().health()}>
        {(h) => (
          <section class="card">
            <h2>
              <HealthDot level={headline(h()).level} /> {headline(h()).text}
              <span class="muted small"> · up {formatDuration(h().uptime)}</span>
            </h2>
            <Show when={failingChecks(h()).length > 0}>
              <ul class="checks failing" aria-label="What needs attention">
                <For each={failingChecks(h())}>
                  {(c) => (
                    <li>
                      <HealthDot level={c.status} />
                      <span>
                        <strong>{c.name}</strong>: {c.detail}
                        <Show when={checkHint(c)}>{(hint) => <span class="muted"> {hint()}</span>}</Show>
                      </span>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
            <ul class="checks">
              <For each={h().checks.filter((c) => rank(c.status) === 0 || isPending(h(), c))}>
                {(c) => (
                  <li>
                    <HealthDot level={isPending(h(), c) ? "unknown" : c.status} />
                    <strong>{c.name}</strong>
                    <span class="muted">{c.detail}</span>
                  </li>
                )}
              </For>
            </ul>
            {/* Older backends do not report it. */}
            <Show when={h().secretStore}>
              {(store) => (
                <p class="secret-store" data-testid="secret-store" data-kind={store().kind}>
                  <strong>Secrets</strong> {secretStoreLabel(store())} <span class="muted small">{store().detail}</span>
                </p>
              )}
            </Show>
          </section>
        )}
      </Show>

      <Show when={s().health()?.providers}>
        {(providers) => (
          <section class="card">
            <h2>Providers</h2>
            <Show when={providers().length > 0} fallback={<p class="muted">No provider is set up. Add one in Settings.</p>}>
              <ul class="checks providers" aria-label="Providers">
                <For each={providers()}>
                  {(p) => (
                    <li data-provider={p.name} data-status={p.status} title={p.checkedAt ? `Checked ${new Date(p.checkedAt).toLocaleTimeString()}` : undefined}>
                      <HealthDot level={providerDot(p.status)} />
                      <strong>{providerLabel(p.name)}</strong>
                      <span class="provider-state">{providerStateText(p)}</span>
                      <span class="muted provider-detail">{p.detail}</span>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </section>
        )}
      </Show>

      <Show when={s().channels()}>
        {(channels) => (
          <section class="card">
            <h2>Channels</h2>
            <Show when={channels().length > 0} fallback={<p class="muted">No channels.</p>}>
              <table class="table">
                <thead>
                  <tr>
                    <th>Channel</th>
                    <th>Kind</th>
                    <th>Status</th>
                    <th>Chats</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={channels()}>
                    {(c) => (
                      <tr>
                        <td>{c.id}</td>
                        <td>{c.kind}</td>
                        <td>
                          <HealthDot level={c.status} /> {c.status}
                          <Show when={c.detail}>
                            <span class="muted"> — {c.detail}</span>
                          </Show>
                        </td>
                        <td>{formatCount(c.sessionCount)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </Show>
          </section>
        )}
      </Show>

      <Show when={s().metrics()}>
        {(m) => (
          <section class="card">
            <h2>Metrics</h2>
            <div class="stats">
              <Stat label="messages sent" value={m().messagesUser} />
              <Stat label="replies" value={m().messagesAssistant} />
              <Stat label="input tokens" value={m().inputTokens} />
              <Stat label="output tokens" value={m().outputTokens} />
              <Stat label="active streams" value={m().activeStreams} />
              <Stat label="streams completed" value={m().streamsCompleted} />
              <Stat label="streams failed" value={m().streamsFailed} />
              <Stat label="streams cancelled" value={m().streamsCancelled} />
              <Stat label="chats created" value={m().sessionsCreated} />
              <Stat label="commands" value={m().commandsTotal} />
              <Stat label="command errors" value={m().commandErrors} />
            </div>
            <div class="latencies">
              <Latency label="Time to first chunk" summary={m().timeToFirstChunk} />
              <Latency label="Whole reply" summary={m().streamDuration} />
              <Latency label="Store query" summary={m().storeQuery} />
            </div>
          </section>
        )}
      </Show>
    </section>
  );
}
