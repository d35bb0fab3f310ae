// Test fixtures and an in-memory fake backend built on bindings/mock.ts.
import type {
  AppConfig,
  ChannelInfo,
  HealthStatus,
  Message,
  Metrics,
  ModelInfo,
  SessionCursor,
  SessionId,
  SessionInfo,
} from "../../bindings/bindings";
import { fail, mockCommands, type CommandHandlers, type CommandMock } from "../../bindings/mock";
import { byRecent } from "../chat/sessionsStore";
import { fakeTree, type FakeTree } from "./fakeTree";
import { asMessageId, testMessageId, testSessionId } from "./ids";

export function session(over: Partial<SessionInfo> = {}): SessionInfo {
  const t = over.lastActive ?? "2026-11-23T20:00:00.000Z";
  return {
    id: testSessionId(),
    channelId: "desktop",
    createdAt: t,
    lastActive: t,
    messageCount: 0,
    model: "anthropic/claude-sonnet-4-5",
    title: null,
    pinned: false,
    systemPrompt: null,
    ...over,
  };
}

export function message(over: Partial<Message> & { sessionId: SessionId }): Message {
  return {
    id: testMessageId(),
    role: "user",
    content: "hello",
    model: null,
    usage: null,
    timestamp: "2026-11-23T20:00:00.000Z",
    status: "complete",
    ...over,
  };
}

/** `n` alternating user/assistant messages. */
export function conversation(sessionId: SessionId, n: number): Message[] {
  return Array.from({ length: n }, (_, i) =>
    message({
      id: asMessageId(`msg_${String(i).padStart(26, "0")}`),
      sessionId,
      role: i % 2 === 0 ? "user" : "assistant",
      content: i % 2 === 0 ? `Question ${i}` : `Answer **${i}** with \`code\` and a list:\n\n- one\n- two`,
      model: i % 2 === 0 ? null : "anthropic/claude-sonnet-4-5",
      usage: i % 2 === 0 ? null : { inputTokens: 10 + i, outputTokens: 20 + i },
      timestamp: new Date(Date.UTC(2026, 10, 23, 12, 0, i % 60)).toISOString(),
    }),
  );
}

export const models: ModelInfo[] = [
  { id: "anthropic/claude-sonnet-4-5", model: "claude-sonnet-4-5", provider: "anthropic", capabilities: ["chat", "streaming"], contextWindow: 200000, displayName: "Claude Sonnet 4.5", source: "catalog" },
  { id: "anthropic/claude-haiku-4-5", model: "claude-haiku-4-5", provider: "anthropic", capabilities: ["chat", "streaming"], contextWindow: 200000, displayName: "Claude Haiku 4.5", source: "catalog" },
  { id: "openai/gpt-4o", model: "gpt-4o", provider: "openai", capabilities: ["chat", "streaming", "vision"], contextWindow: 128000, displayName: "GPT-4o", source: "catalog" },
  { id: "ollama/llama3.2", model: "llama3.2", provider: "ollama", capabilities: ["chat", "streaming"], contextWindow: 131072, displayName: "Llama 3.2", source: "discovered" },
];

export function config(): AppConfig {
  return {
    gateway: { enabled: false, host: "127.0.0.1", port: 1420, allowedOrigins: [], tokenSet: false },
    providers: {
      anthropic: { kind: "anthropic", baseUrl: "https://api.anthropic.com", enabled: true, apiKeySet: false, includeUsage: false },
      ollama: { kind: "ollama", baseUrl: "http://127.0.0.1:11434", enabled: true, apiKeySet: false, includeUsage: false },
    },
    defaults: { model: "anthropic/claude-sonnet-4-5", systemPrompt: "You are helpful." },
    compaction: { auto: true, thresholdPercent: 80, keepRecent: 8, summaryPrompt: "Summarize." },
    network: { connectTimeoutMs: 10000, firstByteTimeoutMs: 60000, idleTimeoutMs: 30000, maxRetries: 2, maxRetryWaitMs: 30000 },
    storage: { databasePath: null, databaseUrlSet: false },
    logging: { level: "info" },
    remote: { url: null, tokenSet: false },
  };
}

export const health: HealthStatus = {
  status: "degraded",
  uptime: 3725,
  channelsActive: 1,
  providersActive: 1,
  checks: [
    { name: "store", status: "healthy", detail: "SQLite answers in 0.2 ms" },
    { name: "providers", status: "degraded", detail: "anthropic has no API key" },
  ],
  providers: [
    { name: "anthropic", kind: "anthropic", status: "needsKey", detail: "add an API key for Anthropic in Settings", checkedAt: null },
    { name: "ollama", kind: "ollama", status: "ready", detail: "answered in 3 ms, serving 1 model", checkedAt: "2026-11-23T19:00:00.000Z" },
  ],
  logDirectory: "/home/u/.local/share/dev.clawdesk.app/logs",
  secretStore: { kind: "file", detail: "/home/u/.config/dev.clawdesk.app/secrets.toml (no OS keychain answered: no session bus)" },
  storage: { kind: "sqlite", location: "/home/u/.local/share/dev.clawdesk.app/clawdesk.db" },
};

export const channels: ChannelInfo[] = [
  { id: "desktop", kind: "desktop", status: "active", detail: null, connectedAt: "2026-11-23T19:00:00.000Z", sessionCount: 3 },
];

