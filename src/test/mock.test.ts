import { describe, expect, it, vi } from "vitest";
import { commands, events } from "../../bindings/bindings";
import { asMessageId, asSessionId } from "./ids";

const SA = asSessionId("sess_a");
const MA = asMessageId("msg_a");
import { emitEvent, fail, mockCommands, toSnakeCase, type CommandArgNames, type CommandName } from "../../bindings/mock";

// The parameter names bindings/mock.ts declares, checked here against what
// the generated functions really put on the wire.
const declared: { [K in CommandName]?: K extends keyof CommandArgNames ? CommandArgNames[K] : never } = {
  createSession: ["channelId", "model"],
  listSessions: [],
  listSessionsPage: ["cursor", "limit", "pinnedFirst"],
  getSession: ["sessionId"],
  updateSession: ["sessionId", "patch"],
  deleteSession: ["sessionId"],
  getMessages: ["sessionId", "limit"],
  getConfig: [],
  updateConfig: ["key", "value"],
  getModels: [],
  getChannels: [],
  getHealth: [],
  getMetrics: [],
  getGatewayToken: [],
  rotateGatewayToken: [],
  getRemoteToken: [],
  exportSession: ["sessionId", "path", "format"],
  exportAllSessions: ["path"],
  importArchive: ["path"],
  getMessagesAround: ["sessionId", "messageId", "before", "after"],
  editMessage: ["messageId", "content"],
  regenerate: ["messageId", "model"],
  switchBranch: ["messageId"],
};

describe("bindings/mock", () => {
  it("maps accessor names to wire names", () => {
    expect(toSnakeCase("createSession")).toBe("create_session");
    expect(toSnakeCase("getMessages")).toBe("get_messages");
    expect(toSnakeCase("listSessions")).toBe("list_sessions");
  });

  it("declares each command's parameter names as the bindings send them", async () => {
    const seen: { command: string; keys: string[] }[] = [];
    const mock = mockCommands({});
    for (const name of Object.keys(commands) as CommandName[]) {
      const fn = commands[name] as (...args: unknown[]) => Promise<unknown>;
      await fn(...Array.from({ length: fn.length }, (_, i) => `arg${i}`));
      const call = mock.calls.at(-1)!;
      seen.push({ command: call.command, keys: Object.keys(call.args) });
      expect(call.command).toBe(toSnakeCase(name));
      const names = declared[name];
      if (names) expect(Object.keys(call.args)).toEqual(names);
    }
    expect(seen.length).toBe(Object.keys(commands).length);
  });

  it("passes typed arguments to handlers and returns their data as ok", async () => {
    const handler = vi.fn(async ({ channelId, model }: { channelId: string | null; model: string | null }) => ({
      id: asSessionId("sess_01"),
      channelId: channelId ?? "desktop",
      createdAt: "2026-11-23T20:00:00.000Z",
      lastActive: "2026-11-23T20:00:00.000Z",
      messageCount: 0,
      model,
      title: null,
      pinned: false,
      systemPrompt: null,
    }));
    const mock = mockCommands({ createSession: handler });
    const r = await commands.createSession(null, "openai/gpt-4o");
    expect(r).toEqual({ status: "ok", data: expect.objectContaining({ id: "sess_01", channelId: "desktop", model: "openai/gpt-4o" }) });
    expect(handler).toHaveBeenCalledWith({ channelId: null, model: "openai/gpt-4o" });
    expect(mock.callsOf("createSession")).toEqual([{ channelId: null, model: "openai/gpt-4o" }]);
  });

  it("turns fail() into a typed error", async () => {
    mockCommands({
      getSession: ({ sessionId }) => fail({ kind: "sessionNotFound", message: "gone", sessionId }),
    });
    expect(await commands.getSession(asSessionId("sess_x"))).toEqual({
      status: "error",
      error: { kind: "sessionNotFound", message: "gone", sessionId: "sess_x" },
    });
  });

  it("fails an unmocked command with an internal AppError naming it", async () => {
    mockCommands({});
    const r = await commands.getHealth();
    expect(r.status === "error" && r.error).toEqual({ kind: "internal", message: expect.stringMatching(/"get_health" is not mocked/) });
  });

  it("can add handlers later without losing event listeners", async () => {
    const mock = mockCommands({});
    const got: string[] = [];
    const unlisten = await events.streamChunk.listen((e) => got.push(e.payload.content));
    mock.set({ getHealth: () => ({ status: "healthy", uptime: 1, channelsActive: 0, providersActive: 0, checks: [], providers: [], logDirectory: null, secretStore: { kind: "file", detail: "secrets.toml" }, storage: { kind: "sqlite", location: "clawdesk.db" } }) });
    expect((await commands.getHealth()).status).toBe("ok");
    await emitEvent("streamChunk", { sessionId: SA, messageId: MA, content: "Hi", index: 0 });
    unlisten();
    await emitEvent("streamChunk", { sessionId: SA, messageId: MA, content: "ignored", index: 1 });
    expect(got).toEqual(["Hi"]);
  });

  it("emits typed events to listeners of that event only", async () => {
    mockCommands({});
    const ends: string[] = [];
    const starts: string[] = [];
    await events.streamEnd.listen((e) => ends.push(`${e.payload.messageId}:${e.payload.usage.outputTokens}`));
    await events.streamStart.listen((e) => starts.push(e.payload.messageId));
    await emitEvent("streamEnd", { sessionId: SA, messageId: MA, usage: { inputTokens: 3, outputTokens: 5 } });
    expect(ends).toEqual(["msg_a:5"]);
    expect(starts).toEqual([]);
  });
});
