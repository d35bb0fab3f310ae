import { Show } from "solid-js";
import type { SessionInfo } from "../../bindings/bindings";
import type { ArchiveStore } from "../archive/archiveStore";
import { ErrorNote } from "./ErrorNote";

/** Sidebar: export every chat, import a file, and how it went. */
export function ArchiveBar(props: { archive: ArchiveStore }) {
  const a = () => props.archive;
  return (
    <div class="archive-bar" data-testid="archive-bar">
      <div class="archive-buttons">
        <button type="button" class="ghost small" data-testid="export-all" disabled={a().busy()} onClick={() => void a().exportAll()}>
          Export all
        </button>
        <button type="button" class="ghost small" data-testid="import" disabled={a().busy()} onClick={() => void a().importFile()}>
          Import…
        </button>
      </div>
      <Show when={a().progress()}>
        {(p) => (
          <div class="import-progress" role="status" data-testid="import-progress">
            <progress max={Math.max(p().total, 1)} value={p().done} />
            <span class="muted small">{p().total > 0 ? `Importing ${p().done} of ${p().total} chats…` : "Reading the file…"}</span>
          </div>
        )}
      </Show>
      <Show when={a().notice()}>
        {(text) => (
          <div class="notice small" role="status" data-testid="archive-notice">
            <span>{text()}</span>
            <button type="button" class="link-button" onClick={() => a().dismiss()}>
              Dismiss
            </button>
          </div>
        )}
      </Show>
      <ErrorNote error={a().error()} onDismiss={() => a().dismiss()} />
    </div>
  );
}

/** Chat header: export this chat as Markdown or JSON. */
export function ChatExport(props: { archive: ArchiveStore; session: SessionInfo }) {
  return (
    <span class="chat-export">
      <button
        type="button"
        class="ghost small"
        data-testid="export-markdown"
        disabled={props.archive.busy()}
        title="Save this chat as a Markdown document"
        onClick={() => void props.archive.exportChat(props.session, "markdown")}
      >
        Export .md
      </button>
      <button
        type="button"
        class="ghost small"
        data-testid="export-json"
        disabled={props.archive.busy()}
        title="Save this chat as a JSON archive that Import reads back"
        onClick={() => void props.archive.exportChat(props.session, "json")}
      >
        Export .json
      </button>
    </span>
  );
}
