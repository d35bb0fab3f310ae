import { createSignal, For, type JSX, Match, onMount, Show, Switch } from "solid-js";
import { openPath } from "@tauri-apps/plugin-opener";
import type { LogLevel, ModelInfo, NewProvider, ProviderConfig, ProviderHealth, ProviderKind, ProviderSettings } from "../../bindings/bindings";
import { commands, inAppWindow, transport } from "../transport";
import type { ServerConnection } from "../remote/connection";
import { ServerSettings } from "./ServerSettings";
import { StorageSettings } from "./StorageSettings";
import { forgetToken } from "../gatewaySignIn";
import { describeError, errorOf, unwrap, type CommandError } from "../api";
import type { ConfigKeyFor, SettingsStore } from "../settings/settingsStore";
import { ErrorNote } from "./ErrorNote";
import { ModelPicker } from "./ModelPicker";
import { ShortcutList } from "./ShortcutList";

const fieldId = (key: string) => `cfg-${key.replace(/[^A-Za-z0-9_-]/g, "-")}`;

/** Save state under a field: "Saving…", "Saved", or the error it caused. */
function FieldStatus(props: { store: SettingsStore; configKey: string }) {
  const st = () => props.store.field(props.configKey);
  return (
    <span class="field-status" id={`${fieldId(props.configKey)}-status`} aria-live="polite">
      <Switch>
        <Match when={st()?.state === "saving"}>
          <span class="muted">Saving…</span>
        </Match>
        <Match when={st()?.state === "saved"}>
          <span class="ok">Saved</span>
        </Match>
        <Match when={(() => { const s = st(); return s?.state === "error" ? s : null; })()}>
          {(s) => (
            <span class="field-error" role="alert">
              {describeError(s().error)}
            </span>
          )}
        </Match>
        <Match when={(() => { const s = st(); return s?.state === "invalid" ? s : null; })()}>
          {(s) => (
            <span class="field-error" role="alert">
              {s().reason}
            </span>
          )}
        </Match>
      </Switch>
    </span>
  );
}

function Field(props: { store: SettingsStore; configKey: string; label: string; hint?: string; children: JSX.Element }) {
  const invalid = () => {
    const state = props.store.field(props.configKey)?.state;
    return state === "error" || state === "invalid";
  };
  return (
    <div class="field" classList={{ invalid: invalid() }} data-config-key={props.configKey}>
      <label class="field-label" for={fieldId(props.configKey)}>
        {props.label}
      </label>
      {props.children}
      <Show when={props.hint}>
        <span class="field-hint muted">{props.hint}</span>
      </Show>
      <FieldStatus store={props.store} configKey={props.configKey} />
    </div>
  );
}

/** A number input. Text that is not a number is refused here: the typed
 * `updateConfig` takes only numbers for these keys. Range checks stay with
 * the backend (`configValue` names the allowed range). */
function NumberField(props: { store: SettingsStore; configKey: ConfigKeyFor<number>; label: string; value: number; hint?: string }) {
  return (
    <Field store={props.store} configKey={props.configKey} label={props.label} hint={props.hint}>
      <input
        id={fieldId(props.configKey)}
        type="text"
        inputmode="numeric"
        value={props.value}
        aria-describedby={`${fieldId(props.configKey)}-status`}
        onChange={(e) => {
          const raw = e.currentTarget.value.trim();
          const n = Number(raw);
          if (raw === "" || !Number.isFinite(n)) props.store.reject(props.configKey, `${props.label}: enter a number.`);
          else void props.store.update(props.configKey, n);
        }}
      />
    </Field>
  );
}

type TextFieldProps = {
  store: SettingsStore;
  label: string;
  value: string;
  hint?: string;
  multiline?: boolean;
  placeholder?: string;
} & (
  | { configKey: ConfigKeyFor<string>; emptyIsNull?: false }
  /** Empty text is sent as `null` (only for keys that take it). */
  | { configKey: ConfigKeyFor<string | null>; emptyIsNull: true }
);

