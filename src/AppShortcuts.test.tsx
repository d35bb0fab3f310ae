import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App, SIDEBAR_COLLAPSED_KEY } from "./App";
import { SHORTCUTS, shortcutLabel } from "./shortcuts";
import { conversation, fakeBackend, session } from "./test/fixtures";
import { asSessionId } from "./test/ids";
import { stubLayout } from "./test/layout";

const chatWithReplies = session({ id: asSessionId("sess_01TALK"), title: "Talk", messageCount: 4 });

let restoreLayout: () => void;
let written: string[];
beforeEach(() => {
  restoreLayout = stubLayout(600, 120);
  written = [];
  Object.defineProperty(navigator, "clipboard", {
    configurable: true,
    value: { writeText: vi.fn(async (t: string) => void written.push(t)) },
  });
});
afterEach(() => {
  restoreLayout();
  Reflect.deleteProperty(navigator, "clipboard");
});

const press = (init: KeyboardEventInit, target: EventTarget = document.body) => {
  const e = new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(e);
  return e;
};

async function start() {
  const be = fakeBackend({ sessions: [chatWithReplies], messages: { [chatWithReplies.id]: conversation(chatWithReplies.id, 4) } });
  render(() => <App statusIntervalMs={60_000} />);
  await waitFor(() => expect(screen.getAllByTestId("message").length).toBeGreaterThan(0));
  return be;
}

describe("window shortcuts", () => {
  it("Ctrl+N makes a new chat with the focus in the composer", async () => {
    const be = await start();
    expect(press({ key: "n", ctrlKey: true }).defaultPrevented).toBe(true);
    await waitFor(() => expect(be.mock.callsOf("createSession")).toHaveLength(1));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("composer-input")));
    expect(screen.getByTestId("composer-input").getAttribute("value") ?? "").toBe("");
  });

  it("the New chat button puts the focus in the composer too", async () => {
    await start();
    fireEvent.click(screen.getByRole("button", { name: /New chat/ }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("composer-input")));
  });

  it("Ctrl+Shift+C copies the last reply's markdown source", async () => {
    await start();
    press({ key: "C", ctrlKey: true, shiftKey: true });
    await waitFor(() => expect(written).toEqual([conversation(chatWithReplies.id, 4)[3]!.content]));
    expect((await screen.findByTestId("toast")).textContent).toBe("Copied the last reply.");
  });

  it("Ctrl+, opens Settings, which lists every shortcut; again closes it", async () => {
    await start();
    press({ key: ",", ctrlKey: true });
    const list = await screen.findByTestId("shortcut-list");
    const rows = [...list.querySelectorAll("tr")].map((tr) => tr.textContent);
    expect(rows).toEqual(SHORTCUTS.map((s) => `${shortcutLabel(s, false)}${s.description}`));
    press({ key: ",", ctrlKey: true });
    await waitFor(() => expect(screen.queryByTestId("settings-panel")).toBeNull());
  });

  it("`?` shows the shortcuts, but not while typing in the composer", async () => {
    await start();
    press({ key: "?", shiftKey: true }, screen.getByTestId("composer-input"));
    expect(screen.queryByTestId("shortcut-help")).toBeNull();
    press({ key: "?", shiftKey: true });
    const dialog = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    expect(dialog.querySelectorAll("tr")).toHaveLength(SHORTCUTS.length);
    press({ key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("shortcut-help")).toBeNull());
  });

  it("Ctrl+K still opens the search palette", async () => {
    await start();
    press({ key: "k", ctrlKey: true });
    await waitFor(() => expect(document.querySelector(".palette-input")).not.toBeNull());
  });
});

describe("collapsible sidebar", () => {
  it("hides and shows with its buttons and Ctrl+B, and remembers the choice", async () => {
    await start();
    const sidebar = screen.getByTestId("sidebar");
    expect(sidebar.hidden).toBe(false);
    fireEvent.click(screen.getByTestId("sidebar-hide"));
    expect(sidebar.hidden).toBe(true);
    expect(localStorage.getItem(SIDEBAR_COLLAPSED_KEY)).toBe("true");
    expect(screen.getByTestId("sidebar-show").getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(screen.getByTestId("sidebar-show"));
    expect(sidebar.hidden).toBe(false);
    press({ key: "b", ctrlKey: true });
    expect(sidebar.hidden).toBe(true);
    press({ key: "b", ctrlKey: true });
    expect(sidebar.hidden).toBe(false);
    expect(localStorage.getItem(SIDEBAR_COLLAPSED_KEY)).toBe("false");
  });

  it("starts hidden in a narrow window unless the user chose otherwise", async () => {
    const width = window.innerWidth;
    Object.defineProperty(window, "innerWidth", { configurable: true, value: 640 });
    try {
      await start();
      expect(screen.getByTestId("sidebar").hidden).toBe(true);
    } finally {
      Object.defineProperty(window, "innerWidth", { configurable: true, value: width });
    }
  });
});
