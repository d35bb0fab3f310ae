import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { fail } from "../../bindings/mock";
import { createSettingsStore } from "../settings/settingsStore";
import { fakeBackend, models } from "../test/fixtures";
import { SettingsPanel } from "./Settings";

const field = (key: string) => document.querySelector<HTMLElement>(`[data-config-key="${key}"]`)!;

async function renderSettings() {
  const store = createSettingsStore();
  render(() => <SettingsPanel store={store} models={models} />);
  await waitFor(() => expect(screen.getByLabelText("Gateway port")).toBeTruthy());
  return store;
}

describe("settings panel", () => {
  it("shows a configValue error next to the field that caused it, and nowhere else", async () => {
    const be = fakeBackend({}, {
      updateConfig: ({ key, value }) =>
        key === "gateway.port" && value === 80
          ? fail({ kind: "configValue", message: "port 80 is out of range", key, expected: "an integer from 1024 to 65535" })
          : null,
    });
    await renderSettings();
    const port = screen.getByLabelText("Gateway port") as HTMLInputElement;
    expect(port.value).toBe("1420");
    fireEvent.change(port, { target: { value: "80" } });
    await waitFor(() => expect(field("gateway.port").querySelector(".field-error")?.textContent).toBe("gateway.port must be an integer from 1024 to 65535."));
    expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "gateway.port", value: 80 }]);
    expect(field("gateway.port").classList.contains("invalid")).toBe(true);
    expect(document.querySelectorAll(".field-error")).toHaveLength(1);
    expect(port.getAttribute("aria-describedby")).toBe(field("gateway.port").querySelector(".field-status")!.id);

    fireEvent.change(port, { target: { value: "1500" } });
    await waitFor(() => expect(field("gateway.port").textContent).toContain("Saved"));
    expect(document.querySelectorAll(".field-error")).toHaveLength(0);
  });

  it("refuses text that is not a number at the field without sending it", async () => {
    const be = fakeBackend();
    await renderSettings();
    fireEvent.change(screen.getByLabelText("Idle timeout (ms)"), { target: { value: "soon" } });
    await waitFor(() => expect(field("network.idleTimeoutMs").querySelector(".field-error")?.textContent).toBe("Idle timeout (ms): enter a number."));
    expect(field("network.idleTimeoutMs").classList.contains("invalid")).toBe(true);
    expect(be.mock.callsOf("updateConfig")).toEqual([]);
    fireEvent.change(screen.getByLabelText("Idle timeout (ms)"), { target: { value: "45000" } });
    await waitFor(() => expect(field("network.idleTimeoutMs").textContent).toContain("Saved"));
    expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "network.idleTimeoutMs", value: 45000 }]);
  });

  it("shows a configKey error, and any other typed error, at the field that sent it", async () => {
    fakeBackend({}, {
      updateConfig: ({ key }) =>
        key === "defaults.systemPrompt"
          ? fail({ kind: "configKey", message: "read-only", key })
          : fail({ kind: "storage", message: "config.json is read-only" }),
    });
    await renderSettings();
    fireEvent.change(screen.getByLabelText("System prompt"), { target: { value: "Be brief." } });
    await waitFor(() => expect(field("defaults.systemPrompt").textContent).toContain("Unknown setting defaults.systemPrompt."));
    fireEvent.click(screen.getAllByLabelText("Enabled")[0]!);
    await waitFor(() => expect(field("providers.anthropic.enabled").textContent).toContain("config.json is read-only"));
  });

  it("sends an empty database path as null, which puts the database back in its default place", async () => {
    const be = fakeBackend();
    await renderSettings();
    fireEvent.change(screen.getByLabelText("Database file"), { target: { value: "  " } });
    await waitFor(() => expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "storage.databasePath", value: null }]));
  });

  it("takes API keys write-only and shows only whether one is set", async () => {
    const be = fakeBackend();
    be.mock.set({
      updateConfig: ({ key }) => {
        if (key === "providers.anthropic.apiKey") be.config.providers.anthropic!.apiKeySet = true;
        return null;
      },
    });
    await renderSettings();
    const anthropic = document.querySelector<HTMLElement>('[data-provider="anthropic"]')!;
    expect(anthropic.querySelector(".key-state")!.textContent).toBe("not set");
    const input = anthropic.querySelector<HTMLInputElement>('input[type="password"]')!;
    expect(input.value).toBe("");
    fireEvent.input(input, { target: { value: "sk-ant-secret-123" } });
    fireEvent.click(screen.getByRole("button", { name: "Save key" }));
    await waitFor(() => expect(anthropic.querySelector(".key-state")!.textContent).toBe("key set"));
    expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "providers.anthropic.apiKey", value: "sk-ant-secret-123" }]);
    expect(input.value).toBe("");
    expect(document.body.innerHTML).not.toContain("sk-ant-secret-123");
    // Ollama needs no key: no key field there.
    expect(document.querySelector('[data-provider="ollama"] input[type="password"]')).toBeNull();
  });

  it("changes the default model from the grouped picker", async () => {
    const be = fakeBackend();
    await renderSettings();
    const select = screen.getByLabelText("Model for new chats") as HTMLSelectElement;
    expect([...select.querySelectorAll("optgroup")].map((g) => g.label)).toEqual(["Anthropic", "Ollama", "OpenAI"]);
    expect(select.value).toBe("anthropic/claude-sonnet-4-5");
    fireEvent.change(select, { target: { value: "ollama/llama3.2" } });
    await waitFor(() => expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "defaults.model", value: "ollama/llama3.2" }]));
  });

  it("enables the gateway, and shows, copies and rotates its token on request", async () => {
    let token = "a".repeat(64);
    const be = fakeBackend({}, {
      getGatewayToken: () => token,
      rotateGatewayToken: () => (token = "b".repeat(64)),
    });
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await renderSettings();
    fireEvent.click(screen.getByLabelText("Serve ClawDesk over HTTP (the gateway)"));
    await waitFor(() => expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "gateway.enabled", value: true }]));
    const input = screen.getByLabelText(/Gateway token/) as HTMLInputElement;
    expect(input.value).toBe("");
    expect(be.mock.callsOf("getGatewayToken")).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(input.value).toBe("a".repeat(64)));
    fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("a".repeat(64)));
    fireEvent.click(screen.getByRole("button", { name: "Rotate" }));
    await waitFor(() => expect(input.value).toBe("b".repeat(64)));
    expect(field("gateway.token").textContent).toContain("the old one no longer works");
    fireEvent.click(screen.getByRole("button", { name: "Hide" }));
    await waitFor(() => expect(input.value).toBe(""));
  });
});
