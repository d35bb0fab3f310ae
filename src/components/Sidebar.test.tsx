import { fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fail } from "../../bindings/mock";
import { App } from "../App";
import { fakeBackend, session } from "../test/fixtures";
import { asSessionId } from "../test/ids";
import { stubLayout } from "../test/layout";
import { Sidebar } from "./Sidebar";

const older = session({ id: asSessionId("sess_01OLD"), title: "Tax questions", lastActive: "2026-11-20T10:00:00.000Z", messageCount: 4 });
const newer = session({ id: asSessionId("sess_02NEW"), title: null, lastActive: "2026-11-23T19:59:00.000Z" });

// jsdom has no layout; give the lists a viewport as a window would.
let restoreLayout: () => void;
beforeEach(() => {
  restoreLayout = stubLayout(600, 120);
});
afterEach(() => restoreLayout());

function items() {
  return [...document.querySelectorAll<HTMLElement>(".session-list .session")];
}

describe("sessions sidebar", () => {
  it("lists sessions most recent first, titled or 'New chat', with relative time", async () => {
    fakeBackend({ sessions: [older, newer] });
    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(items()).toHaveLength(2));
    expect(items().map((li) => li.dataset.sessionId)).toEqual(["sess_02NEW", "sess_01OLD"]);
    expect(items()[0]!.querySelector(".session-title")!.textContent).toBe("New chat");
    expect(items()[1]!.querySelector(".session-title")!.textContent).toBe("Tax questions");
    expect(items()[1]!.querySelector("time")!.textContent).toMatch(/ago|yesterday|[A-Z][a-z]{2} \d+/);
    expect(items()[1]!.textContent).toContain("4 msg");
    // The most recent chat opens on start.
    await waitFor(() => expect(items()[0]!.classList.contains("selected")).toBe(true));
  });

  it("creates a chat with the model for new chats, which is the defaults.model setting", async () => {
    const be = fakeBackend({ sessions: [older] });
    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(items()).toHaveLength(1));
    const picker = screen.getAllByLabelText("Model for new chats")[0] as HTMLSelectElement;
    await waitFor(() => expect(picker.value).toBe("anthropic/claude-sonnet-4-5"));
    fireEvent.change(picker, { target: { value: "openai/gpt-4o" } });
    fireEvent.click(screen.getByRole("button", { name: /New chat/ }));
    await waitFor(() => expect(items()).toHaveLength(2));
    expect(be.mock.callsOf("updateConfig")).toEqual([{ key: "defaults.model", value: "openai/gpt-4o" }]);
    // The backend takes the model from defaults.model (saved first).
    expect(be.mock.callsOf("createSession")).toEqual([{ channelId: null, model: null }]);
    const created = be.sessions.find((s) => s.id !== older.id)!;
    expect(created.model).toBe("openai/gpt-4o");
    expect(items()[0]!.dataset.sessionId).toBe(created.id);
    await waitFor(() => expect(items()[0]!.classList.contains("selected")).toBe(true));
    expect(document.querySelector(".chat-model")!.textContent).toBe("GPT-4o · OpenAI");
    expect(document.querySelector(".chat-model")!.getAttribute("title")).toContain("openai/gpt-4o");
  });

  it("shows the same model for new chats as Settings, whichever one changes it", async () => {
    fakeBackend({ sessions: [older] });
    render(() => <App statusIntervalMs={60_000} />);
    const sidebarPicker = () => document.querySelector<HTMLSelectElement>('[data-testid="sidebar"] .model-picker select')!;
    await waitFor(() => expect(sidebarPicker().value).toBe("anthropic/claude-sonnet-4-5"));
    fireEvent.click(screen.getByTestId("settings-button"));
    const settingsPicker = () => document.querySelector<HTMLSelectElement>('[data-config-key="defaults.model"] select')!;
    await waitFor(() => expect(settingsPicker().value).toBe("anthropic/claude-sonnet-4-5"));

    fireEvent.change(settingsPicker(), { target: { value: "ollama/llama3.2" } });
    await waitFor(() => expect(sidebarPicker().value).toBe("ollama/llama3.2"));

    fireEvent.change(sidebarPicker(), { target: { value: "openai/gpt-4o" } });
    await waitFor(() => expect(settingsPicker().value).toBe("openai/gpt-4o"));
    expect(sidebarPicker().value).toBe("openai/gpt-4o");
  });

  it("keeps the model for new chats across a restart", async () => {
    const be = fakeBackend({ sessions: [older] });
    const first = render(() => <App statusIntervalMs={60_000} />);
    const picker = () => document.querySelector<HTMLSelectElement>('[data-testid="sidebar"] .model-picker select')!;
    await waitFor(() => expect(picker().value).toBe("anthropic/claude-sonnet-4-5"));
    fireEvent.change(picker(), { target: { value: "openai/gpt-4o" } });
    await waitFor(() => expect(be.mock.callsOf("updateConfig")).toHaveLength(1));
    first.unmount();

    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(picker().value).toBe("openai/gpt-4o"));
  });

  it("shows a bare model id from before qualified ids as the model serving it", async () => {
    const be = fakeBackend({ sessions: [session({ id: asSessionId("sess_03BARE"), title: "Old chat", model: "claude-sonnet-4-5" })] });
    be.config.defaults.model = "llama3.2";
    render(() => <App statusIntervalMs={60_000} />);
    const picker = () => document.querySelector<HTMLSelectElement>('[data-testid="sidebar"] .model-picker select')!;
    await waitFor(() => expect(picker().value).toBe("ollama/llama3.2"));
    expect(picker().textContent).not.toContain("not offered");
    await waitFor(() => expect(screen.getByTestId("chat-model").textContent).toBe("Claude Sonnet 4.5 · Anthropic"));
    expect(screen.getByTestId("chat-model").getAttribute("title")).toBe("The model this chat uses: anthropic/claude-sonnet-4-5");
    // Nothing is rewritten just by showing it.
    expect(be.mock.callsOf("updateConfig")).toEqual([]);
  });

  it("shows why the model for new chats could not be saved", async () => {
    fakeBackend({ sessions: [older] }, {
      updateConfig: ({ key }) => fail({ kind: "configValue", message: "unknown model", key, expected: "a model a provider serves" }),
    });
    render(() => <App statusIntervalMs={60_000} />);
    const picker = () => document.querySelector<HTMLSelectElement>('[data-testid="sidebar"] .model-picker select')!;
    await waitFor(() => expect(picker().value).toBe("anthropic/claude-sonnet-4-5"));
    fireEvent.change(picker(), { target: { value: "openai/gpt-4o" } });
    await waitFor(() =>
      expect(document.querySelector('[data-testid="sidebar"] .sidebar-model [role="alert"]')?.textContent).toContain(
        "defaults.model must be a model a provider serves.",
      ),
    );
  });

  it("deletes only after confirmation", async () => {
    const be = fakeBackend({ sessions: [older, newer] });
    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(items()).toHaveLength(2));

    fireEvent.click(screen.getByRole("button", { name: "Delete Tax questions" }));
    const confirm = screen.getByRole("group", { name: "Confirm delete" });
    expect(confirm.textContent).toContain("Tax questions");
    fireEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(be.mock.callsOf("deleteSession")).toEqual([]);
    expect(items()).toHaveLength(2);

    fireEvent.click(screen.getByRole("button", { name: "Delete Tax questions" }));
    fireEvent.click(within(screen.getByRole("group", { name: "Confirm delete" })).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(items()).toHaveLength(1));
    expect(be.mock.callsOf("deleteSession")).toEqual([{ sessionId: "sess_01OLD" }]);
    expect(items()[0]!.dataset.sessionId).toBe("sess_02NEW");
  });

  it("shows a failed delete and keeps the chat", async () => {
    fakeBackend({ sessions: [older] }, { deleteSession: () => fail({ kind: "storage", message: "database is locked" }) });
    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(items()).toHaveLength(1));
    fireEvent.click(screen.getByRole("button", { name: "Delete Tax questions" }));
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("could not be read or saved: database is locked"));
    expect(items()).toHaveLength(1);
  });

  it("keeps only a window of 10,000 chats in the DOM", async () => {
      const base = Date.UTC(2026, 10, 23);
      const list = Array.from({ length: 10_000 }, (_, i) =>
        session({ id: asSessionId(`sess_${String(i).padStart(26, "0")}`), title: `Chat ${i}`, lastActive: new Date(base - i * 60_000).toISOString() }),
      );
      const t0 = performance.now();
      render(() => (
        <Sidebar
          sessions={list}
          loaded
          error={null}
          selectedId={null}
          now={new Date(base)}
          creating={false}
          onSelect={() => {}}
          onCreate={() => {}}
          onDelete={async () => true}
          onDismissError={() => {}}
        />
      ));
      await waitFor(() => expect(items().length).toBeGreaterThan(5));
      const ms = performance.now() - t0;
      expect(items().length).toBeLessThan(40);
      expect(items()[0]!.querySelector(".session-title")!.textContent).toBe("Chat 0");
      expect(ms).toBeLessThan(1000);
      const scroller = document.querySelector<HTMLElement>(".session-scroll")!;
      scroller.scrollTop = 5000 * 52;
      scroller.dispatchEvent(new Event("scroll"));
      await waitFor(() => expect(document.querySelector('[data-index="5003"] .session-title')?.textContent).toBe("Chat 5003"));
      expect(items().length).toBeLessThan(40);
  });
});