function TextField(props: TextFieldProps) {
  const save = (raw: string) => {
    if (props.emptyIsNull) void props.store.update(props.configKey, raw.trim() === "" ? null : raw);
    else void props.store.update(props.configKey, raw);
  };
  return (
    <Field store={props.store} configKey={props.configKey} label={props.label} hint={props.hint}>
      <Show
        when={props.multiline}
        fallback={
          <input
            id={fieldId(props.configKey)}
            type="text"
            value={props.value}
            placeholder={props.placeholder}
            spellcheck={false}
            aria-describedby={`${fieldId(props.configKey)}-status`}
            onChange={(e) => save(e.currentTarget.value)}
          />
        }
      >
        <textarea
          id={fieldId(props.configKey)}
          rows={4}
          value={props.value}
          placeholder={props.placeholder}
          aria-describedby={`${fieldId(props.configKey)}-status`}
          onChange={(e) => save(e.currentTarget.value)}
        />
      </Show>
    </Field>
  );
}

function CheckField(props: { store: SettingsStore; configKey: ConfigKeyFor<boolean>; label: string; value: boolean; hint?: string }) {
  return (
    <div class="field check" data-config-key={props.configKey}>
      <label class="check-label">
        <input
          id={fieldId(props.configKey)}
          type="checkbox"
          checked={props.value}
          aria-describedby={`${fieldId(props.configKey)}-status`}
          onChange={(e) => void props.store.update(props.configKey, e.currentTarget.checked)}
        />
        {props.label}
      </label>
      <Show when={props.hint}>
        <span class="field-hint muted">{props.hint}</span>
      </Show>
      <FieldStatus store={props.store} configKey={props.configKey} />
    </div>
  );
}

/** Write-only: the key is sent once and never shown; only "key set"/"not set". */
function ApiKeyField(props: { store: SettingsStore; provider: string; isSet: boolean }) {
  const key = (): `providers.${string}.apiKey` => `providers.${props.provider}.apiKey`;
  const [draft, setDraft] = createSignal("");
  const save = async () => {
    const value = draft().trim();
    if (!value) return;
    if (await props.store.update(key(), value)) setDraft("");
  };
  return (
    <div class="field" data-config-key={key()}>
      <label class="field-label" for={fieldId(key())}>
        API key{" "}
        <span class={`key-state ${props.isSet ? "set" : "unset"}`}>{props.isSet ? "key set" : "not set"}</span>
      </label>
      <div class="inline-row">
        <input
          id={fieldId(key())}
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder={props.isSet ? "Enter a new key to replace it" : "Paste the API key"}
          value={draft()}
          aria-describedby={`${fieldId(key())}-status`}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              void save();
            }
          }}
        />
        <button type="button" class="small" disabled={draft().trim() === ""} onClick={() => void save()}>
          Save key
        </button>
      </div>
      <FieldStatus store={props.store} configKey={key()} />
    </div>
  );
}

const LOG_LEVELS: LogLevel[] = ["error", "warn", "info", "debug", "trace"];

function LogLevelField(props: { store: SettingsStore; value: LogLevel }) {
  return (
    <Field
      store={props.store}
      configKey="logging.level"
      label="Log level"
      hint="Read at the next start (RUST_LOG wins when set). Up to info, logs hold ids, timings and outcomes: never messages or keys."
    >
      <select
        id={fieldId("logging.level")}
        value={props.value}
        aria-describedby={`${fieldId("logging.level")}-status`}
        onChange={(e) => void props.store.update("logging.level", e.currentTarget.value as LogLevel)}
      >
        <For each={LOG_LEVELS}>{(level) => <option value={level}>{level}</option>}</For>
      </select>
    </Field>
  );
}

/** Where the log files are, to attach to a bug report; in the app's window,
 * a button opens the folder in the system's file manager. */
