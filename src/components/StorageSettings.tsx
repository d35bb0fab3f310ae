import { createSignal, type JSX, Match, onMount, Show, Switch } from "solid-js";
import type { StorageConfig, StorageStatus } from "../../bindings/bindings";
import { describeError, errorOf, unwrap, type CommandError } from "../api";
import type { SettingsStore } from "../settings/settingsStore";
import { kindLabel, migrateCommand, noteStorageChange, pendingStorageNote, storageChange } from "../settings/storageState";
import { commands, transport } from "../transport";
import { ErrorNote } from "./ErrorNote";

const URL_KEY = "storage.databaseUrl";
const URL_FIELD_ID = "cfg-storage-databaseUrl";

/** Where this run keeps the history, as health says. */
function CurrentStorage(props: { now: StorageStatus }) {
  return (
    <p class="small" data-testid="storage-now" data-kind={props.now.kind}>
      <Show
        when={props.now.kind === "postgres"}
        fallback={
          <>
            Your history is in the SQLite file <code>{props.now.location}</code>.
          </>
        }
      >
        Your history is in the PostgreSQL database <code>{props.now.location}</code> (password hidden).
      </Show>
    </p>
  );
}

/**
 * Write-only, like an API key: the URL (which may hold a password) is sent
 * once and never shown again; only "a database URL is set" is. A URL the
 * backend refuses stays in the field, with the reason beside it.
 */
function DatabaseUrlField(props: { store: SettingsStore; urlSet: boolean; now: StorageStatus | null }) {
  const [draft, setDraft] = createSignal("");
  const state = () => props.store.field(URL_KEY);
  const save = async () => {
    const value = draft().trim();
    if (!value) return;
    if (await props.store.update(URL_KEY, value)) {
      setDraft("");
      noteStorageChange("saved");
    }
  };
  const remove = async () => {
    if (await props.store.update(URL_KEY, null)) noteStorageChange("removed");
  };
  const pending = () => pendingStorageNote(props.now, props.urlSet, storageChange());
  return (
    <div class="field" classList={{ invalid: state()?.state === "error" }} data-config-key={URL_KEY}>
      <label class="field-label" for={URL_FIELD_ID}>
        PostgreSQL database URL{" "}
        <span class={`key-state ${props.urlSet ? "set" : "unset"}`} data-testid="storage-url-state">
          {props.urlSet ? "a database URL is set" : "not set"}
        </span>
      </label>
      <div class="inline-row">
        <input
          id={URL_FIELD_ID}
          type="password"
          data-testid="storage-url"
          autocomplete="off"
          spellcheck={false}
          placeholder={props.urlSet ? "Enter a new URL to replace it" : "postgres://user:password@host:5432/clawdesk"}
          value={draft()}
          aria-describedby={`${URL_FIELD_ID}-status`}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              void save();
            }
          }}
        />
        <button type="button" class="small" data-testid="storage-url-save" disabled={draft().trim() === "" || state()?.state === "saving"} onClick={() => void save()}>
          Save URL
        </button>
        <Show when={props.urlSet}>
          <button type="button" class="small" data-testid="storage-url-remove" disabled={state()?.state === "saving"} onClick={() => void remove()}>
            Remove
          </button>
        </Show>
      </div>
      <span class="field-status" id={`${URL_FIELD_ID}-status`} aria-live="polite">
        <Switch>
          <Match when={state()?.state === "saving"}>
            <span class="muted">Saving…</span>
          </Match>
          <Match when={(() => { const s = state(); return s?.state === "error" ? s : null; })()}>
            {(s) => (
              <span class="field-error" role="alert" data-testid="storage-url-error">
                {describeError(s().error)}
              </span>
            )}
          </Match>
        </Switch>
      </span>
      <Show when={pending()}>
        {(note) => (
          <span class="field-hint ok" data-testid="storage-pending">
            {note()}
          </span>
        )}
      </Show>
      <span class="field-hint muted" data-testid="storage-url-hint">
        Kept with the API keys (the keychain or the private secrets file), never in the settings file. Read at start: a change applies the next time ClawDesk
        starts. A <code>CLAWDESK_DATABASE_URL</code> environment variable wins over this setting.
      </span>
      <span class="field-hint muted" data-testid="storage-migrate">
        To take the chats you have now along, quit ClawDesk and run <code>{migrateCommand(props.now?.kind === "sqlite" ? props.now.location : null)}</code> (it
        copies every chat and checks the counts; the file stays as it is), then start ClawDesk again.
      </span>
    </div>
  );
}

/**
 * Settings → Storage: where the history is (health's `storage`), the
 * database file, and a PostgreSQL server to keep it on instead. On a
 * ClawDesk server the storage is the server's business: the section then
 * only says which kind it uses.
 */
export function StorageSettings(props: { store: SettingsStore; config: StorageConfig; databaseFile: JSX.Element }) {
  const [now, setNow] = createSignal<StorageStatus | null>(null);
  const [error, setError] = createSignal<CommandError | null>(null);
  // Read once: it changes only with a restart.
  onMount(async () => {
    try {
      // `storage` may be missing from an older server's health.
      setNow((await unwrap(commands.getHealth())).storage ?? null);
    } catch (e) {
      setError(errorOf(e));
    }
  });
  const onServer = transport !== "ipc";
  return (
    <section class="card" data-testid="storage-settings">
      <h2>Storage</h2>
      <Show
        when={!onServer}
        fallback={
          <p class="small" data-testid="storage-server">
            <Show when={now()} fallback={<>This window works through a ClawDesk server, which keeps the history where it is set up to.</>}>
              {(storage) => (
                <>
                  This window works through a ClawDesk server; the server keeps the history in <strong data-testid="storage-server-kind">{kindLabel(storage().kind)}</strong>.
                </>
              )}
            </Show>{" "}
            <span class="muted">Its storage is set on the server itself, not from here.</span>
          </p>
        }
      >
        <Show when={now()}>{(storage) => <CurrentStorage now={storage()} />}</Show>
        {props.databaseFile}
        <DatabaseUrlField store={props.store} urlSet={props.config.databaseUrlSet} now={now()} />
      </Show>
      <ErrorNote error={error()} />
    </section>
  );
}
