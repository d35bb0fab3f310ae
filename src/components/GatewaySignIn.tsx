import { createSignal, onMount, Show, type JSX } from "solid-js";
import { describeError, type CommandError } from "../api";
import { forgetToken, savedToken, signIn } from "../gatewaySignIn";

/**
 * In a browser served by the gateway: asks for the gateway's token once
 * (or uses the one this browser saved), then shows `children`, the same
 * app as the window, working over HTTP.
 */
export function GatewaySignIn(props: { children: () => JSX.Element }) {
  const [connected, setConnected] = createSignal(false);
  const [checking, setChecking] = createSignal(savedToken() !== null);
  const [error, setError] = createSignal<CommandError | null>(null);
  const [token, setToken] = createSignal("");

  const message = () => {
    const e = error();
    if (!e) return "";
    return e.kind === "unauthenticated" ? e.message : describeError(e);
  };

  const attempt = async (candidate: string, saved: boolean) => {
    setChecking(true);
    const failed = await signIn(candidate);
    setChecking(false);
    if (!failed) {
      setConnected(true);
      return;
    }
    if (saved && failed.kind === "unauthenticated") {
      forgetToken();
      setError({ ...failed, message: "The saved token no longer works (it may have been rotated)." });
    } else if (failed.kind === "unauthenticated") {
      setError({ ...failed, message: "That is not the gateway's token." });
    } else setError(failed);
  };

  onMount(() => {
    const saved = savedToken();
    if (saved) void attempt(saved, true);
  });

  return (
    <Show when={!connected()} fallback={props.children()}>
      <main class="sign-in">
        <form
          class="sign-in-card"
          aria-labelledby="sign-in-title"
          onSubmit={(e) => {
            e.preventDefault();
            void attempt(token(), false);
          }}
        >
          <h1 id="sign-in-title">ClawDesk</h1>
          <p class="muted">
            This is the ClawDesk gateway. Enter its token, shown in the desktop app under Settings → Gateway, or
            stored where <code>clawdesk serve</code> says (the OS keychain, or secrets.toml next to a server's config).
          </p>
          <label class="field-label" for="gateway-token">
            Gateway token
          </label>
          <input
            id="gateway-token"
            type="password"
            autocomplete="current-password"
            value={token()}
            onInput={(e) => setToken(e.currentTarget.value)}
            disabled={checking()}
            aria-describedby="gateway-token-error"
          />
          <button type="submit" class="primary" disabled={checking()}>
            {checking() ? "Connecting…" : "Connect"}
          </button>
          <p class="field-error" id="gateway-token-error" role="alert">
            {message()}
          </p>
        </form>
      </main>
    </Show>
  );
}
