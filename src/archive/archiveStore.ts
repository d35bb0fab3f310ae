// Export and import from the window: the native dialog chooses the file,
// the backend reads or writes it (see docs/archive-format.md).
import { open, save } from "@tauri-apps/plugin-dialog";
import { createSignal } from "solid-js";
import { commands, events, type ExportFormat, type ImportProgress, type SessionInfo } from "../../bindings/bindings";
import { errorOf, unwrap, type CommandError } from "../api";

const JSON_FILTER = { name: "ClawDesk archive (JSON)", extensions: ["json"] };

/** A file name from a chat title: letters, digits and dashes. */
export function fileStem(title: string | null): string {
  const stem = (title ?? "")
    .normalize("NFKD")
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return stem || "chat";
}

export function createArchiveStore(onImported: () => Promise<void>) {
  const [busy, setBusy] = createSignal(false);
  const [progress, setProgress] = createSignal<ImportProgress | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  const [error, setError] = createSignal<CommandError | null>(null);

  /** Runs one export or import; a closed dialog does nothing. */
  async function run(task: () => Promise<string | null>): Promise<void> {
    if (busy()) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const done = await task();
      if (done) setNotice(done);
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  }

  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

  function exportChat(session: SessionInfo, format: ExportFormat): Promise<void> {
    return run(async () => {
      const markdown = format === "markdown";
      const path = await save({
        title: "Export chat",
        defaultPath: `${fileStem(session.title)}.${markdown ? "md" : "json"}`,
        filters: [markdown ? { name: "Markdown", extensions: ["md"] } : JSON_FILTER],
      });
      if (!path) return null;
      const result = await unwrap(commands.exportSession(session.id, path, format));
      return `Exported ${plural(result.messages, "message")} to ${path}.`;
    });
  }

  function exportAll(): Promise<void> {
    return run(async () => {
      const path = await save({ title: "Export all chats", defaultPath: "clawdesk-chats.json", filters: [JSON_FILTER] });
      if (!path) return null;
      const result = await unwrap(commands.exportAllSessions(path));
      return `Exported ${plural(result.sessions, "chat")} (${plural(result.messages, "message")}) to ${path}.`;
    });
  }

  function importFile(): Promise<void> {
    return run(async () => {
      const path = await open({
        title: "Import chats",
        multiple: false,
        directory: false,
        filters: [{ name: "ClawDesk archive or ChatGPT conversations.json", extensions: ["json"] }],
      });
      if (!path) return null;
      setProgress({ done: 0, total: 0 });
      const unlisten = await events.importProgress.listen((e) => setProgress(e.payload));
      try {
        const result = await unwrap(commands.importArchive(path));
        await onImported();
        const from = result.source === "chatgpt" ? " from ChatGPT" : "";
        const skipped = result.sessionsSkipped > 0 ? `; ${plural(result.sessionsSkipped, "chat")} already here` : "";
        return `Imported ${plural(result.sessionsImported, "chat")}${from} (${plural(result.messagesImported, "message")})${skipped}.`;
      } finally {
        unlisten();
      }
    });
  }

  return {
    busy,
    progress,
    notice,
    error,
    dismiss: () => {
      setNotice(null);
      setError(null);
    },
    exportChat,
    exportAll,
    importFile,
  };
}

export type ArchiveStore = ReturnType<typeof createArchiveStore>;
