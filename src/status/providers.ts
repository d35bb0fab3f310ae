// How the UI speaks about provider entries and their health
// (`HealthStatus.providers`): in the status panel, and in the model picker
// when a provider offers nothing.
import type { ProviderHealth, ProviderState } from "../../bindings/bindings";

const builtIn: Readonly<Record<string, string>> = { anthropic: "Anthropic", openai: "OpenAI", ollama: "Ollama" };

/** How people know a provider entry: the built-in ones by product name,
 * the others by their config name. */
export function providerLabel(name: string): string {
  return builtIn[name] ?? name;
}

/** It has a key, but the provider refused it (the check ran). */
export function keyRefused(p: ProviderHealth): boolean {
  return p.status === "needsKey" && p.checkedAt !== null;
}

const stateText: Record<ProviderState, string> = {
  ready: "ready",
  unreachable: "not reachable",
  needsKey: "needs an API key",
  disabled: "turned off",
  checking: "checking…",
};

/** A few words for the state; a state this build does not know (a newer
 * backend) is shown as it came. */
export function providerStateText(p: ProviderHealth): string {
  if (keyRefused(p)) return "API key refused";
  return stateText[p.status] ?? String(p.status);
}

export type ProviderDot = "healthy" | "degraded" | "unhealthy" | "inactive" | "unknown";

const stateDot: Record<ProviderState, ProviderDot> = {
  ready: "healthy",
  needsKey: "degraded",
  unreachable: "unhealthy",
  disabled: "inactive",
  // Transient: the check runs; nothing to worry about yet.
  checking: "unknown",
};

export function providerDot(status: ProviderState): ProviderDot {
  return stateDot[status] ?? "unknown";
}

/** Nothing answers yet, but a check is still running: a verdict of "no
 * provider" would be premature. */
export function providersPending(providers: readonly ProviderHealth[]): boolean {
  return providers.some((p) => p.status === "checking") && !providers.some((p) => p.status === "ready");
}

/** Why a provider offers no model, in a few words ("Ollama is not running"). */
export function providerProblem(p: ProviderHealth): string {
  const label = providerLabel(p.name);
  switch (p.status) {
    case "ready":
      return `${label} serves no models`;
    case "needsKey":
      return keyRefused(p) ? `${label} refused its API key` : `${label} needs a key`;
    case "unreachable":
      return p.kind === "ollama" ? `${label} is not running` : `${label} is not reachable`;
    case "disabled":
      return `${label} is turned off`;
    case "checking":
      return `checking ${label}`;
    default:
      return `${label}: ${p.detail}`;
  }
}

/** What to tell someone who has no model to pick, from the providers'
 * health (`null` while it is unknown). `pending` while a check still runs. */
export function noModelNote(providers: readonly ProviderHealth[] | null): { text: string; pending: boolean } {
  if (providers === null) {
    return { text: "No model available — add an API key in Settings, or start a local server such as Ollama", pending: false };
  }
  if (providers.length === 0) return { text: "No model available — no provider is set up; add one in Settings", pending: false };
  const pending = providersPending(providers);
  // Checking first, then what needs the user, then what they turned off.
  const order: Record<ProviderState, number> = { checking: 0, needsKey: 1, unreachable: 2, ready: 3, disabled: 4 };
  const reasons = [...providers]
    .sort((a, b) => (order[a.status] ?? 3) - (order[b.status] ?? 3))
    .map(providerProblem);
  return { text: `${pending ? "No model yet" : "No model available"} — ${reasons.join("; ")}`, pending };
}
