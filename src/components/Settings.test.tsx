import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import { fail, failWithString } from "../../bindings/mock";
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

  it("sends text that is not a number as typed, so the backend's configValue explains it", async () => {
    const be = fakeBackend({}, {
      updateConfig: ({ key }) => fail({ kind: "configValue", message: "expected a number", key, expected: "a whole number of milliseconds" }),
    });
    await renderSettings();
    fireEvent.change(screen.getByLabelText("Idle timeout (ms)"), { target: { value: "soon" } });
    await waitFor(() => expect(field("network.idleTimeoutMs").querySelector(".field-error")?.textContent).toContain("a whole number of milliseconds"));
    expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "network.idleTimeoutMs", value: "soon" }]);
  });

  it("shows a configKey error and plain-string framework errors at the field", async () => {
    fakeBackend({}, {
      updateConfig: ({ key }) =>
        key === "defaults.systemPrompt" ? fail({ kind: "configKey", message: "read-only", key }) : failWithString("missing required key value"),
    });
    await renderSettings();
    fireEvent.change(screen.getByLabelText("System prompt"), { target: { value: "Be brief." } });
    await waitFor(() => expect(field("defaults.systemPrompt").textContent).toContain("Unknown setting defaults.systemPrompt."));
    fireEvent.click(screen.getAllByLabelText("Enabled")[0]!);
    await waitFor(() => expect(field("providers.anthropic.enabled").textContent).toContain("missing required key value"));
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
    expect([...select.querySelectorAll("optgroup")].map((g) => g.label)).toEqual(["anthropic", "ollama", "openai"]);
    expect(select.value).toBe("claude-sonnet-4-5");
    fireEvent.change(select, { target: { value: "llama3.2" } });
    await waitFor(() => expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "defaults.model", value: "llama3.2" }]));
  });
});
