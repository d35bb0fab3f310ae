import { describe, expect, it, vi } from "vitest";
import { handleShortcut, isMac, matchShortcut, SHORTCUTS, shortcutLabel, typingInField } from "./shortcuts";

function key(init: KeyboardEventInit, target?: HTMLElement): KeyboardEvent {
  const e = new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init });
  if (target) {
    document.body.append(target);
    target.dispatchEvent(e);
    target.remove();
  }
  return e;
}

/** An event whose target is `el` (dispatched, then inspected). */
function keyOn(el: HTMLElement, init: KeyboardEventInit): KeyboardEvent {
  let seen: KeyboardEvent | null = null;
  el.addEventListener("keydown", (e) => (seen = e), { once: true });
  key(init, el);
  return seen!;
}

describe("the shortcut table", () => {
  it("has one entry per id and per key combination", () => {
    const ids = SHORTCUTS.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const combos = SHORTCUTS.map((s) => `${s.mod}-${s.shift}-${s.key}`);
    expect(new Set(combos).size).toBe(combos.length);
    expect(ids).toEqual(expect.arrayContaining(["newChat", "search", "settings", "copyLastReply", "stop", "help"]));
  });

  it("reads Ctrl on Linux and Windows, Cmd on macOS", () => {
    const copy = SHORTCUTS.find((s) => s.id === "copyLastReply")!;
    expect(shortcutLabel(copy, false)).toBe("Ctrl+Shift+C");
    expect(shortcutLabel(copy, true)).toBe("⌘⇧C");
    expect(shortcutLabel(SHORTCUTS.find((s) => s.id === "settings")!, false)).toBe("Ctrl+,");
    expect(shortcutLabel(SHORTCUTS.find((s) => s.id === "stop")!, false)).toBe("Esc");
    expect(isMac({ platform: "MacIntel" })).toBe(true);
    expect(isMac({ platform: "Linux x86_64" })).toBe(false);
  });
});

describe("matchShortcut", () => {
  it("matches Mod shortcuts by the platform's modifier", () => {
    expect(matchShortcut(key({ key: "n", ctrlKey: true }), false)?.id).toBe("newChat");
    expect(matchShortcut(key({ key: "N", metaKey: true }), true)?.id).toBe("newChat");
    // The other platform's modifier is not Mod.
    expect(matchShortcut(key({ key: "n", metaKey: true }), false)).toBeNull();
    expect(matchShortcut(key({ key: "n", ctrlKey: true }), true)).toBeNull();
    expect(matchShortcut(key({ key: "k", ctrlKey: true }), false)?.id).toBe("search");
    expect(matchShortcut(key({ key: ",", ctrlKey: true }), false)?.id).toBe("settings");
  });

  it("tells Ctrl+C (left to the system) from Ctrl+Shift+C", () => {
    expect(matchShortcut(key({ key: "c", ctrlKey: true }), false)).toBeNull();
    expect(matchShortcut(key({ key: "C", ctrlKey: true, shiftKey: true }), false)?.id).toBe("copyLastReply");
    expect(matchShortcut(key({ key: "n", ctrlKey: true, altKey: true }), false)).toBeNull();
  });

  it("takes `?` only outside text fields, Mod shortcuts everywhere", () => {
    expect(matchShortcut(keyOn(document.createElement("button"), { key: "?", shiftKey: true }), false)?.id).toBe("help");
    expect(matchShortcut(keyOn(document.createElement("textarea"), { key: "?", shiftKey: true }), false)).toBeNull();
    expect(matchShortcut(keyOn(document.createElement("input"), { key: "?" }), false)).toBeNull();
    expect(matchShortcut(keyOn(document.createElement("textarea"), { key: "n", ctrlKey: true }), false)?.id).toBe("newChat");
  });

  it("knows what is a text field", () => {
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    expect(typingInField(checkbox)).toBe(false);
    expect(typingInField(document.createElement("input"))).toBe(true);
    expect(typingInField(document.createElement("textarea"))).toBe(true);
    expect(typingInField(document.createElement("a"))).toBe(false);
    expect(typingInField(null)).toBe(false);
  });
});

describe("handleShortcut", () => {
  it("runs the action and takes the key", () => {
    const newChat = vi.fn();
    const e = key({ key: "n", ctrlKey: true });
    expect(handleShortcut(e, { newChat }, false)).toBe(true);
    expect(newChat).toHaveBeenCalledOnce();
    expect(e.defaultPrevented).toBe(true);
  });

  it("leaves the key alone when the action does not apply, is missing or the key was taken", () => {
    const stop = vi.fn(() => false);
    const esc = key({ key: "Escape" });
    expect(handleShortcut(esc, { stop }, false)).toBe(false);
    expect(stop).toHaveBeenCalledOnce();
    expect(esc.defaultPrevented).toBe(false);

    expect(handleShortcut(key({ key: "k", ctrlKey: true }), {}, false)).toBe(false);

    const search = vi.fn();
    const taken = key({ key: "k", ctrlKey: true });
    taken.preventDefault();
    expect(handleShortcut(taken, { search }, false)).toBe(false);
    expect(search).not.toHaveBeenCalled();
  });
});
