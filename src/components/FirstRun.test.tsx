import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import type { HealthStatus, ProviderHealth } from "../../bindings/bindings";
import { App } from "../App";
import { fakeBackend, health, models } from "../test/fixtures";

const anthropic = (status: ProviderHealth["status"], detail: string): ProviderHealth => ({
  name: "anthropic",
  kind: "anthropic",
  status,
  detail,
  checkedAt: null,
});
const ollamaDown: ProviderHealth = {
  name: "ollama",
  kind: "ollama",
  status: "unreachable",
  detail: "http://127.0.0.1:11434: connection refused",
  checkedAt: "2026-11-30T20:00:00.000Z",
};

const nothingAnswers: HealthStatus = {
  ...health,
  providersActive: 0,
  providers: [anthropic("needsKey", "add an API key for Anthropic in Settings"), ollamaDown],
};

describe("first run", () => {
  it("says plainly that nothing answers and shows each way to start with its live state", async () => {
    fakeBackend({}, { getModels: () => [], getHealth: () => nothingAnswers });
    render(() => <App statusIntervalMs={60_000} />);
    const page = await screen.findByTestId("first-run");
    expect(page.textContent).toContain("No model can answer yet");
    const state = (id: string) => screen.getByTestId(id).querySelector('[data-testid="first-run-state"]')?.textContent ?? "";
    await waitFor(() => expect(state("first-run-anthropic")).toContain("Needs a key"));
    expect(state("first-run-ollama")).toContain("Not answering");
    expect(screen.getByTestId("first-run-server").textContent).toContain("Not set up");
  });

  it("saves a pasted key, turns the provider on, and opens a chat once it answers", async () => {
    let keySaved = false;
    const be = fakeBackend(
      {},
      {
        getModels: () => (keySaved ? models.filter((m) => m.provider === "anthropic") : []),
        getHealth: () =>
          keySaved
            ? { ...nothingAnswers, providersActive: 1, providers: [anthropic("ready", "answered in 80 ms"), ollamaDown] }
            : nothingAnswers,
      },
    );
    render(() => <App statusIntervalMs={60_000} />);
    await screen.findByTestId("first-run");
    expect(be.sessions).toHaveLength(0);
    const input = screen.getByLabelText("Anthropic API key") as HTMLInputElement;
    fireEvent.input(input, { target: { value: "sk-ant-first-run" } });
    keySaved = true;
    fireEvent.submit(input.closest("form")!);
    await waitFor(() => expect(be.sessions).toHaveLength(1));
    expect(be.mock.callsOf("updateConfig")).toEqual(
      expect.arrayContaining([
        { key: "providers.anthropic.apiKey", value: "sk-ant-first-run" },
        { key: "providers.anthropic.enabled", value: true },
      ]),
    );
    await waitFor(() => expect(screen.queryByTestId("first-run")).toBeNull());
    expect(screen.getByTestId("chat-title")).toBeTruthy();
  });

  it("adds an OpenAI-compatible server by its address", async () => {
    const be = fakeBackend({}, { getModels: () => [], getHealth: () => nothingAnswers });
    render(() => <App statusIntervalMs={60_000} />);
    await screen.findByTestId("first-run");
    const url = screen.getByTestId("first-run-server-url") as HTMLInputElement;
    fireEvent.input(url, { target: { value: "http://127.0.0.1:1234/v1" } });
    fireEvent.submit(url.closest("form")!);
    await waitFor(() =>
      expect(be.mock.callsOf("updateConfig")).toContainEqual({
        key: "providers.local",
        value: { kind: "openai", baseUrl: "http://127.0.0.1:1234/v1" },
      }),
    );
  });

  it("is not shown while a provider answers", async () => {
    fakeBackend({}, {});
    render(() => <App statusIntervalMs={60_000} />);
    await screen.findByTestId("chat-view");
    expect(screen.queryByTestId("first-run")).toBeNull();
  });
});
