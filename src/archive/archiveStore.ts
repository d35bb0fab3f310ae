// Export and import from the window: the native dialog chooses the file,
// the backend reads or writes it (see docs/archive-format.md).
import { open, save } from "@tauri-apps/plugin-dialog";
import { createSignal } from "solid-js";
import { type ExportFormat, type ImportProgress, type SessionInfo } from "../../bindings/bindings";
import { commands, events } from "../transport";
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

/**
 * The path the e2e tests chose in place of the native dialog's answer
 * (`undefined`: no stub, ask the dialog). WebDriver cannot drive a native
 * dialog, so `tests/e2e/archive.e2e.mjs` sets `window.__clawdeskDialogAnswer`
 * before clicking a button; everything after the dialog is the real path.
 * A page script could call the commands directly anyway, so this opens
 * nothing new.
 */
function e2eAnswer(): string | null | undefined {
  const w = window as { __clawdeskDialogAnswer?: string | null };
  if (!("__clawdeskDialogAnswer" in w)) return undefined;
  const answer = w.__clawdeskDialogAnswer;
  delete w.__clawdeskDialogAnswer;
  return answer;
}

async function askSave(options: Parameters<typeof save>[0]): Promise<string | null> {
  const stub = e2eAnswer();
  return stub !== undefined ? stub : save(options);
}

async function askOpen(title: string): Promise<string | null> {
  const stub = e2eAnswer();
  if (stub !== undefined) return stub;
  return open({
    title,
    multiple: false,
    directory: false,
    filters: [{ name: "ClawDesk archive or ChatGPT conversations.json", extensions: ["json"] }],
  });
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
      const path = await askSave({
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
      const path = await askSave({ title: "Export all chats", defaultPath: "clawdesk-chats.json", filters: [JSON_FILTER] });
      if (!path) return null;
      const result = await unwrap(commands.exportAllSessions(path));
      return `Exported ${plural(result.sessions, "chat")} (${plural(result.messages, "message")}) to ${path}.`;
    });
  }

  function importFile(): Promise<void> {
    return run(async () => {
      const path = await askOpen("Import chats");
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