export function metrics(over: Partial<Metrics> = {}): Metrics {
  const lat = (p50Us: number) => ({ count: 12, p50Us, p95Us: p50Us * 3, maxUs: p50Us * 5 });
  return {
    uptime: 3725,
    commandsTotal: 140,
    commandErrors: 2,
    sessionsCreated: 4,
    sessionsDeleted: 1,
    messagesUser: 20,
    messagesAssistant: 19,
    inputTokens: 12345,
    outputTokens: 6789,
    activeStreams: 0,
    streamsCompleted: 18,
    streamsFailed: 1,
    streamsCancelled: 0,
    timeToFirstChunk: lat(412_000),
    streamDuration: lat(2_300_000),
    storeQuery: lat(350),
    ...over,
  };
}

/** What an accepted `updateConfig` does to the stored config, as the backend
 * does it: a fixed key sets its field, `providers.<name>.<field>` a field of
 * that entry (an API key only shows as `apiKeySet`). No validation. */
export function applyConfigUpdate(config: AppConfig, key: string, value: unknown): void {
  const [section = "", name = "", field] = key.split(".");
  if (section === "providers") {
    const entry = config.providers[name];
    if (!entry || field === undefined) return;
    if (field === "apiKey") entry.apiKeySet = value !== null;
    else Object.assign(entry, { [field]: value });
    return;
  }
  const target: unknown = config[section as keyof AppConfig];
  if (target && typeof target === "object") Object.assign(target, { [name]: value });
}

export interface FakeBackend {
  mock: CommandMock;
  sessions: SessionInfo[];
  /** Every message of each session in creation order: a tree (see fakeTree.ts). */
  messages: Map<string, Message[]>;
  config: AppConfig;
  /** The conversations as trees: active paths, versions, replies that stream. */
  tree: FakeTree;
}

/** An in-memory backend answering every command the UI uses; edits,
 * regenerations and switches follow the backend's tree semantics. */
export function fakeBackend(init: { sessions?: SessionInfo[]; messages?: Record<string, Message[]> } = {}, extra: CommandHandlers = {}): FakeBackend {
  const state: Omit<FakeBackend, "mock" | "tree"> = {
    // Copies: updateSession changes them, and tests share their fixtures.
    sessions: (init.sessions ?? []).map((s) => ({ ...s })),
    messages: new Map(Object.entries(init.messages ?? {})),
    config: config(),
  };
  const find = (sessionId: SessionId) =>
    state.sessions.find((s) => s.id === sessionId) ?? fail({ kind: "sessionNotFound", message: `session ${sessionId} does not exist`, sessionId });
  const tree = fakeTree(state.messages, (sessionId) => state.sessions.find((s) => s.id === sessionId)?.model ?? null);
  const mock = mockCommands({
    listSessions: () => [...state.sessions].sort((a, b) => b.lastActive.localeCompare(a.lastActive)),
    // Keyset pages as the backend makes them; the cursor is the last id.
    listSessionsPage: ({ cursor, limit, pinnedFirst }) => {
      const order = pinnedFirst
        ? byRecent
        : (a: SessionInfo, b: SessionInfo) => b.lastActive.localeCompare(a.lastActive) || b.id.localeCompare(a.id);
      const sorted = [...state.sessions].sort(order);
      const start = cursor === null ? 0 : sorted.findIndex((s) => (s.id as string) === cursor) + 1;
      const page = sorted.slice(start, start + (limit ?? 50));
      const last = page[page.length - 1];
      const more = start + page.length < sorted.length;
      return { sessions: page, nextCursor: more && last ? (last.id as string as SessionCursor) : null };
    },
    updateSession: ({ sessionId, patch }) => {
      const s = find(sessionId);
      if (patch.title !== undefined && patch.title !== null) {
        if (patch.title.trim() === "") fail({ kind: "invalidArgument", field: "title", message: "invalid title: the title is empty" });
        s.title = patch.title.trim();
      }
      if (patch.model !== undefined && patch.model !== null) s.model = patch.model;
      if (patch.pinned !== undefined && patch.pinned !== null) s.pinned = patch.pinned;
      if (patch.systemPrompt !== undefined) s.systemPrompt = patch.systemPrompt?.trim() ? patch.systemPrompt : null;
      return { ...s };
    },
    getSession: ({ sessionId }) => find(sessionId),
    createSession: ({ channelId, model }) => {
      const s = session({ channelId: channelId ?? "desktop", model: model ?? state.config.defaults.model, lastActive: new Date().toISOString() });
      state.sessions.push(s);
      return s;
    },
    deleteSession: ({ sessionId }) => {
      find(sessionId);
      state.sessions = state.sessions.filter((s) => s.id !== sessionId);
      return null;
    },
    getMessages: ({ sessionId, limit }) => {
      find(sessionId);
      const path = tree.path(sessionId);
      return limit === null ? path : path.slice(-limit);
    },
    editMessage: ({ messageId, content }) => tree.editMessage(messageId, content),
    regenerate: ({ messageId, model }) => tree.regenerate(messageId, model),
    switchBranch: ({ messageId }) => tree.switchBranch(messageId),
    getConfig: () => structuredClone(state.config),
    updateConfig: ({ key, value }) => {
      applyConfigUpdate(state.config, key, value);
      return null;
    },
    getModels: () => models,
    getChannels: () => channels,
    getHealth: () => health,
    getMetrics: () => metrics(),
    ...extra,
  });
  return Object.assign(state, { mock, tree }) as FakeBackend;
}
