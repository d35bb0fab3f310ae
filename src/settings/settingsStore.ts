// The live configuration and per-key save state for the settings panel.
import { createSignal } from "solid-js";
import { createStore } from "solid-js/store";
import {
  type AppConfig,
  type ConfigKey,
  type ConfigValueOf,
  type ConfigValues,
  type ProviderSettings,
} from "../../bindings/bindings";
import { commands } from "../transport";
import { errorOf, unwrap, type CommandError } from "../api";

export type FieldState =
  | { state: "saving" }
  | { state: "saved" }
  | { state: "error"; error: CommandError }
  /** Refused here before anything was sent (the type cannot be sent at all). */
  | { state: "invalid"; reason: string };

/**
 * The config keys whose value type accepts a `V`: fixed keys and fields of a
 * provider entry. Lets a generic field component (a number input, a
 * checkbox) be given only keys it can write.
 */
export type ConfigKeyFor<V> =
  | { [K in keyof ConfigValues]: [V] extends [ConfigValues[K]] ? K : never }[keyof ConfigValues]
  | `providers.${string}.${{ [F in keyof ProviderSettings]: [V] extends [ProviderSettings[F]] ? F : never }[keyof ProviderSettings]}`;

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
   * Writes one dotted key; the bindings check the value's type for the key.
   * A typed error is shown at the field that sent it and, when the backend
   * names another key (`configKey`/`configValue`), at that field too.
   * Resolves to whether the backend accepted the value.
   */
  async function update<K extends ConfigKey>(key: K, value: ConfigValueOf<K>): Promise<boolean> {
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
      if ((error.kind === "configKey" || error.kind === "configValue") && error.key !== key) {
        setFields(error.key, { state: "error", error });
      }
      return false;
    }
  }

  /** Shows why an input was not sent (e.g. text in a number field, which the
   * typed `updateConfig` cannot take). */
  const reject = (key: string, reason: string) => setFields(key, { state: "invalid", reason });
  const field = (key: string): FieldState | undefined => fields[key];
  const clearField = (key: string) => setFields(key, undefined);

  return { config, loadError, load, update, reject, field, clearField };
}
