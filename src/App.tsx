import { createResource, For, Show } from "solid-js";
import { commands } from "../bindings/bindings";
import { describeError } from "./api";

async function unwrap<T>(result: Promise<{ status: "ok"; data: T } | { status: "error"; error: unknown }>): Promise<T> {
  const r = await result;
  if (r.status === "error") throw new Error(describeError(r.error as never));
  return r.data;
}

export function App() {
  const [health] = createResource(() => unwrap(commands.getHealth()));
  const [sessions, { refetch }] = createResource(() => unwrap(commands.listSessions()));

  const newSession = async () => {
    await unwrap(commands.createSession(null, null));
    await refetch();
  };

  return (
    <main class="shell">
      <aside class="sidebar">
        <button class="primary" onClick={newSession}>New chat</button>
        <Show when={sessions()} fallback={<p class="muted">Loading…</p>}>
          <ul>
            <For each={sessions()}>{(s) => <li>{s.title ?? "New chat"}</li>}</For>
          </ul>
        </Show>
      </aside>
      <section class="content">
        <h1>ClawDesk</h1>
        <Show when={health()}>
          {(h) => (
            <p class="muted">
              Backend {h().status} · {h().providersActive} provider(s) · up {Math.round(h().uptime)} s
            </p>
          )}
        </Show>
      </section>
    </main>
  );
}
