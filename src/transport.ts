// Which door the frontend uses to reach the backend. In the app's window:
// Tauri IPC (bindings/bindings.ts). In a browser that loaded the app from
// the gateway: HTTP (bindings/gateway.ts). Both are generated from the same
// Rust commands, and a type-level test proves their `commands` and `events`
// are identical, so the rest of the frontend neither knows nor cares.
//
// Everything in src/ calls the backend through `commands` and `events` from
// here, never from the bindings directly (transport.test.ts checks).
import { commands as ipcCommands, events as ipcEvents } from "../bindings/bindings";
import { createGatewayClient, type GatewayClient, type GatewayCommands, type GatewayEvents } from "../bindings/gateway";

export type Transport = "ipc" | "http";

/** The backend's commands over the current transport (a live binding). */
export let commands: GatewayCommands = ipcCommands;
/** The backend's stream events over the current transport (a live binding). */
export let events: GatewayEvents = ipcEvents;
/** How this page reaches the backend; `http` once `connectGateway` ran. */
export let transport: Transport = "ipc";

let client: GatewayClient | null = null;

/** Whether this page runs in the app's own window (Tauri injects its IPC). */
export function inAppWindow(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/**
 * The backend of this computer, whichever transport `commands` uses: in the
 * app's window, the local settings of a server connection (`remote.*`) are
 * read and written here even while the window works through that server.
 */
export const localCommands: GatewayCommands = ipcCommands;

/**
 * Switches every later call to the gateway at `baseUrl` (by default the
 * origin this page came from) with `token`. Replaces an earlier connection.
 * `fetch` lets the caller watch every request (the window's server
 * connection tells a server that stopped answering from one that refuses).
 */
export function connectGateway(token: string, baseUrl: string = window.location.origin, fetch?: typeof globalThis.fetch): void {
  client?.close();
  client = createGatewayClient({ baseUrl, token, fetch });
  commands = client.commands;
  events = client.events;
  transport = "http";
}

/** Back to the app window's own backend (Tauri IPC), dropping a gateway connection. */
export function useLocalBackend(): void {
  client?.close();
  client = null;
  commands = ipcCommands;
  events = ipcEvents;
  transport = "ipc";
}
