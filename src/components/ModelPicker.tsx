import { createMemo, For, Show } from "solid-js";
import type { ModelInfo } from "../../bindings/bindings";
import { formatTokens } from "../lib/format";

export function groupByProvider(models: readonly ModelInfo[]): [string, ModelInfo[]][] {
  const groups = new Map<string, ModelInfo[]>();
  for (const m of models) {
    const list = groups.get(m.provider) ?? [];
    list.push(m);
    groups.set(m.provider, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([provider, list]) => [provider, [...list].sort((a, b) => a.displayName.localeCompare(b.displayName))]);
}

export function modelLabel(m: ModelInfo): string {
  return `${m.displayName || m.id} · ${formatTokens(m.contextWindow)} context`;
}

export interface ModelPickerProps {
  models: readonly ModelInfo[];
  value: string | null;
  onChange: (modelId: string) => void;
  label?: string;
  id?: string;
  disabled?: boolean;
}

/** A select of every model, grouped by provider, with context windows. */
export function ModelPicker(props: ModelPickerProps) {
  const groups = createMemo(() => groupByProvider(props.models));
  const known = () => props.value !== null && props.models.some((m) => m.id === props.value);
  return (
    <label class="model-picker">
      <span class="field-label">{props.label ?? "Model"}</span>
      <select
        id={props.id}
        value={props.value ?? ""}
        disabled={props.disabled || props.models.length === 0}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        <Show when={props.models.length === 0}>
          <option value="">No models available</option>
        </Show>
        <Show when={props.value && !known()}>
          <option value={props.value ?? ""}>{props.value} (not offered by any provider)</option>
        </Show>
        <For each={groups()}>
          {([provider, list]) => (
            <optgroup label={provider}>
              <For each={list}>
                {(m) => (
                  <option value={m.id} title={`${m.id} — ${m.capabilities.join(", ")} (${m.source})`}>
                    {modelLabel(m)}
                  </option>
                )}
              </For>
            </optgroup>
          )}
        </For>
      </select>
    </label>
  );
}
