import { createMemo, For, Show } from "solid-js";
import type { ModelInfo, ProviderHealth } from "../../bindings/bindings";
import { formatTokens } from "../lib/format";
import { keyRefused, noModelNote, providerLabel } from "../status/providers";

export interface ModelGroup {
  /** The provider entry (config name). */
  provider: string;
  label: string;
  models: ModelInfo[];
  /** Set when the provider needs an API key before it offers anything (more). */
  needsKey: ProviderHealth | null;
}

/** The offered models by provider, plus every provider that needs a key
 * (so it is reported, not silently missing), by provider label. */
export function groupByProvider(models: readonly ModelInfo[], providers: readonly ProviderHealth[] = []): ModelGroup[] {
  const groups = new Map<string, ModelGroup>();
  const group = (provider: string): ModelGroup => {
    let g = groups.get(provider);
    if (!g) groups.set(provider, (g = { provider, label: providerLabel(provider), models: [], needsKey: null }));
    return g;
  };
  for (const m of models) group(m.provider).models.push(m);
  for (const p of providers) if (p.status === "needsKey") group(p.name).needsKey = p;
  for (const g of groups.values()) g.models.sort((a, b) => a.displayName.localeCompare(b.displayName));
  return [...groups.values()].sort((a, b) => a.label.localeCompare(b.label));
}

/** The offered models a stored model id may stand for: the one with that
 * (provider-qualified) id, or else those whose bare `model` it is (sessions
 * and settings from before models were qualified hold bare ids). */
export function candidates(models: readonly ModelInfo[], value: string | null): ModelInfo[] {
  if (value === null || value === "") return [];
  const exact = models.find((m) => m.id === value);
  return exact ? [exact] : models.filter((m) => m.model === value);
}

/** The offered model a stored id stands for, when that is unambiguous. */
export function resolveModel(models: readonly ModelInfo[], value: string | null): ModelInfo | undefined {
  const found = candidates(models, value);
  return found.length === 1 ? found[0] : undefined;
}

/** A model's name for people ("Claude Sonnet 4.5 · Anthropic"), or the
 * stored id as it is when no offered model matches. */
export function modelName(models: readonly ModelInfo[], value: string): string {
  const m = resolveModel(models, value);
  return m ? `${m.displayName || m.model} · ${providerLabel(m.provider)}` : value;
}

export function modelLabel(m: ModelInfo): string {
  return `${m.displayName || m.model} · ${formatTokens(m.contextWindow)} context`;
}

export interface ModelPickerProps {
  models: readonly ModelInfo[];
  /** A provider-qualified id; an older bare id is shown as the one model serving it. */
  value: string | null;
  /** Called with the chosen model's provider-qualified id. */
  onChange: (modelId: string) => void;
  /** `HealthStatus.providers`, to name providers that need a key and to say
   * why nothing is offered; `null` while unknown. */
  providers?: readonly ProviderHealth[] | null;
  /** Shows a way to Settings when nothing can be picked. */
  onOpenSettings?: () => void;
  label?: string;
  id?: string;
  disabled?: boolean;
}

/** A select of every offered model, grouped by provider, with context windows. */
export function ModelPicker(props: ModelPickerProps) {
  const groups = createMemo(() => groupByProvider(props.models, props.providers ?? []));
  const found = createMemo(() => candidates(props.models, props.value));
  const selected = () => (found().length === 1 ? found()[0]!.id : (props.value ?? ""));
  const unknownNote = () =>
    found().length > 1
      ? `offered by ${found().map((m) => providerLabel(m.provider)).join(", ")}: pick one`
      : "not offered by any provider";
  const empty = () => props.models.length === 0;
  const note = createMemo(() => noModelNote(props.providers ?? null));
  return (
    <div class="model-picker">
      <label>
        <span class="field-label">{props.label ?? "Model"}</span>
        {/* Each option says whether it is the one selected: set on the select
            alone, the value may arrive before its option does. */}
        <select
          id={props.id}
          value={selected()}
          disabled={props.disabled || empty()}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        >
          <Show when={empty()}>
            <option value="">No models available</option>
          </Show>
          <Show when={!empty() && props.value && found().length !== 1}>
            <option value={props.value ?? ""} selected>
              {props.value} ({unknownNote()})
            </option>
          </Show>
          <For each={groups()}>
            {(g) => (
              <optgroup label={g.label}>
                <For each={g.models}>
                  {(m) => (
                    <option value={m.id} selected={m.id === selected()} title={`${m.id} — ${m.capabilities.join(", ")} (${m.source})`}>
                      {modelLabel(m)}
                    </option>
                  )}
                </For>
                <Show when={g.needsKey}>
                  {(p) => (
                    <option value={`needs-key:${g.provider}`} disabled data-needs-key={g.provider} title={p().detail}>
                      {g.label} — {keyRefused(p()) ? "check its key in Settings" : "add a key in Settings"}
                    </option>
                  )}
                </Show>
              </optgroup>
            )}
          </For>
        </select>
      </label>
      <Show when={empty()}>
        <p class="model-empty small" classList={{ muted: note().pending }} data-testid="model-empty" aria-live="polite">
          {note().text}.
          <Show when={props.onOpenSettings}>
            {(open) => (
              <>
                {" "}
                <button type="button" class="link-button" data-testid="model-empty-settings" onClick={() => open()()}>
                  Open Settings
                </button>
              </>
            )}
          </Show>
        </p>
      </Show>
    </div>
  );
}
