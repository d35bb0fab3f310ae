// Links in replies never navigate the app window: they open in the system's
// browser (Tauri's opener plugin; in a browser tab, a new tab), and only for
// schemes that cannot run anything here: http, https and mailto.
import { openUrl } from "@tauri-apps/plugin-opener";
import { transport } from "../transport";

/** The schemes a link may open with. */
export const OPENABLE_SCHEMES = ["http:", "https:", "mailto:"] as const;

/** `href` as an absolute URL when it may be opened, otherwise null
 * (relative links, `javascript:`, `file:`, `data:`, anything unparsable). */
export function openableUrl(href: string | null | undefined): string | null {
  if (!href) return null;
  let url: URL;
  try {
    // No base: a relative link would resolve against the app's own origin.
    url = new URL(href.trim());
  } catch {
    return null;
  }
  return (OPENABLE_SCHEMES as readonly string[]).includes(url.protocol) ? url.href : null;
}

/** Opens `url` outside the app window. Throws when it is not openable or
 * the system refuses. */
export async function openExternal(url: string): Promise<void> {
  const target = openableUrl(url);
  if (target === null) throw new Error(`Links like this are not opened: ${url}`);
  if (transport === "http") {
    window.open(target, "_blank", "noopener,noreferrer");
    return;
  }
  await openUrl(target);
}
