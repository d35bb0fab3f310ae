import { For, Show } from "solid-js";
import type { HealthLevel, LatencySummary } from "../../bindings/bindings";
import type { StatusStore } from "../status/statusStore";
import { formatCount, formatDuration, formatMicros } from "../lib/format";
import { ErrorNote } from "./ErrorNote";

const levelText: Record<HealthLevel, string> = { healthy: "Healthy", degraded: "Degraded", unhealthy: "Unhealthy" };

export function HealthDot(props: { level: HealthLevel | "unknown" | "active" | "inactive" | "error" }) {
  return <span class={`dot dot-${props.level}`} aria-hidden="true" />;
}

/** One line for the sidebar: overall health, providers, channels. */
export function StatusSummary(props: { status: StatusStore; onOpen: () => void }) {
  const h = () => props.status.health();
  return (
    <button type="button" class="status-summary" onClick={() => props.onOpen()} title="Backend status and metrics">
      <HealthDot level={h()?.status ?? (props.status.error() ? "unhealthy" : "unknown")} />
      <Show when={h()} fallback={<span>{props.status.error() ? "Backend unreachable" : "Checking backend…"}</span>}>
        {(health) => (
          <span>
            {levelText[health().status]} · {health().providersActive} provider{health().providersActive === 1 ? "" : "s"} ·{" "}
            {health().channelsActive} channel{health().channelsActive === 1 ? "" : "s"}
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

/** The full status view: health checks, channels and metrics. */
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
              <HealthDot level={h().status} /> {levelText[h().status]}
              <span class="muted small"> · up {formatDuration(h().uptime)}</span>
            </h2>
            <ul class="checks">
              <For each={h().checks}>
                {(c) => (
                  <li>
                    <HealthDot level={c.status} />
                    <strong>{c.name}</strong>
                    <span class="muted">{c.detail}</span>
                  </li>
                )}
              </For>
            </ul>
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