function LogsFolderField() {
  const [dir, setDir] = createSignal<string | null>(null);
  const [error, setError] = createSignal<CommandError | null>(null);
  onMount(async () => {
    try {
      setDir((await unwrap(commands.getHealth())).logDirectory);
    } catch (e) {
      setError(errorOf(e));
    }
  });
  const open = async () => {
    const path = dir();
    if (!path) return;
    try {
      await openPath(path);
      setError(null);
    } catch (e) {
      setError({ kind: "internal", message: `Could not open ${path}: ${e instanceof Error ? e.message : String(e)}` });
    }
  };
  return (
    <div class="field" data-testid="logs-folder">
      <span class="field-label">Log files</span>
      <code class="field-hint" data-testid="logs-folder-path">
        {dir() ?? "Logs go to the terminal only (no log directory on this system)."}
      </code>
      <Show when={transport === "ipc" && dir()}>
        <button type="button" class="small" onClick={() => void open()}>
          Open logs folder
        </button>
      </Show>
      <Show when={error()}>{(e) => <span class="field-error" role="alert">{describeError(e())}</span>}</Show>
    </div>
  );
}

/** In a browser: the token is read and rotated only in the app's window;
 * here it can only be forgotten, so the next visit asks for it again. */
function BrowserTokenField() {
  return (
    <div class="field" data-config-key="gateway.token">
      <span class="field-label">Gateway token</span>
      <span class="field-hint muted">
        This browser is connected over HTTP with a saved token. It is shown and rotated only in the desktop app.
      </span>
      <button
        type="button"
        class="small"
        onClick={() => {
          forgetToken();
          window.location.reload();
        }}
      >
        Forget the token in this browser
      </button>
    </div>
  );
}

/** The gateway's bearer token: hidden until asked for, then copyable; rotating
 * replaces it (the old one stops working at once). Read through the window's
 * own commands; the gateway never serves them. */
function GatewayTokenField(props: { store: SettingsStore; isSet: boolean }) {
  const [token, setToken] = createSignal<string | null>(null);
  const [note, setNote] = createSignal("");
  const [error, setError] = createSignal<CommandError | null>(null);
  const fetchToken = async (rotate: boolean) => {
    setError(null);
    try {
      setToken(await unwrap(rotate ? commands.rotateGatewayToken() : commands.getGatewayToken()));
      setNote(rotate ? "New token: the old one no longer works." : "");
      void props.store.load();
    } catch (e) {
      setError(errorOf(e));
    }
  };
  const copy = async () => {
    const t = token();
    if (!t) return;
    try {
      await navigator.clipboard.writeText(t);
      setNote("Copied.");
    } catch {
      setNote("Could not copy: select the token and copy it by hand.");
    }
  };
  return (
    <div class="field" data-config-key="gateway.token">
      <label class="field-label" for="cfg-gateway-token">
        Gateway token{" "}
        <span class={`key-state ${props.isSet ? "set" : "unset"}`}>{props.isSet ? "token set" : "not made yet"}</span>
      </label>
      <div class="inline-row">
        <input
          id="cfg-gateway-token"
          type={token() ? "text" : "password"}
          readonly
          spellcheck={false}
          autocomplete="off"
          placeholder="Hidden"
          value={token() ?? ""}
          aria-describedby="cfg-gateway-token-status"
        />
        <Show
          when={token()}
          fallback={
            <button type="button" class="small" onClick={() => void fetchToken(false)}>
              Show
            </button>
          }
        >
          <button type="button" class="small" onClick={() => void copy()}>
            Copy
          </button>
          <button type="button" class="small" onClick={() => setToken(null)}>
            Hide
          </button>
        </Show>
        <button type="button" class="small" onClick={() => void fetchToken(true)}>
          Rotate
        </button>
      </div>
      <span class="field-hint muted">Scripts and browsers send it as Authorization: Bearer &lt;token&gt;.</span>
      <span class="field-status" id="cfg-gateway-token-status" aria-live="polite">
        {note()}
      </span>
      <ErrorNote error={error()} />
    </div>
  );
}

