/** Puts `text` on the system clipboard; false when the webview refuses
 * (no clipboard, no user gesture, permission denied). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard?.writeText) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
