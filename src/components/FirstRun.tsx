import { createSignal, For, Show, type JSX } from "solid-js";
import type { ProviderHealth, ProviderState } from "../../bindings/bindings";
import { describeError, type CommandError } from "../api";
import type { SettingsStore } from "../settings/settingsStore";

/** What a provider's state means to someone setting up, in a few words. */
const STATE_TEXT: Record<ProviderState, string> = {
  ready: "Answering",
  unreachable: "Not answering",
  needsKey: "Needs a key",
  disabled: "Off",
  checking: "Checking…",
};

function StateBadge(props: { provider: ProviderHealth | undefined }) {
  return (
    <Show when={props.provider} fallback={<span class="provider-state">Not set up</span>}>
      {(p) => (
        <span class={`provider-state state-${p().status}`} title={p().detail} data-testid="first-run-state">
          {STATE_TEXT[p().status]}
          <span class="muted"> · {p().detail}</span>
        </span>
      )}
    </Show>
  );
}

function Option(props: { title: string; provider: ProviderHealth | undefined; children: JSX.Element; testId: string }) {
  return (
    <section class="card first-run-option" data-testid={props.testId}>
      <header class="first-run-option-head">
        <h3>{props.title}</h3>
        <StateBadge provider={props.provider} />
      </header>
      {props.children}
    </section>
  );
}

/** Paste a key for one of the built-in cloud providers (and turn it on). */
function KeyForm(props: { store: SettingsStore; provider: "anthropic" | "openai"; placeholder: string; onSaved: () => void }) {
  const [key, setKey] = createSignal("");
  const [error, setError] = createSignal<CommandError | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const value = key().trim();
    if (!value) return;
    const saved =
      (await props.store.update(`providers.${props.provider}.apiKey`, value)) &&
      (await props.store.update(`providers.${props.provider}.enabled`, true));
    const st = props.store.field(`providers.${props.provider}.apiKey`) ?? props.store.field(`providers.${props.provider}.enabled`);
    setError(saved ? null : st?.state === "error" ? st.error : null);
    if (saved) {
      setKey("");
      props.onSaved();
    }
  };
  return (
    <form class="inline-row" onSubmit={(e) => void submit(e)}>
      <input
        type="password"
        aria-label={`${props.provider === "anthropic" ? "Anthropic" : "OpenAI"} API key`}
        placeholder={props.placeholder}
        value={key()}
        autocomplete="off"
        onInput={(e) => setKey(e.currentTarget.value)}
      />
      <button type="submit" class="primary small" disabled={key().trim() === ""}>
        Save key
      </button>
      <Show when={error()}>{(e) => <span class="field-error" role="alert">{describeError(e())}</span>}</Show>
    </form>
  );
}

/** Any OpenAI-compatible server: LM Studio, llama.cpp, vLLM, OpenRouter… */
function ServerForm(props: { store: SettingsStore; onSaved: () => void }) {
  const [name, setName] = createSignal("local");
  const [baseUrl, setBaseUrl] = createSignal("");
  const [key, setKey] = createSignal("");
  const [error, setError] = createSignal<CommandError | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const n = name().trim();
    const entry: `providers.${string}` = `providers.${n}`;
    let saved = await props.store.update(entry, { kind: "openai", baseUrl: baseUrl().trim() });
    let failed = props.store.field(entry);
    if (saved && key().trim()) {
      saved = await props.store.update(`providers.${n}.apiKey`, key().trim());
      failed = props.store.field(`providers.${n}.apiKey`);
    }
    setError(saved ? null : failed?.state === "error" ? failed.error : null);
    if (saved) {
      setKey("");
      props.onSaved();
    }
  };
  return (
    <form class="first-run-server" onSubmit={(e) => void submit(e)}>
      <div class="inline-row wrap">
        <label class="field-label">
          Name
          <input type="text" value={name()} spellcheck={false} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field-label grow">
          Base URL
          <input
            type="text"
            data-testid="first-run-server-url"
            value={baseUrl()}
            placeholder="http://127.0.0.1:1234/v1"
            spellcheck={false}
            onInput={(e) => setBaseUrl(e.currentTarget.value)}
          />
        </label>
        <label class="field-label">
          API key (if it needs one)
          <input type="password" value={key()} autocomplete="off" onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
      </div>
      <button type="submit" class="primary small" disabled={name().trim() === "" || baseUrl().trim() === ""}>
        Add server
      </button>
      <Show when={error()}>{(e) => <span class="field-error" role="alert">{describeError(e())}</span>}</Show>
    </form>
  );
}

/**
 * What a new user sees while no provider can answer: plainly that nothing
 * answers yet, and the ways to start, each with its live state. The app
 * opens a chat by itself as soon as one answers.
 */
export function FirstRun(props: { store: SettingsStore; providers: ProviderHealth[] | null; onChanged: () => void }) {
  const find = (name: string) => props.providers?.find((p) => p.name === name);
  const others = () => (props.providers ?? []).filter((p) => !["anthropic", "openai", "ollama"].includes(p.name));
  const ollamaOff = () => find("ollama")?.status === "disabled";
  return (
    <section class="first-run" aria-labelledby="first-run-title" data-testid="first-run">
      <h2 id="first-run-title">Connect a model to start chatting</h2>
      <p class="muted">
        No model can answer yet: ClawDesk has no API key and found no model server on this computer. Choose one way
        below. Each is checked live, and a chat opens as soon as one answers.
      </p>
      <Option title="Anthropic (Claude)" provider={find("anthropic")} testId="first-run-anthropic">
        <p class="small muted">Paste an API key from console.anthropic.com.</p>
        <KeyForm store={props.store} provider="anthropic" placeholder="sk-ant-…" onSaved={props.onChanged} />
      </Option>
      <Option title="OpenAI (GPT)" provider={find("openai")} testId="first-run-openai">
        <p class="small muted">Paste an API key from platform.openai.com.</p>
        <KeyForm store={props.store} provider="openai" placeholder="sk-…" onSaved={props.onChanged} />
      </Option>
      <Option title="Ollama, on this computer" provider={find("ollama")} testId="first-run-ollama">
        <p class="small muted">
          Free and private. Install it from ollama.com, then run <code>ollama serve</code> and{" "}
          <code>ollama pull llama3.2</code> in a terminal; this page notices when it answers.
        </p>
        <Show when={ollamaOff()}>
          <button
            type="button"
            class="small"
            onClick={() => void props.store.update("providers.ollama.enabled", true).then((ok) => ok && props.onChanged())}
          >
            Turn Ollama on
          </button>
        </Show>
      </Option>
      <Option title="Another OpenAI-compatible server" provider={others()[0]} testId="first-run-server">
        <p class="small muted">LM Studio, llama.cpp, vLLM, OpenRouter, Groq…: its address ends in /v1.</p>
        <ServerForm store={props.store} onSaved={props.onChanged} />
        <For each={others().slice(1)}>
          {(p) => (
            <p class="small">
              {p.name}: <StateBadge provider={p} />
            </p>
          )}
        </For>
      </Option>
    </section>
  );
}
