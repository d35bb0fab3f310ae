import { createEffect, createMemo, createSignal, Match, on, onCleanup, onMount, Show, Switch } from "solid-js";
import { type MessageId, type ModelInfo, type SessionId } from "../bindings/bindings";
import { commands, transport } from "./transport";
import { errorOf, unwrap, type CommandError } from "./api";
import { tauriChatBackend, type ChatBackend } from "./chat/backend";
import { createChatStore } from "./chat/chatStore";
import { createDrafts, type Drafts } from "./chat/drafts";
import { createSessionsStore, isBlank } from "./chat/sessionsStore";
import { createArchiveStore } from "./archive/archiveStore";
import { ArchiveBar } from "./components/ArchiveControls";
import { ChatView } from "./components/ChatView";
import { ErrorNote } from "./components/ErrorNote";
import { FirstRun } from "./components/FirstRun";
import { ModelPicker } from "./components/ModelPicker";
import { SearchPalette } from "./components/SearchPalette";
import { SettingsPanel } from "./components/Settings";
import { Sidebar } from "./components/Sidebar";
import { StatusPanel, StatusSummary } from "./components/Status";
import { ShortcutHelp } from "./components/ShortcutList";
import { copyText } from "./lib/clipboard";
import { createSettingsStore } from "./settings/settingsStore";
import { handleShortcut, isMac, SHORTCUTS, shortcutLabel, type ShortcutId } from "./shortcuts";
import { createStatusStore } from "./status/statusStore";
import type { ServerConnection } from "./remote/connection";
import { OfflineBanner } from "./components/OfflineBanner";

type View = "chat" | "settings" | "status";

/** The User Timing mark set when the sidebar first shows its rows (the
 * start-up bench, tests/e2e/bench.e2e.mjs, reads it). */
export const SIDEBAR_ROWS_MARK = "clawdesk:sidebar-rows";

export interface AppProps {
  /** Defaults to the Tauri backend; tests pass their own send/cancel. */
  chatBackend?: ChatBackend;
  /** How often the status area re-reads health and metrics. */
  statusIntervalMs?: number;
  /** Defaults to drafts kept in localStorage. */
  drafts?: Drafts;
  /** How long a deleted chat can be brought back (default 5 s). */
  undoDeleteMs?: number;
  /** The window's server connection, if it can have one (the app window). */
  server?: ServerConnection;
  /** The chat to open first, if it still exists (the one open before a reload). */
  initialSessionId?: SessionId | null;
  /** Told the chat shown, so a reload can open it again. */
  onShow?: (id: SessionId | null) => void;
}

/** Where the sidebar's shown/hidden state is kept across restarts. */
export const SIDEBAR_COLLAPSED_KEY = "clawdesk.sidebarCollapsed";

/** Below this window width the sidebar starts hidden (until the user
 * chooses otherwise), so a small window has room for the chat. */
const NARROW_PX = 720;

function initialCollapsed(): boolean {
  try {
    const stored = localStorage.getItem(SIDEBAR_COLLAPSED_KEY);
    if (stored !== null) return stored === "true";
  } catch {
    // no storage: fall through
  }
  return typeof window !== "undefined" && window.innerWidth < NARROW_PX;
}

