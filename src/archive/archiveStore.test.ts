import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { events, type ImportProgress, type SessionInfo } from "../../bindings/bindings";
import { createArchiveStore, fileStem } from "./archiveStore";
import type { SessionId } from "../../bindings/bindings";

afterEach(() => clearMocks());

const chat = {
  id: "sess_01JD0000000000000000000000" as SessionId,
  channelId: "desktop",
  createdAt: "2026-11-30T10:00:00.000Z",
  lastActive: "2026-11-30T10:00:00.000Z",
  messageCount: 4,
  model: null,
  title: "Sourdough: starter help?",
  pinned: false,
  systemPrompt: null,
} satisfies SessionInfo;

/** The backend and the dialog plugin: `dialog` is the path the user picks (null: cancelled). */
function backend(dialog: string | null, handlers: Record<string, (args: Record<string, unknown>) => unknown>) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC(
    async (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      if (cmd === "plugin:dialog|save" || cmd === "plugin:dialog|open") return dialog;
      const handler = handlers[cmd];
      if (!handler) throw new Error(`not mocked: ${cmd}`);
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

describe("export and import from the window", () => {
  it("names files after the chat", () => {
    expect(fileStem("Sourdough: starter help?")).toBe("Sourdough-starter-help");
    expect(fileStem(null)).toBe("chat");
    expect(fileStem("???")).toBe("chat");
  });

  it("exports a chat to the path the save dialog returns", async () => {
    const calls = backend("/home/u/sourdough.md", { export_session: () => ({ sessions: 1, messages: 4, bytes: 900 }) });
    const archive = createArchiveStore(async () => {});
    await archive.exportChat(chat, "markdown");
    const dialog = calls.find((c) => c.cmd === "plugin:dialog|save")!;
    expect((dialog.args.options as { defaultPath: string }).defaultPath).toBe("Sourdough-starter-help.md");
    expect(calls.find((c) => c.cmd === "export_session")!.args).toEqual({ sessionId: chat.id, path: "/home/u/sourdough.md", format: "markdown" });
    expect(archive.notice()).toBe("Exported 4 messages to /home/u/sourdough.md.");
    expect(archive.error()).toBeNull();
  });

  it("does nothing when the dialog is cancelled", async () => {
    const calls = backend(null, {});
    const archive = createArchiveStore(async () => {});
    await archive.exportAll();
    await archive.importFile();
    expect(calls.map((c) => c.cmd)).toEqual(["plugin:dialog|save", "plugin:dialog|open"]);
    expect(archive.notice()).toBeNull();
    expect(archive.busy()).toBe(false);
  });

  it("imports with progress, then refreshes the chats and says what came in", async () => {
    const seen: (ImportProgress | null)[] = [];
    const archive = createArchiveStore(refresh);
    const refreshed = vi.fn();
    async function refresh() {
      refreshed();
    }
    backend("/home/u/conversations.json", {
      import_archive: async (args) => {
        expect(args).toEqual({ path: "/home/u/conversations.json" });
        seen.push(archive.progress());
        await events.importProgress.emit({ done: 1, total: 2 });
        seen.push(archive.progress());
        return { source: "chatgpt", sessionsImported: 1, sessionsSkipped: 1, messagesImported: 6 };
      },
    });
    expect(archive.busy()).toBe(false);
    await archive.importFile();
    expect(seen).toEqual([
      { done: 0, total: 0 },
      { done: 1, total: 2 },
    ]);
    expect(refreshed).toHaveBeenCalledOnce();
    expect(archive.notice()).toBe("Imported 1 chat from ChatGPT (6 messages); 1 chat already here.");
    expect(archive.progress()).toBeNull();
  });

  it("shows a bad file's typed error and imports nothing", async () => {
    const refreshed = vi.fn(async () => {});
    backend("/home/u/bad.json", {
      import_archive: () => {
        throw {
          kind: "archive",
          message: "not a readable archive: sessions[0].messages[3].role: unknown variant `robot`",
          path: "sessions[0].messages[3].role",
          reason: "unknown variant `robot`",
        };
      },
    });
    const archive = createArchiveStore(refreshed);
    await archive.importFile();
    expect(archive.error()).toMatchObject({ kind: "archive", path: "sessions[0].messages[3].role" });
    expect(archive.notice()).toBeNull();
    expect(refreshed).not.toHaveBeenCalled();
  });
});
