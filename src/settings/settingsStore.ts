// The live configuration and per-key save state for the settings panel.
import { createSignal } from "solid-js";
import { createStore } from "solid-js/store";
import { commands, type AppConfig, type JsonValue } from "../../bindings/bindings";
import { errorOf, unwrap, type CommandError } from "../api";

export type FieldState = { state: "saving" } | { state: "saved" } | { state: "error"; error: CommandError };

export type SettingsStore = ReturnType<typeof createSettingsStore>;

export function createSettingsStore() {
  const [config, setConfig] = createSignal<AppConfig | null>(null);
  const [loadError, setLoadError] = createSignal<CommandError | null>(null);
  const [fields, setFields] = createStore<Record<string, FieldState | undefined>>({});

  async function load(): Promise<void> {
    try {
      setConfig(await unwrap(commands.getConfig()));
      setLoadError(null);
    } catch (e) {
      setLoadError(errorOf(e));
    }
  }

  /**
   * Writes one dotted key. A typed error is shown at the field that sent it
   * and, when the backend names another key (`configKey`/`configValue`), at
   * that field too. Resolves to whether the backend accepted the value.
   */
  async function update(key: string, value: JsonValue): Promise<boolean> {
    setFields(key, { state: "saving" });
    try {
      await unwrap(commands.updateConfig(key, value));
      setFields(key, { state: "saved" });
      // Re-read in the background so the caller can clear its input (an API
      // key) at once; the fresh config follows.
      void load();
      return true;
    } catch (e) {
      const error = errorOf(e);
      setFields(key, { state: "error", error });
      if (typeof error !== "string" && (error.kind === "configKey" || error.kind === "configValue") && error.key !== key) {
        setFields(error.key, { state: "error", error });
      }
      return false;
    }
  }

  const field = (key: string): FieldState | undefined => fields[key];
  const clearField = (key: string) => setFields(key, undefined);

  return { config, loadError, load, update, field, clearField };
}
