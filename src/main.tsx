import { createSignal, Show } from "solid-js";
import { render } from "solid-js/web";
import type { SessionId } from "../bindings/bindings";
import { App } from "./App";
import { GatewaySignIn } from "./components/GatewaySignIn";
import { createServerConnection } from "./remote/connection";
import { inAppWindow } from "./transport";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("#root is missing from index.html");

/**
 * The app's window: its own backend, or the ClawDesk server chosen in
 * Settings (reconnected on launch). Each switch or recovery builds the app
 * afresh on the backend now in use, so every store reads it again; the
 * chat that was open opens again, and drafts live in localStorage.
 */
function AppWindow() {
  const server = createServerConnection();
  const [ready, setReady] = createSignal(false);
  let lastShown: SessionId | null = null;
  // A failure to read the local choice leaves the window on this computer.
  void server
    .resume()
    .catch(() => undefined)
    .finally(() => setReady(true));
  return (
    <Show when={ready() && server.generation() + 1} keyed>
      {(_generation) => <App server={server} initialSessionId={lastShown} onShow={(id) => (lastShown = id)} />}
    </Show>
  );
}

// In the app's window the backend is a function call away (or a server it
// was pointed at); in a browser (the page came from the gateway) it is over
// HTTP, behind the token.
render(() => (inAppWindow() ? <AppWindow /> : <GatewaySignIn>{() => <App />}</GatewaySignIn>), root);