function ProviderCard(props: { store: SettingsStore; name: string; provider: ProviderConfig }) {
  const k = <F extends keyof ProviderSettings>(f: F): `providers.${string}.${F}` => `providers.${props.name}.${f}`;
  return (
    <section class="card provider" data-provider={props.name}>
      <h3>
        {props.name} <span class="muted small">{props.provider.kind}</span>
      </h3>
      <CheckField store={props.store} configKey={k("enabled")} label="Enabled" value={props.provider.enabled} />
      <TextField store={props.store} configKey={k("baseUrl")} label="Base URL" value={props.provider.baseUrl} />
      <Show when={props.provider.kind !== "ollama"}>
        <ApiKeyField store={props.store} provider={props.name} isSet={props.provider.apiKeySet} />
      </Show>
      <Show when={props.provider.kind === "openai"}>
        <CheckField
          store={props.store}
          configKey={k("includeUsage")}
          label="Ask for token usage"
          hint="Sends stream_options.include_usage; turn off for servers that reject it."
          value={props.provider.includeUsage}
        />
      </Show>
    </section>
  );
}

function AddProvider(props: { store: SettingsStore }) {
  const [name, setName] = createSignal("");
  const [kind, setKind] = createSignal<ProviderKind>("openai");
  const [baseUrl, setBaseUrl] = createSignal("");
  const [lastKey, setLastKey] = createSignal<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const n = name().trim();
    if (!n) return;
    const key: `providers.${string}` = `providers.${n}`;
    setLastKey(key);
    const value: NewProvider = { kind: kind(), baseUrl: baseUrl().trim() };
    if (await props.store.update(key, value)) {
      setName("");
      setBaseUrl("");
    }
  };
  const error = () => {
    const key = lastKey();
    const st = key ? props.store.field(key) : undefined;
    return st?.state === "error" ? st.error : null;
  };
  return (
    <form class="card add-provider" onSubmit={(e) => void submit(e)}>
      <h3>Add a provider</h3>
      <p class="muted small">Any OpenAI-compatible server (OpenRouter, Groq, vLLM, LM Studio, llama.cpp), or another Anthropic or Ollama endpoint.</p>
      <div class="inline-row wrap">
        <label class="field-label">
          Name
          <input type="text" value={name()} placeholder="lmstudio" spellcheck={false} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field-label">
          Kind
          <select value={kind()} onChange={(e) => setKind(e.currentTarget.value as ProviderKind)}>
            <option value="openai">OpenAI-compatible</option>
            <option value="anthropic">Anthropic</option>
            <option value="ollama">Ollama</option>
          </select>
        </label>
        <label class="field-label grow">
          Base URL
          <input type="text" value={baseUrl()} placeholder="http://127.0.0.1:1234/v1" spellcheck={false} onInput={(e) => setBaseUrl(e.currentTarget.value)} />
        </label>
        <button type="submit" class="small" disabled={name().trim() === ""}>
          Add
        </button>
      </div>
      <ErrorNote error={error()} />
    </form>
  );
}

export interface SettingsPanelProps {
  store: SettingsStore;
  models: readonly ModelInfo[];
  /** `HealthStatus.providers`, for the model picker; `null` while unknown. */
  providers?: readonly ProviderHealth[] | null;
  /** The app window's choice of backend (this computer or a server); absent in a browser. */
  server?: ServerConnection;
}

