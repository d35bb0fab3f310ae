import { createEffect, createMemo, createSignal, Match, on, onCleanup, onMount, Switch } from "solid-js";
import { commands, type ModelInfo, type SessionId } from "../bindings/bindings";
import { errorOf, unwrap, type CommandError } from "./api";
import { tauriChatBackend, type ChatBackend } from "./chat/backend";
import { createChatStore } from "./chat/chatStore";
import { createDrafts, type Drafts } from "./chat/drafts";
import { createSessionsStore } from "./chat/sessionsStore";
import { createArchiveStore } from "./archive/archiveStore";
import { ArchiveBar } from "./components/ArchiveControls";
import { ChatView } from "./components/ChatView";
import { ErrorNote } from "./components/ErrorNote";
import { ModelPicker } from "./components/ModelPicker";
import { SettingsPanel } from "./components/Settings";
import { Sidebar } from "./components/Sidebar";
import { StatusPanel, StatusSummary } from "./components/Status";
import { createSettingsStore } from "./settings/settingsStore";
import { createStatusStore } from "./status/statusStore";

type View = "chat" | "settings" | "status";

export interface AppProps {
  /** Defaults to the Tauri backend; tests pass their own send/cancel. */
  chatBackend?: ChatBackend;
  /** How often the status area re-reads health and metrics. */
  statusIntervalMs?: number;
  /** Defaults to drafts kept in localStorage. */
  drafts?: Drafts;
}

/** Calls `fn` with the next frame; a hidden window gets no frames, so at
 * most 100 ms later in any case. */
function nextFrame(fn: () => void): void {
  let done = false;
  const once = () => {
    if (!done) (done = true), fn();
  };
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(once);
  setTimeout(once, 100);
}

