import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { mockCommands } from "../../bindings/mock";
import { createServerConnection } from "../remote/connection";
import { fakeServer, SERVER_TOKEN, SERVER_URL } from "../test/fakeServer";
import { config } from "../test/fixtures";
import { useLocalBackend } from "../transport";
import { Composer } from "./Composer";
import { OfflineBanner } from "./OfflineBanner";
import { ServerSettings } from "./ServerSettings";

function setup() {
  const stored: { url: string | null; token: string | null } = { url: null, token: null };
  mockCommands({
    getConfig: () => ({ ...config(), remote: { url: stored.url, tokenSet: stored.token !== null } }),
    getRemoteToken: () => stored.token,
    updateConfig: ({ key, value }) => {
      if (key === "remote.url") stored.url = value as string | null;
      if (key === "remote.token") stored.token = value as string | null;
      return null;
    },
  });
  const server = fakeServer();
  const connection = createRoot(() => createServerConnection({ fetch: server.fetch }));
  render(() => <ServerSettings connection={connection} />);
  return { stored, connection };
}

const fill = (url: string, token: string) => {
  fireEvent.input(screen.getByTestId("server-url"), { target: { value: url } });
  fireEvent.input(screen.getByTestId("server-token"), { target: { value: token } });
  fireEvent.click(screen.getByTestId("server-connect"));
};

describe("Settings → Server", () => {
  it("says what is wrong and stays on this computer", async () => {
    const { stored } = setup();
    fill(SERVER_URL, "wrong");
    await waitFor(() => expect(screen.getByTestId("server-problem").textContent).toMatch(/unauthenticated/));
    expect(screen.getByTestId("server-state").textContent).toMatch(/on this computer/);
    expect(stored).toEqual({ url: null, token: null });
  });

  it("connects, clears the token field, and offers the way back", async () => {
    const { stored, connection } = setup();
    fill(SERVER_URL, SERVER_TOKEN);
    await waitFor(() => expect(screen.getByTestId("server-state").textContent).toContain(SERVER_URL));
    expect((screen.getByTestId("server-token") as HTMLInputElement).value).toBe("");
    expect(stored).toEqual({ url: SERVER_URL, token: SERVER_TOKEN });
    fireEvent.click(screen.getByTestId("server-use-local"));
    await waitFor(() => expect(connection.server()).toBeNull());
    expect(stored).toEqual({ url: null, token: null });
    useLocalBackend();
  });
});

describe("offline", () => {
  it("the banner names the server", () => {
    render(() => <OfflineBanner server={SERVER_URL} />);
    expect(screen.getByTestId("offline-banner").textContent).toMatch(new RegExp(`Server unreachable — retrying… \\(${SERVER_URL.replace(/[.]/g, "\\.")}\\)`));
  });

  it("a held send keeps the composer editable and the text in it", async () => {
    let sent = 0;
    render(() => (
      <Composer value="kept" onInput={() => {}} canSend canStop={false} streaming={false} sending={false} sendHeld onSend={async () => (sent++, true)} onStop={() => {}} />
    ));
    const input = screen.getByTestId("composer-input") as HTMLTextAreaElement;
    expect(input.disabled).toBe(false);
    expect((screen.getByTestId("send-button") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.keyDown(input, { key: "Enter" });
    await Promise.resolve();
    expect(sent).toBe(0);
    expect(input.value).toBe("kept");
  });
});
