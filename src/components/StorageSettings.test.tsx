import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { HealthStatus, StorageStatus } from "../../bindings/bindings";
import { fail } from "../../bindings/mock";
import { createSettingsStore } from "../settings/settingsStore";
import { forgetStorageChange } from "../settings/storageState";
import { fakeBackend, health, models } from "../test/fixtures";
import { fakeServer, SERVER_TOKEN, SERVER_URL } from "../test/fakeServer";
import { connectGateway, useLocalBackend } from "../transport";
import { SettingsPanel } from "./Settings";
import { StorageSettings } from "./StorageSettings";

const GOOD_URL = "postgres://clawdesk:hunter2@db.example:5432/clawdesk";
const FILE = health.storage.location;

/** The backend as it treats the database URL: a secret (only `databaseUrlSet`
 * shows) that must be a postgres:// URL; health says what this run uses. */
function backend(options: { storage?: StorageStatus; urlSet?: boolean } = {}) {
  const be = fakeBackend(
    {},
    {
      getHealth: (): HealthStatus => ({ ...health, storage: options.storage ?? health.storage }),
      updateConfig: ({ key, value }) => {
        if (key !== "storage.databaseUrl") return null;
        if (value !== null && !/^postgres(ql)?:\/\//i.test(String(value))) {
          fail({ kind: "configValue", message: "not a postgres URL", key, expected: "a postgres:// or postgresql:// URL, or null for the local database" });
        }
        be.config.storage.databaseUrlSet = value !== null;
        return null;
      },
    },
  );
  be.config.storage.databaseUrlSet = options.urlSet ?? false;
  return be;
}

async function renderSettings() {
  const store = createSettingsStore();
  render(() => <SettingsPanel store={store} models={models} />);
  await waitFor(() => expect(screen.getByTestId("storage-now")).toBeTruthy());
  return store;
}

const urlInput = () => screen.getByTestId("storage-url") as HTMLInputElement;
const typeUrl = (text: string) => fireEvent.input(urlInput(), { target: { value: text } });
const text = (id: string) => screen.getByTestId(id).textContent ?? "";

afterEach(() => {
  forgetStorageChange();
  useLocalBackend();
});

