// Health, metrics and channels, re-read periodically.
import { batch, createSignal } from "solid-js";
import { type ChannelInfo, type HealthStatus, type Metrics } from "../../bindings/bindings";
import { commands } from "../transport";
import { errorOf, unwrap, type CommandError } from "../api";

export type StatusStore = ReturnType<typeof createStatusStore>;

export function createStatusStore() {
  const [health, setHealth] = createSignal<HealthStatus | null>(null);
  const [metrics, setMetrics] = createSignal<Metrics | null>(null);
  const [channels, setChannels] = createSignal<ChannelInfo[] | null>(null);
  const [error, setError] = createSignal<CommandError | null>(null);
  const [updatedAt, setUpdatedAt] = createSignal<Date | null>(null);
  let inFlight: Promise<void> | null = null;

  function refresh(): Promise<void> {
    inFlight ??= (async () => {
      const [h, m, c] = await Promise.allSettled([
        unwrap(commands.getHealth()),
        unwrap(commands.getMetrics()),
        unwrap(commands.getChannels()),
      ]);
      batch(() => {
        // A failed health call leaves no old verdict on screen: "Healthy"
        // from a minute ago is not what the backend says now.
        setHealth(h.status === "fulfilled" ? h.value : null);
        if (m.status === "fulfilled") setMetrics(m.value);
        if (c.status === "fulfilled") setChannels(c.value);
        const failed = [h, m, c].find((r): r is PromiseRejectedResult => r.status === "rejected");
        setError(failed ? errorOf(failed.reason) : null);
        setUpdatedAt(new Date());
      });
    })().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  /** Refreshes now and then every `intervalMs`; returns a function that stops. */
  function poll(intervalMs: number): () => void {
    void refresh();
    const timer = setInterval(() => void refresh(), intervalMs);
    return () => clearInterval(timer);
  }

  return { health, metrics, channels, error, updatedAt, refresh, poll };
}