export function App(props: AppProps) {
  const sessions = createSessionsStore();
  // Imported chats show up in the sidebar at once.
  const archive = createArchiveStore(() => sessions.refresh());
  const chat = createChatStore(props.chatBackend ?? tauriChatBackend, {
    onStreamSettled: (sessionId) => void sessions.touch(sessionId),
    onSent: (sessionId) => void sessions.touch(sessionId),
    scheduleFlush: nextFrame,
  });
  const status = createStatusStore();
  const settings = createSettingsStore();
  const drafts = props.drafts ?? createDrafts();

  const [view, setView] = createSignal<View>("chat");
  const [selectedId, setSelectedId] = createSignal<SessionId | null>(null);
  const [models, setModels] = createSignal<ModelInfo[]>([]);
  const [modelsError, setModelsError] = createSignal<CommandError | null>(null);
  const [creating, setCreating] = createSignal(false);
  const [now, setNow] = createSignal(new Date());

  const modelSaveError = () => {
    const st = settings.field("defaults.model");
    return st?.state === "error" ? st.error : null;
  };

  const selected = createMemo(() => sessions.sessions().find((s) => s.id === selectedId()) ?? null);

  // Several reads may overlap (start-up, a provider coming up): the newest wins.
  let modelsToken = 0;
  const loadModels = async () => {
    const token = ++modelsToken;
    try {
      const list = await unwrap(commands.getModels());
      if (token !== modelsToken) return;
      setModels(list);
      setModelsError(null);
    } catch (e) {
      if (token === modelsToken) setModelsError(errorOf(e));
    }
  };

  const show = (id: SessionId | null) => {
    setSelectedId(id);
    const s = id ? sessions.sessions().find((x) => x.id === id) : undefined;
    void chat.open(id, s?.model ?? null);
  };

  const select = (id: SessionId | null) => {
    show(id);
    setView("chat");
  };

  // "Model for new chats" is the one `defaults.model` config value, shown and
  // changed here and in Settings alike, so the two always agree and the
  // choice survives a restart. A save still in flight is waited for before
  // a new chat is created from it.
  let modelSaved: Promise<unknown> = Promise.resolve();
  const pickModel = (id: string) => {
    modelSaved = settings.update("defaults.model", id);
  };

  const create = async () => {
    setCreating(true);
    await modelSaved;
    // No model: the backend takes `defaults.model`, or, when nothing serves
    // it, a model a running provider offers.
    const s = await sessions.create(null);
    setCreating(false);
    if (s) select(s.id);
  };

  const remove = async (id: SessionId) => {
    const list = sessions.sessions();
    const at = list.findIndex((s) => s.id === id);
    const ok = await sessions.remove(id);
    if (ok) drafts.clear(id);
    if (ok && selectedId() === id) {
      const rest = sessions.sessions();
      select(rest[Math.min(at, rest.length - 1)]?.id ?? null);
    }
    return ok;
  };

  const openView = (v: View) => {
    const was = view();
    setView(v);
    // Provider changes in Settings change which models exist.
    if (was === "settings" && v !== "settings") void loadModels();
  };

  // So do providers that start or stop answering (a check finishing after
  // start-up, Ollama started later): re-read the models when a provider's
  // state changes.
  const providerHealth = () => status.health()?.providers ?? null;
  const providerStates = createMemo(() => providerHealth()?.map((p) => `${p.name}:${p.status}`).join(",") ?? null);
  createEffect(
    on(providerStates, (now, before) => {
      if (before !== undefined && now !== null && now !== before) void loadModels();
    }),
  );

  onMount(() => {
    let unlisten: (() => void) | undefined;
    let disposed = false;
    void chat.listen().then((u) => (disposed ? u() : (unlisten = u)));
    const stopPolling = status.poll(props.statusIntervalMs ?? 5000);
    const clock = setInterval(() => setNow(new Date()), 30_000);
    onCleanup(() => {
      disposed = true;
      unlisten?.();
      stopPolling();
      clearInterval(clock);
    });

    void (async () => {
      await Promise.all([sessions.refresh(), loadModels(), settings.load()]);
      const first = sessions.sessions()[0];
      // Behind the scenes: a user who already opened Settings stays there.
      if (first && selectedId() === null) show(first.id);
    })();
  });

  return (
    <div class="app">
      <aside class="sidebar" data-testid="sidebar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">◆</span> ClawDesk
        </div>
        <div class="sidebar-model">
          <ModelPicker
            label="Model for new chats"
            models={models()}
            value={settings.config()?.defaults.model ?? null}
            onChange={pickModel}
            providers={providerHealth()}
            onOpenSettings={() => openView("settings")}
          />
          <ErrorNote error={modelsError() ?? modelSaveError()} />
        </div>
        <Sidebar
          sessions={sessions.sessions()}
          loaded={sessions.loaded()}
          error={sessions.error()}
          selectedId={view() === "chat" ? selectedId() : null}
          now={now()}
          creating={creating()}
          onSelect={select}
          onCreate={() => void create()}
          onDelete={remove}
          onDismissError={sessions.clearError}
        />
        <footer class="sidebar-foot">
          <ArchiveBar archive={archive} />
          <StatusSummary status={status} onOpen={() => openView(view() === "status" ? "chat" : "status")} />
          <button
            type="button"
            class="ghost settings-button"
            data-testid="settings-button"
            aria-pressed={view() === "settings"}
            onClick={() => openView(view() === "settings" ? "chat" : "settings")}
          >
            Settings
          </button>
        </footer>
      </aside>
      <main class="main">
        <Switch>
          <Match when={view() === "settings"}>
            <SettingsPanel store={settings} models={models()} providers={providerHealth()} />
          </Match>
          <Match when={view() === "status"}>
            <StatusPanel status={status} />
          </Match>
          <Match when={view() === "chat"}>
            <ChatView chat={chat} session={selected()} drafts={drafts} models={models()} archive={archive} />
          </Match>
        </Switch>
      </main>
    </div>
  );
}
