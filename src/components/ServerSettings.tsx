import { createSignal, Show } from "solid-js";
import type { ServerConnection } from "../remote/connection";

/**
 * Settings → Server: work on this computer's data, or through a ClawDesk
 * server (`clawdesk serve`) at an address, with its token. The token field
 * is never filled back in: the token lives in the secret store, not here.
 */
export function ServerSettings(props: { connection: ServerConnection }) {
  const [url, setUrl] = createSignal(props.connection.server() ?? "");
  const [token, setToken] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<string | null>(null);

  const connect = async () => {
    setBusy(true);
    setProblem(null);
    const check = await props.connection.connect(url(), token());
    setBusy(false);
    if (check.ok) setToken("");
    else setProblem(check.message);
  };

  const useThisComputer = async () => {
    setBusy(true);
    setProblem(await props.connection.useThisComputer());
    setBusy(false);
  };

  return (
    <section class="card" data-testid="server-settings">
      <h2>Server</h2>
      <Show
        when={props.connection.server()}
        fallback={<p class="muted small" data-testid="server-state">This window uses the chats on this computer.</p>}
      >
        {(server) => (
          <p class="small" data-testid="server-state">
            This window uses the ClawDesk server at <strong>{server()}</strong>.{" "}
            <button type="button" class="ghost small" data-testid="server-use-local" disabled={busy()} onClick={() => void useThisComputer()}>
              Use this computer
            </button>
            <br />
            <span class="muted">The settings below are the server's: changes apply to it, for everyone who uses it.</span>
          </p>
        )}
      </Show>
      <form
        class="server-form"
        onSubmit={(e) => {
          e.preventDefault();
          void connect();
        }}
      >
        <div class="grid-2">
          <div class="field">
            <label class="field-label" for="server-url">
              Use a ClawDesk server: address
            </label>
            <input
              id="server-url"
              type="url"
              data-testid="server-url"
              placeholder="https://desk.example:1420"
              autocomplete="off"
              spellcheck={false}
              value={url()}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label class="field-label" for="server-token">
              Token
            </label>
            <input
              id="server-token"
              type="password"
              data-testid="server-token"
              autocomplete="off"
              placeholder={props.connection.server() ? "stored (type a new one to replace it)" : "the server's gateway token"}
              value={token()}
              onInput={(e) => setToken(e.currentTarget.value)}
            />
          </div>
        </div>
        <span class="field-hint muted">The token is kept in this computer's keychain (or its private secrets file), never in the settings file.</span>
        <div class="row">
          <button type="submit" class="primary" data-testid="server-connect" disabled={busy() || url().trim() === "" || token().trim() === ""}>
            {busy() ? "Connecting…" : "Connect"}
          </button>
        </div>
      </form>
      <Show when={problem()}>
        {(text) => (
          <p class="field-error" role="alert" data-testid="server-problem">
            {text()}
          </p>
        )}
      </Show>
    </section>
  );
}