export function SettingsPanel(props: SettingsPanelProps) {
  onMount(() => void props.store.load());
  return (
    <section class="panel settings" aria-label="Settings" data-testid="settings-panel">
      <header class="panel-head">
        <h1>Settings</h1>
        <span class="muted small">Changes are checked by the backend and apply at once.</span>
      </header>
      {/* Outside the config: it must work while a server does not answer. */}
      <Show when={props.server}>{(server) => <ServerSettings connection={server()} />}</Show>
      <ErrorNote error={props.store.loadError()} />
      <Show when={props.store.config()} fallback={<Show when={!props.store.loadError()}><p class="muted">Loading settings…</p></Show>}>
        {(cfg) => (
          <>
            <section class="card">
              <h2>Defaults</h2>
              <div class="field" data-config-key="defaults.model">
                <ModelPicker
                  id={fieldId("defaults.model")}
                  label="Model for new chats"
                  models={props.models}
                  value={cfg().defaults.model}
                  providers={props.providers ?? null}
                  onChange={(id) => void props.store.update("defaults.model", id)}
                />
                <FieldStatus store={props.store} configKey="defaults.model" />
              </div>
              <TextField store={props.store} configKey="defaults.systemPrompt" label="System prompt" multiline value={cfg().defaults.systemPrompt} />
            </section>

            <h2 class="section-title">Providers</h2>
            {/* Keyed by name, so reloading the config keeps half-typed fields. */}
            <For each={Object.keys(cfg().providers).sort()}>
              {(name) => (
                <Show when={cfg().providers[name]}>
                  {(provider) => <ProviderCard store={props.store} name={name} provider={provider()} />}
                </Show>
              )}
            </For>
            <AddProvider store={props.store} />

            <section class="card">
              <h2>Network</h2>
              <div class="grid-2">
                <NumberField store={props.store} configKey="network.connectTimeoutMs" label="Connect timeout (ms)" value={cfg().network.connectTimeoutMs} />
                <NumberField store={props.store} configKey="network.firstByteTimeoutMs" label="First byte timeout (ms)" value={cfg().network.firstByteTimeoutMs} />
                <NumberField store={props.store} configKey="network.idleTimeoutMs" label="Idle timeout (ms)" value={cfg().network.idleTimeoutMs} />
                <NumberField store={props.store} configKey="network.maxRetries" label="Retries before the first token" value={cfg().network.maxRetries} />
                <NumberField
                  store={props.store}
                  configKey="network.maxRetryWaitMs"
                  label="Longest wait before a retry (ms)"
                  hint="A provider asking for a longer wait fails the send at once (rate-limited)."
                  value={cfg().network.maxRetryWaitMs}
                />
              </div>
            </section>

            <section class="card">
              <h2>Compaction</h2>
              <CheckField store={props.store} configKey="compaction.auto" label="Compact automatically when a chat nears the context window" value={cfg().compaction.auto} />
              <div class="grid-2">
                <NumberField store={props.store} configKey="compaction.thresholdPercent" label="Threshold (% of context)" value={cfg().compaction.thresholdPercent} />
                <NumberField store={props.store} configKey="compaction.keepRecent" label="Recent messages kept verbatim" value={cfg().compaction.keepRecent} />
              </div>
              <TextField store={props.store} configKey="compaction.summaryPrompt" label="Summary instruction" multiline value={cfg().compaction.summaryPrompt} />
            </section>

            <section class="card">
              <h2>Gateway</h2>
              <CheckField
                store={props.store}
                configKey="gateway.enabled"
                label="Serve ClawDesk over HTTP (the gateway)"
                hint="The same commands and events as this window, for scripts and browsers, with the token below."
                value={cfg().gateway.enabled}
              />
              <div class="grid-2">
                <TextField
                  store={props.store}
                  configKey="gateway.host"
                  label="Gateway address"
                  hint="127.0.0.1 keeps it on this computer; any other address opens it to that network."
                  value={cfg().gateway.host}
                />
                <NumberField store={props.store} configKey="gateway.port" label="Gateway port" value={cfg().gateway.port} />
              </div>
              <Show when={transport === "ipc"} fallback={<Show when={!inAppWindow()}><BrowserTokenField /></Show>}>
                <GatewayTokenField store={props.store} isSet={cfg().gateway.tokenSet} />
              </Show>
            </section>
            <StorageSettings
              store={props.store}
              config={cfg().storage}
              databaseFile={
                <TextField
                  store={props.store}
                  configKey="storage.databasePath"
                  label="Database file"
                  hint="Read at start-up. Empty means clawdesk.db in the app's data directory."
                  placeholder="default location"
                  emptyIsNull
                  value={cfg().storage.databasePath ?? ""}
                />
              }
            />
            <section class="card">
              <h2>Logs</h2>
              <LogLevelField store={props.store} value={cfg().logging.level} />
              <LogsFolderField />
            </section>
            <section class="card" data-testid="settings-shortcuts">
              <h2>Keyboard shortcuts</h2>
              <ShortcutList />
            </section>
          </>
        )}
      </Show>
    </section>
  );
}
