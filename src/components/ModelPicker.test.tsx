import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { describe, expect, it, vi } from "vitest";
import type { HealthStatus, ModelInfo, ProviderHealth } from "../../bindings/bindings";
import { App } from "../App";
import { health, fakeBackend, models } from "../test/fixtures";
import { groupByProvider, ModelPicker, modelName, resolveModel } from "./ModelPicker";

const anthropicNeedsKey: ProviderHealth = { name: "anthropic", kind: "anthropic", status: "needsKey", detail: "add an API key for Anthropic in Settings", checkedAt: null };
const openaiNeedsKey: ProviderHealth = { name: "openai", kind: "openai", status: "needsKey", detail: "add an API key for OpenAI in Settings", checkedAt: null };
const ollamaDown: ProviderHealth = { name: "ollama", kind: "ollama", status: "unreachable", detail: "http://127.0.0.1:11434: connection refused", checkedAt: "2026-11-23T20:00:01.000Z" };
const ollamaReady: ProviderHealth = { ...ollamaDown, status: "ready", detail: "answered in 3 ms, serving 1 model" };

/** Ollama and OpenRouter both serve a model called "llama3.2". */
const twoLlamas: ModelInfo[] = [
  ...models,
  { id: "openrouter/llama3.2", model: "llama3.2", provider: "openrouter", capabilities: ["chat"], contextWindow: 131072, displayName: "Llama 3.2", source: "discovered" },
];

function renderPicker(props: { models: readonly ModelInfo[]; value: string | null; providers?: readonly ProviderHealth[] | null; onOpenSettings?: () => void }) {
  const onChange = vi.fn<(id: string) => void>();
  render(() => <ModelPicker label="Model" onChange={onChange} {...props} />);
  const select = screen.getByLabelText("Model") as HTMLSelectElement;
  const options = () => [...select.querySelectorAll("option")];
  return { onChange, select, options };
}

describe("model picker", () => {
  it("groups the offered models by provider and picks provider-qualified ids", () => {
    const { select, onChange } = renderPicker({ models, value: "anthropic/claude-sonnet-4-5" });
    expect([...select.querySelectorAll("optgroup")].map((g) => [g.label, [...g.querySelectorAll("option")].map((o) => o.value)])).toEqual([
      ["Anthropic", ["anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-4-5"]],
      ["Ollama", ["ollama/llama3.2"]],
      ["OpenAI", ["openai/gpt-4o"]],
    ]);
    expect(select.value).toBe("anthropic/claude-sonnet-4-5");
    fireEvent.change(select, { target: { value: "ollama/llama3.2" } });
    expect(onChange).toHaveBeenCalledWith("ollama/llama3.2");
  });

  it("lists a provider that needs a key as a disabled entry", () => {
    const offered = models.filter((m) => m.provider === "ollama");
    const { select, options } = renderPicker({ models: offered, value: "ollama/llama3.2", providers: [anthropicNeedsKey, ollamaReady, { ...openaiNeedsKey, checkedAt: "2026-11-23T20:00:01.000Z", detail: "the API key was refused: HTTP 401" }] });
    expect(options().map((o) => [o.textContent, o.disabled])).toEqual([
      ["Anthropic — add a key in Settings", true],
      ["Llama 3.2 · 131.1K context", false],
      ["OpenAI — check its key in Settings", true],
    ]);
    expect([...select.querySelectorAll("optgroup")].map((g) => g.label)).toEqual(["Anthropic", "Ollama", "OpenAI"]);
    expect(select.value).toBe("ollama/llama3.2");
    expect(screen.queryByTestId("model-empty")).toBeNull();
  });

  it("shows a bare id from an older session or setting as the one model serving it", () => {
    const { select, options } = renderPicker({ models, value: "claude-sonnet-4-5" });
    expect(select.value).toBe("anthropic/claude-sonnet-4-5");
    expect(options().some((o) => o.textContent!.includes("not offered"))).toBe(false);
    expect(resolveModel(models, "llama3.2")?.id).toBe("ollama/llama3.2");
    expect(modelName(models, "gpt-4o")).toBe("GPT-4o · OpenAI");
  });

  it("says so when a bare id is served by several providers, or by none", () => {
    const { select } = renderPicker({ models: twoLlamas, value: "llama3.2" });
    expect(select.value).toBe("llama3.2");
    expect(select.selectedOptions[0]!.textContent).toBe("llama3.2 (offered by Ollama, openrouter: pick one)");
    expect(resolveModel(twoLlamas, "llama3.2")).toBeUndefined();
    expect(resolveModel(twoLlamas, "openrouter/llama3.2")?.provider).toBe("openrouter");
  });

  it("keeps a model nobody offers visible as such", () => {
    const { select } = renderPicker({ models, value: "anthropic/claude-opus-3" });
    expect(select.selectedOptions[0]!.textContent).toBe("anthropic/claude-opus-3 (not offered by any provider)");
  });

  it("says why there is no model and leads to Settings", () => {
    const open = vi.fn();
    const { select } = renderPicker({ models: [], value: "anthropic/claude-sonnet-4-5", providers: [anthropicNeedsKey, ollamaDown], onOpenSettings: open });
    expect(select.disabled).toBe(true);
    const empty = screen.getByTestId("model-empty");
    expect(empty.textContent).toBe("No model available — Anthropic needs a key; Ollama is not running. Open Settings");
    fireEvent.click(screen.getByRole("button", { name: "Open Settings" }));
    expect(open).toHaveBeenCalledOnce();
  });

  it("does not alarm while providers are still being checked", () => {
    renderPicker({ models: [], value: null, providers: [anthropicNeedsKey, { ...ollamaDown, status: "checking", detail: "checking whether it answers", checkedAt: null }] });
    const empty = screen.getByTestId("model-empty");
    expect(empty.textContent).toBe("No model yet — checking Ollama; Anthropic needs a key.");
    expect(empty.classList.contains("muted")).toBe(true);
  });

  it("has an empty state before the providers' health is known, too", () => {
    renderPicker({ models: [], value: null });
    expect(screen.getByTestId("model-empty").textContent).toBe(
      "No model available — add an API key in Settings, or start a local server such as Ollama.",
    );
  });

  it("follows the list as it changes", async () => {
    const [list, setList] = createSignal<readonly ModelInfo[]>([]);
    render(() => <ModelPicker label="Model" models={list()} value="ollama/llama3.2" onChange={() => {}} providers={[ollamaReady]} />);
    expect(screen.getByTestId("model-empty")).toBeTruthy();
    setList(models);
    const select = screen.getByLabelText("Model") as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe("ollama/llama3.2"));
    expect(screen.queryByTestId("model-empty")).toBeNull();
  });

  it("groups by provider label, with needs-key providers that offer nothing yet", () => {
    expect(groupByProvider(models, [openaiNeedsKey]).map((g) => [g.label, g.models.map((m) => m.id), g.needsKey?.name ?? null])).toEqual([
      ["Anthropic", ["anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-4-5"], null],
      ["Ollama", ["ollama/llama3.2"], null],
      ["OpenAI", ["openai/gpt-4o"], "openai"],
    ]);
    expect(groupByProvider([], [anthropicNeedsKey]).map((g) => [g.label, g.models.length])).toEqual([["Anthropic", 0]]);
  });
});

