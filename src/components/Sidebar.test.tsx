import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
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

  it("deletes only once the undo window passes, and Undo keeps the chat", async () => {
    const be = fakeBackend({ sessions: [older, newer] });
    render(() => <App statusIntervalMs={60_000} undoDeleteMs={150} />);
    await waitFor(() => expect(items()).toHaveLength(2));

    // Delete, then Undo: the chat comes back and nothing was deleted.
    fireEvent.click(screen.getByRole("button", { name: "Delete Tax questions" }));
    await waitFor(() => expect(items()).toHaveLength(1));
    expect(screen.getByTestId("undo-toast").textContent).toContain("Tax questions");
    fireEvent.click(screen.getByRole("button", { name: "Undo deleting Tax questions" }));
    await waitFor(() => expect(items()).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 300));
    expect(be.mock.callsOf("deleteSession")).toEqual([]);
    expect(be.sessions).toHaveLength(2);

    // Delete and wait: hidden at once, deleted after the window.
    fireEvent.click(screen.getByRole("button", { name: "Delete Tax questions" }));
    await waitFor(() => expect(items()).toHaveLength(1));
    expect(be.mock.callsOf("deleteSession")).toEqual([]);
    await waitFor(() => expect(be.mock.callsOf("deleteSession")).toEqual([{ sessionId: "sess_01OLD" }]));
    await waitFor(() => expect(screen.queryByTestId("undo-toast")).toBeNull());
    expect(items().map((li) => li.dataset.sessionId)).toEqual(["sess_02NEW"]);
  });

  it("shows a failed delete and brings the chat back", async () => {
    fakeBackend({ sessions: [older] }, { deleteSession: () => fail({ kind: "storage", message: "database is locked" }) });
    render(() => <App statusIntervalMs={60_000} undoDeleteMs={10} />);
    await waitFor(() => expect(items()).toHaveLength(1));
    fireEvent.click(screen.getByRole("button", { name: "Delete Tax questions" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("could not be read or saved: database is locked"));
    expect(items()).toHaveLength(1);
  });

  it("renames in place with double-click or F2: Enter saves, Escape cancels", async () => {
    const be = fakeBackend({ sessions: [older, newer] });
    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(items()).toHaveLength(2));
    const open = (id: string) => document.querySelector<HTMLElement>(`[data-session-id="${id}"] [data-testid="session-open"]`)!;
    const input = () => screen.getByRole("textbox", { name: "Chat title" }) as HTMLInputElement;

    fireEvent.dblClick(open("sess_01OLD"));
    expect(input().value).toBe("Tax questions");
    fireEvent.input(input(), { target: { value: "Taxes 2026" } });
    fireEvent.keyDown(input(), { key: "Enter" });
    await waitFor(() => expect(open("sess_01OLD").textContent).toContain("Taxes 2026"));
    expect(be.mock.callsOf("updateSession")).toEqual([{ sessionId: "sess_01OLD", patch: { title: "Taxes 2026" } }]);

    fireEvent.keyDown(open("sess_02NEW"), { key: "F2" });
    fireEvent.input(input(), { target: { value: "Never saved" } });
    fireEvent.keyDown(input(), { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("textbox", { name: "Chat title" })).toBeNull());
    expect(open("sess_02NEW").textContent).toContain("New chat");
    expect(be.mock.callsOf("updateSession")).toHaveLength(1);
  });

  it("keeps editing and shows the error when a rename is refused", async () => {
    fakeBackend({ sessions: [older] }, {
      updateSession: () => fail({ kind: "invalidArgument", field: "title", message: "invalid title: too long" }),
    });
    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(items()).toHaveLength(1));
    fireEvent.click(screen.getByRole("button", { name: "Rename Tax questions" }));
    const input = screen.getByRole("textbox", { name: "Chat title" });
    fireEvent.input(input, { target: { value: "x".repeat(150) } });
    fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("too long"));
    expect(screen.getByRole("textbox", { name: "Chat title" })).toBeTruthy();
  });

  it("pins a chat to the top and unpins it", async () => {
    const be = fakeBackend({ sessions: [older, newer] });
    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(items()).toHaveLength(2));
    const pin = screen.getByRole("button", { name: "Pin Tax questions" });
    expect(pin.getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(pin);
    await waitFor(() => expect(items().map((li) => li.dataset.sessionId)).toEqual(["sess_01OLD", "sess_02NEW"]));
    expect(screen.getByRole("button", { name: "Unpin Tax questions" }).getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(screen.getByRole("button", { name: "Unpin Tax questions" }));
    await waitFor(() => expect(items().map((li) => li.dataset.sessionId)).toEqual(["sess_02NEW", "sess_01OLD"]));
    expect(be.mock.callsOf("updateSession").map((c) => c.patch)).toEqual([{ pinned: true }, { pinned: false }]);
  });

  it("hands out the empty chat again instead of piling up new ones", async () => {
    const be = fakeBackend({ sessions: [older] });
    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(items()).toHaveLength(1));
    const newChat = screen.getByRole("button", { name: /New chat/ });
    fireEvent.click(newChat);
    await waitFor(() => expect(items()).toHaveLength(2));
    await waitFor(() => expect(newChat).toHaveProperty("disabled", false));
    fireEvent.click(newChat);
    // Leave it for another chat and come back through New chat: the same one.
    fireEvent.click(document.querySelector<HTMLElement>('[data-session-id="sess_01OLD"] [data-testid="session-open"]')!);
    fireEvent.click(newChat);
    await waitFor(() => expect(newChat).toHaveProperty("disabled", false));
    expect(be.mock.callsOf("createSession")).toHaveLength(1);
    expect(items()).toHaveLength(2);
    const blank = be.sessions.find((s) => s.id !== older.id)!;
    await waitFor(() => expect(items().find((li) => li.classList.contains("selected"))?.dataset.sessionId).toBe(blank.id));
  });

  it("loads the first page at start and the next ones as the list scrolls", async () => {
    const base = Date.UTC(2026, 10, 23);
    const list = Array.from({ length: 230 }, (_, i) =>
      session({ id: asSessionId(`sess_${String(i).padStart(26, "0")}`), title: `Chat ${i}`, lastActive: new Date(base - i * 60_000).toISOString() }),
    );
    const be = fakeBackend({ sessions: list });
    render(() => <App statusIntervalMs={60_000} />);
    await waitFor(() => expect(items().length).toBeGreaterThan(5));
    expect(be.mock.callsOf("listSessions")).toEqual([]);
    expect(be.mock.callsOf("listSessionsPage")[0]).toEqual({ cursor: null, limit: 50, pinnedFirst: true });
    const scroller = document.querySelector<HTMLElement>(".session-scroll")!;
    for (const index of [60, 120, 229]) {
      scroller.scrollTop = index * 52;
      scroller.dispatchEvent(new Event("scroll"));
      await waitFor(() => expect(document.querySelector(`[data-index="${index}"] .session-title`)?.textContent).toBe(`Chat ${index}`));
    }
    const cursors = be.mock.callsOf("listSessionsPage").map((c) => c.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
    expect(cursors.length).toBe(5);
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
          hasMore={false}
          pendingDeletes={[]}
          onSelect={() => {}}
          onCreate={() => {}}
          onDelete={() => {}}
          onUndoDelete={() => {}}
          onRename={async () => true}
          onTogglePin={() => {}}
          onLoadMore={() => {}}
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
