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
 * Switches every later call to the gateway at `baseUrl` (by default the
 * origin this page came from) with `token`. Replaces an earlier connection.
 */
export function connectGateway(token: string, baseUrl: string = window.location.origin): void {
  client?.close();
  client = createGatewayClient({ baseUrl, token });
  commands = client.commands;
  events = client.events;
  transport = "http";
}