describe("model for new chats on a fresh install", () => {
  const fresh: HealthStatus = {
    ...health,
    providersActive: 0,
    checks: [{ name: "providers", status: "degraded", detail: "No provider can answer: add an Anthropic key in Settings, or start Ollama on 127.0.0.1:11434" }],
    providers: [anthropicNeedsKey, ollamaDown],
  };

  it("says what is missing in the sidebar and opens Settings from there", async () => {
    fakeBackend({}, { getModels: () => [], getHealth: () => fresh });
    render(() => <App statusIntervalMs={60_000} />);
    const empty = await screen.findByTestId("model-empty");
    await waitFor(() => expect(empty.textContent).toContain("No model available — Anthropic needs a key; Ollama is not running."));
    fireEvent.click(screen.getByTestId("model-empty-settings"));
    await screen.findByTestId("settings-panel");
    // New chat still works: the backend picks what it can.
    expect(screen.getByTestId("new-chat")).toHaveProperty("disabled", false);
  });

  it("offers a provider's models once its check finds it answering", async () => {
    let up = false;
    const be = fakeBackend(
      {},
      {
        getModels: () => (up ? models.filter((m) => m.provider === "ollama") : []),
        getHealth: () => (up ? { ...fresh, providersActive: 1, providers: [anthropicNeedsKey, ollamaReady] } : fresh),
      },
    );
    render(() => <App statusIntervalMs={30} />);
    await screen.findByTestId("model-empty");
    up = true;
    const picker = () => document.querySelector<HTMLSelectElement>('[data-testid="sidebar"] .model-picker select')!;
    await waitFor(() => expect(picker().disabled).toBe(false));
    // The saved default is Anthropic's, which offers nothing without a key: it says so.
    expect([...picker().querySelectorAll("option")].map((o) => o.value)).toEqual([
      "anthropic/claude-sonnet-4-5",
      "needs-key:anthropic",
      "ollama/llama3.2",
    ]);
    expect(picker().selectedOptions[0]!.textContent).toBe("anthropic/claude-sonnet-4-5 (not offered by any provider)");
    expect(screen.queryByTestId("model-empty")).toBeNull();
    expect(be.mock.callsOf("getModels").length).toBeGreaterThanOrEqual(2);
  });
});
