// The window's keyboard shortcuts: one table, read both by the key handler
// and by the shortcut list (the `?` overlay and Settings), so what is shown
// is what works. "Mod" is Ctrl, or Cmd on macOS.

export type ShortcutId = "newChat" | "search" | "settings" | "toggleSidebar" | "copyLastReply" | "stop" | "help" | "editLast";

/** Where a shortcut is heard: anywhere in the window, or only in the empty
 * composer (its own key handler, so Up still moves the caret elsewhere). */
export type ShortcutScope = "window" | "emptyComposer";

export interface Shortcut {
  id: ShortcutId;
  /** `KeyboardEvent.key`, lower-case for letters. */
  key: string;
  /** Needs Ctrl (Cmd on macOS). */
  mod: boolean;
  shift: boolean;
  description: string;
  /** A plain key (no Mod): never taken while typing in a text field. */
  plain: boolean;
  scope: ShortcutScope;
}

const mk = (
  id: ShortcutId,
  key: string,
  mod: boolean,
  shift: boolean,
  description: string,
  scope: ShortcutScope = "window",
): Shortcut => ({
  id,
  key,
  mod,
  shift,
  description,
  plain: !mod && key.length === 1,
  scope,
});

export const SHORTCUTS: readonly Shortcut[] = [
  mk("newChat", "n", true, false, "New chat"),
  mk("search", "k", true, false, "Search all chats"),
  mk("settings", ",", true, false, "Open or close Settings"),
  mk("toggleSidebar", "b", true, false, "Show or hide the sidebar"),
  mk("copyLastReply", "c", true, true, "Copy the last reply"),
  mk("stop", "Escape", false, false, "Stop the reply that is streaming"),
  mk("help", "?", false, false, "Show these shortcuts (outside text fields)"),
  mk("editLast", "ArrowUp", false, false, "Edit your last message (in an empty composer)", "emptyComposer"),
];

/** Whether the keys are the macOS ones (Cmd for Mod). */
export function isMac(nav: { platform?: string; userAgent?: string } = typeof navigator === "undefined" ? {} : navigator): boolean {
  return /mac|iphone|ipad/i.test(nav.platform || nav.userAgent || "");
}

const keyNames: Record<string, string> = { Escape: "Esc", ",": ",", "?": "?", ArrowUp: "↑" };

/** How the keys read, e.g. "Ctrl+Shift+C" or "⌘⇧C". */
export function shortcutLabel(s: Shortcut, mac: boolean = isMac()): string {
  const key = keyNames[s.key] ?? s.key.toUpperCase();
  if (mac) return `${s.mod ? "⌘" : ""}${s.shift ? "⇧" : ""}${key}`;
  return [s.mod ? "Ctrl" : null, s.shift ? "Shift" : null, key].filter(Boolean).join("+");
}

/** Whether keys typed now go into a text field (input, textarea, editable). */
export function typingInField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["button", "checkbox", "radio", "submit", "reset", "range", "color", "file"].includes(target.type);
  }
  return false;
}

/** The shortcut of `scope` that `e` presses, if any. */
export function matchShortcut(e: KeyboardEvent, mac: boolean = isMac(), scope: ShortcutScope = "window"): Shortcut | null {
  if (e.altKey || e.isComposing) return null;
  const mod = mac ? e.metaKey : e.ctrlKey;
  // The other modifier (Cmd on Linux, Ctrl on macOS) belongs to the system.
  const other = mac ? e.ctrlKey : e.metaKey;
  if (other) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  for (const s of SHORTCUTS) {
    if (s.scope !== scope || s.key !== key || s.mod !== mod) continue;
    // `?` is Shift+/ on most layouts: a printable key brings its own shift.
    if (!s.plain && s.shift !== e.shiftKey) continue;
    if (s.plain && typingInField(e.target)) continue;
    return s;
  }
  return null;
}

/** Actions for the shortcuts; one returning `false` did not apply (the key
 * is left to the page, e.g. Escape with nothing streaming). */
export type ShortcutActions = Partial<Record<ShortcutId, () => boolean | void>>;

/** Runs the shortcut `e` presses; true when one ran (the key is then taken). */
export function handleShortcut(e: KeyboardEvent, actions: ShortcutActions, mac: boolean = isMac()): boolean {
  if (e.defaultPrevented) return false;
  const s = matchShortcut(e, mac);
  const action = s && actions[s.id];
  if (!action || action() === false) return false;
  e.preventDefault();
  return true;
}