/** "Ctrl+N"-style keys of a shortcut, for titles. */
function keysOf(id: ShortcutId): string {
  const s = SHORTCUTS.find((x) => x.id === id);
  return s ? shortcutLabel(s, isMac()) : "";
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
  const sessions = createSessionsStore({ undoDeleteMs: props.undoDeleteMs });
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
  const [searching, setSearching] = createSignal(false);
  const [helpOpen, setHelpOpen] = createSignal(false);
  const [collapsed, setCollapsedSignal] = createSignal(initialCollapsed());
  const [focusComposer, setFocusComposer] = createSignal(0);
  /** A short note after a shortcut did something unseen (copied a reply). */
  const [toast, setToast] = createSignal<string | null>(null);

  const setCollapsed = (value: boolean) => {
    setCollapsedSignal(value);
    try {
      localStorage.setItem(SIDEBAR_COLLAPSED_KEY, String(value));
    } catch {
      // not kept; still applies now
    }
  };

  let toastTimer: ReturnType<typeof setTimeout> | undefined;
  const say = (text: string) => {
    setToast(text);
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => setToast(null), 2500);
  };

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
    props.onShow?.(id);
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
    // "New chat" again and again does not pile up empty chats: one nothing
    // was written to is handed out again (the selected one first), moved to
    // the model for new chats if that changed meanwhile.
    const blank = [selected(), ...sessions.sessions()].find((s) => s !== null && isBlank(s) && drafts.text(s.id) === "");
    if (blank) {
      const model = settings.config()?.defaults.model;
      if (model && blank.model !== model) await sessions.update(blank.id, { model });
      setCreating(false);
      select(blank.id);
      setFocusComposer((n) => n + 1);
      return;
    }
    // No model: the backend takes `defaults.model`, or, when nothing serves
    // it, a model a running provider offers.
    const s = await sessions.create(null);
    setCreating(false);
    if (s) {
      select(s.id);
      setFocusComposer((n) => n + 1);
    }
  };

  /** The newest reply with text in the open chat, as its markdown source. */
  const copyLastReply = async () => {
    const reply = [...chat.state.messages].reverse().find((m) => m.role === "assistant" && m.content.length > 0);
    if (!reply) return say("No reply to copy in this chat.");
    say((await copyText(reply.content)) ? "Copied the last reply." : "Couldn't copy: the clipboard refused.");
  };

  // Delete hides the chat at once and runs only after the undo window; the
  // next chat down opens in its place meanwhile.
  const remove = (id: SessionId) => {
    const list = sessions.sessions();
    const at = list.findIndex((s) => s.id === id);
    void sessions.deleteLater(id).then((deleted) => {
      if (deleted) drafts.clear(id);
    });
    if (selectedId() === id) {
      const rest = sessions.sessions();
      select(rest[Math.min(at, rest.length - 1)]?.id ?? null);
    }
  };

  const rename = async (id: SessionId, title: string) => (await sessions.update(id, { title })) !== null;
  const togglePin = (id: SessionId, pinned: boolean) => void sessions.update(id, { pinned });

  /** A search hit chosen: its chat, opened at the message (in the hit's
   * version of the chat, switched to first when another one is shown). */
  const openHit = (sessionId: SessionId, messageId: MessageId, otherBranch: boolean) => {
    setSearching(false);
    setSelectedId(sessionId);
    setView("chat");
    const s = sessions.sessions().find((x) => x.id === sessionId);
    void chat.openAt(sessionId, messageId, s?.model ?? null, otherBranch);
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

  // First run: while no provider answers, the chat area shows the ways to
  // start; as soon as one answers, a chat opens on a model it serves (the
  // backend picks one when `defaults.model` is not served).
  const noProviderAnswers = () => status.health()?.providersActive === 0;
  // Meanwhile, look every second, so a key that works or an Ollama just
  // started shows at once.
  createEffect(() => {
    if (noProviderAnswers()) onCleanup(status.poll(1000));
  });
  createEffect(
    on(
      () => status.health()?.providersActive ?? null,
      (now, before) => {
        if (before === 0 && now !== null && now > 0 && selectedId() === null && view() === "chat") void create();
      },
    ),
  );

  onMount(() => {
    let unlisten: (() => void) | undefined;
    let disposed = false;
    void chat.listen().then((u) => (disposed ? u() : (unlisten = u)));
    const stopPolling = status.poll(props.statusIntervalMs ?? 5000);
    const clock = setInterval(() => setNow(new Date()), 30_000);
    // The window's shortcuts (src/shortcuts.ts), wherever the focus is.
    const onKey = (e: KeyboardEvent) =>
      handleShortcut(e, {
        newChat: () => void create(),
        search: () => void setSearching(true),
        settings: () => openView(view() === "settings" ? "chat" : "settings"),
        toggleSidebar: () => setCollapsed(!collapsed()),
        copyLastReply: () => void copyLastReply(),
        // Escape is left alone (a dialog's, a field's) unless a reply streams.
        stop: () => (chat.streaming() ? void chat.stop() : false),
        help: () => void setHelpOpen(true),
      });
    window.addEventListener("keydown", onKey);
    onCleanup(() => {
      window.removeEventListener("keydown", onKey);
      disposed = true;
      unlisten?.();
      stopPolling();
      clearInterval(clock);
      clearTimeout(toastTimer);
    });

    void (async () => {
      const firstRows = sessions.refresh().then(() => performance.mark(SIDEBAR_ROWS_MARK));
      await Promise.all([firstRows, loadModels(), settings.load()]);
      const list = sessions.sessions();
      const first = list.find((s) => s.id === props.initialSessionId) ?? list[0];
      // Behind the scenes: a user who already opened Settings stays there.
      if (first && selectedId() === null) show(first.id);
    })();
  });

  return (
    <div class="app" classList={{ "sidebar-collapsed": collapsed() }}>
      <aside class="sidebar" id="sidebar" data-testid="sidebar" hidden={collapsed()}>
        <div class="brand">
          <span>
            <span class="brand-mark" aria-hidden="true">◆</span> ClawDesk
          </span>
          <button
            type="button"
            class="ghost small sidebar-toggle"
            data-testid="sidebar-hide"
            aria-controls="sidebar"
            aria-expanded="true"
            title={`Hide the sidebar (${keysOf("toggleSidebar")})`}
            onClick={() => setCollapsed(true)}
          >
            <span aria-hidden="true">«</span>
            <span class="visually-hidden">Hide the sidebar</span>
          </button>
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
          hasMore={sessions.hasMore()}
          pendingDeletes={sessions.pendingDeletes()}
          onSelect={select}
          onCreate={() => void create()}
          onDelete={remove}
          onUndoDelete={sessions.undoDelete}
          onRename={rename}
          onTogglePin={togglePin}
          onLoadMore={() => void sessions.loadMore()}
          onDismissError={sessions.clearError}
        />
        <footer class="sidebar-foot">
          {/* Files on this computer: the window's own (the gateway refuses them). */}
          <Show when={transport === "ipc"}>
            <ArchiveBar archive={archive} />
          </Show>
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
          <button type="button" class="ghost small" data-testid="shortcuts-button" title="Keyboard shortcuts (?)" onClick={() => setHelpOpen(true)}>
            Keyboard shortcuts
          </button>
        </footer>
      </aside>
      <main class="main">
        <Show when={props.server?.offline() && props.server.server()}>{(url) => <OfflineBanner server={url()} />}</Show>
        <Show when={collapsed()}>
          <button
            type="button"
            class="ghost small sidebar-show"
            data-testid="sidebar-show"
            aria-controls="sidebar"
            aria-expanded="false"
            title={`Show the sidebar (${keysOf("toggleSidebar")})`}
            onClick={() => setCollapsed(false)}
          >
            <span aria-hidden="true">☰</span>
            <span class="visually-hidden">Show the sidebar</span>
          </button>
        </Show>
        <Switch>
          <Match when={view() === "settings"}>
            <SettingsPanel store={settings} models={models()} providers={providerHealth()} server={props.server} />
          </Match>
          <Match when={view() === "status"}>
            <StatusPanel status={status} />
          </Match>
          <Match when={view() === "chat"}>
            <Show
              when={!selected() && noProviderAnswers()}
              fallback={
                <ChatView
                  chat={chat}
                  session={selected()}
                  drafts={drafts}
                  models={models()}
                  archive={transport === "ipc" ? archive : undefined}
                  focusComposer={focusComposer()}
                  offline={props.server?.offline() ?? false}
                />
              }
            >
              <FirstRun store={settings} providers={providerHealth()} onChanged={() => void status.refresh()} />
            </Show>
          </Match>
        </Switch>
      </main>
      <SearchPalette open={searching()} onClose={() => setSearching(false)} onChoose={openHit} />
      <ShortcutHelp open={helpOpen()} onClose={() => setHelpOpen(false)} />
      <Show when={toast()}>
        {(text) => (
          <div class="toast" role="status" data-testid="toast">
            {text()}
          </div>
        )}
      </Show>
    </div>
  );
}