describe("Settings → Storage", () => {
  it("says where the history is now, with the file in the migrate command", async () => {
    backend();
    await renderSettings();
    expect(text("storage-now")).toBe(`Your history is in the SQLite file ${FILE}.`);
    expect(text("storage-url-state")).toBe("not set");
    expect(screen.queryByTestId("storage-url-remove")).toBeNull();
    expect(screen.queryByTestId("storage-pending")).toBeNull();
    expect(text("storage-url-hint")).toMatch(/applies the next time ClawDesk starts.*CLAWDESK_DATABASE_URL environment variable wins/);
    expect(text("storage-migrate")).toContain(`clawdesk migrate --from '${FILE}' --to 'postgres://`);
    // The database file sits in this section now.
    expect(screen.getByTestId("storage-settings").contains(screen.getByLabelText("Database file"))).toBe(true);
  });

  it("takes a URL write-only: saved, cleared, never shown, applies at the next start", async () => {
    const be = backend();
    await renderSettings();
    typeUrl(`  ${GOOD_URL} `);
    expect(urlInput().type).toBe("password");
    fireEvent.click(screen.getByTestId("storage-url-save"));
    await waitFor(() => expect(text("storage-url-state")).toBe("a database URL is set"));
    expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "storage.databaseUrl", value: GOOD_URL }]);
    expect(urlInput().value).toBe("");
    expect(text("storage-pending")).toMatch(/^Saved\. ClawDesk uses this database from its next start/);
    expect(document.body.innerHTML).not.toContain("hunter2");
    // Still this run's file until then.
    expect(text("storage-now")).toContain(FILE);
  });

  it("shows a refused URL's configValue error next to the field and keeps what was typed", async () => {
    const be = backend();
    await renderSettings();
    typeUrl("mysql://root@db/clawdesk");
    fireEvent.keyDown(urlInput(), { key: "Enter" });
    await waitFor(() =>
      expect(text("storage-url-error")).toBe("storage.databaseUrl must be a postgres:// or postgresql:// URL, or null for the local database."),
    );
    const field = document.querySelector('[data-config-key="storage.databaseUrl"]')!;
    expect(field.contains(screen.getByTestId("storage-url-error"))).toBe(true);
    expect(field.classList.contains("invalid")).toBe(true);
    expect(document.querySelectorAll(".field-error")).toHaveLength(1);
    expect(urlInput().value).toBe("mysql://root@db/clawdesk");
    expect(text("storage-url-state")).toBe("not set");
    expect(screen.queryByTestId("storage-pending")).toBeNull();
    expect(be.config.storage.databaseUrlSet).toBe(false);

    typeUrl(GOOD_URL);
    fireEvent.click(screen.getByTestId("storage-url-save"));
    await waitFor(() => expect(text("storage-url-state")).toBe("a database URL is set"));
    expect(screen.queryByTestId("storage-url-error")).toBeNull();
  });

  it("removes a stored URL, which takes the next start back to the file", async () => {
    const be = backend({ urlSet: true });
    await renderSettings();
    // Set after this run started: the URL waits for the next one.
    expect(text("storage-pending")).toMatch(/A database URL is set, but this run uses the local file: the URL applies from the next start\./);
    fireEvent.click(screen.getByTestId("storage-url-remove"));
    await waitFor(() => expect(text("storage-url-state")).toBe("not set"));
    expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "storage.databaseUrl", value: null }]);
    // Removed in this run, and this run is on the file: nothing is pending.
    expect(screen.queryByTestId("storage-pending")).toBeNull();
    expect(screen.queryByTestId("storage-url-remove")).toBeNull();
  });

  it("on PostgreSQL: shows the masked URL; removing it is pending until the next start", async () => {
    const storage: StorageStatus = { kind: "postgres", location: "postgres://clawdesk:***@db.example:5432/clawdesk" };
    backend({ storage, urlSet: true });
    await renderSettings();
    expect(text("storage-now")).toBe(`Your history is in the PostgreSQL database ${storage.location} (password hidden).`);
    expect(screen.queryByTestId("storage-pending")).toBeNull();
    expect(text("storage-migrate")).toContain("--from <your clawdesk.db>");
    fireEvent.click(screen.getByTestId("storage-url-remove"));
    await waitFor(() => expect(text("storage-pending")).toMatch(/^Removed\. From the next start your history is in the local SQLite file again/));
  });

  it("says the environment may name the database when this run is on PostgreSQL and no URL is set", async () => {
    backend({ storage: { kind: "postgres", location: "postgres://ops@db.internal/desk" }, urlSet: false });
    await renderSettings();
    expect(text("storage-pending")).toMatch(/CLAWDESK_DATABASE_URL environment variable/);
  });
});

describe("Settings → Storage on a ClawDesk server", () => {
  it("shows only the server's storage kind, read-only", async () => {
    const server = fakeServer();
    connectGateway(SERVER_TOKEN, SERVER_URL, server.fetch);
    render(() => (
      <StorageSettings
        store={createSettingsStore()}
        config={{ databasePath: null, databaseUrlSet: false }}
        databaseFile={<input data-testid="database-file" />}
      />
    ));
    await waitFor(() => expect(screen.getByTestId("storage-server-kind").textContent).toBe("SQLite"));
    expect(text("storage-server")).toMatch(/works through a ClawDesk server.*set on the server itself/);
    expect(screen.queryByTestId("storage-url")).toBeNull();
    expect(screen.queryByTestId("database-file")).toBeNull();
    expect(screen.queryByTestId("storage-now")).toBeNull();
    expect(server.requests).toEqual(["/v1/commands/get_health"]);
  });
});
