import { createEffect, createSignal, For, onCleanup, Show } from "solid-js";
import { Portal } from "solid-js/web";
import { copyText } from "../lib/clipboard";
import { openableUrl, openExternal } from "../lib/links";
import { renderMarkdown, splitBlocks } from "../lib/markdown";

/** How long a copy button says "Copied". */
export const COPIED_MS = 1500;

/** About the popover's height: below this much room under a link, it opens above. */
const POPOVER_ROOM_PX = 150;

/** A link clicked: where it goes, shown before anything is opened. */
interface PendingLink {
  href: string;
  /** The URL that would open; null when the scheme is refused. */
  url: string | null;
  /** The link clicked; the popover stays under it as the chat scrolls. */
  anchor: Element;
}

export interface MarkdownProps {
  text: string;
  live?: boolean;
  /** Opens a link outside the app (tests pass their own). */
  openLink?: (url: string) => Promise<void>;
}

/** Every rendered code block gets a copy button (sanitized markdown carries
 * no buttons, so they are added to the DOM after each render). */
function addCopyButtons(root: HTMLElement) {
  for (const pre of root.querySelectorAll<HTMLPreElement>("pre.code")) {
    if (pre.querySelector(":scope > button.code-copy")) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "code-copy small";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code");
    button.dataset.testid = "code-copy";
    pre.append(button);
  }
}

async function copyCode(button: HTMLButtonElement) {
  const code = button.closest("pre")?.querySelector("code")?.textContent ?? "";
  const ok = await copyText(code);
  button.textContent = ok ? "Copied" : "Couldn't copy";
  button.dataset.copied = ok ? "true" : "false";
  setTimeout(() => {
    button.textContent = "Copy";
    delete button.dataset.copied;
  }, COPIED_MS);
}

/** Sanitized markdown. Links never navigate the app window: a click shows
 * where the link goes and opens it in the system's browser only on "Open".
 * While `live` (the text still arriving), it is rendered block by block, so
 * each new piece re-renders only the last block instead of the whole reply. */
export function Markdown(props: MarkdownProps) {
  let root: HTMLDivElement | undefined;
  const [pending, setPending] = createSignal<PendingLink | null>(null);
  const [openError, setOpenError] = createSignal<string | null>(null);

  // After Solid has put the new HTML in (effects run after rendering).
  createEffect(() => {
    void props.text;
    void props.live;
    if (root) addCopyButtons(root);
  });

  const onClick = (e: MouseEvent) => {
    const target = e.target as Element | null;
    const copy = target?.closest?.("button.code-copy");
    if (copy) {
      e.preventDefault();
      void copyCode(copy as HTMLButtonElement);
      return;
    }
    const link = target?.closest?.("a");
    if (!link) return;
    // Every link: the app window itself never follows one.
    e.preventDefault();
    const href = link.getAttribute("href");
    if (!href) return;
    setOpenError(null);
    setPending({ href, url: openableUrl(href), anchor: link });
  };

  const close = () => setPending(null);
  const open = async (url: string) => {
    try {
      await (props.openLink ?? openExternal)(url);
      close();
    } catch (e) {
      setOpenError(e instanceof Error ? e.message : String(e));
    }
  };

  const body = () => (
    <Show
      when={props.live}
      fallback={<div ref={root} class="markdown" innerHTML={renderMarkdown(props.text)} onClick={onClick} />}
    >
      <div ref={root} class="markdown live" onClick={onClick}>
        <For each={splitBlocks(props.text)}>{(block) => <div class="md-block" innerHTML={renderMarkdown(block)} />}</For>
      </div>
    </Show>
  );

  return (
    <>
      {body()}
      <Show when={pending()}>{(p) => <LinkPopover link={p()} error={openError()} onOpen={open} onClose={close} />}</Show>
    </>
  );
}

/** Where a clicked link goes, with "Open in browser" and "Cancel". In a
 * portal, so the virtual list's transforms do not move it. */
function LinkPopover(props: { link: PendingLink; error: string | null; onOpen: (url: string) => void; onClose: () => void }) {
  let panel: HTMLDivElement | undefined;
  /** Under the link, or above it when the window has no room below. */
  const place = () => {
    const box = props.link.anchor.getBoundingClientRect();
    const above = window.innerHeight - box.bottom < POPOVER_ROOM_PX && box.top > POPOVER_ROOM_PX;
    return { x: box.left, top: above ? null : box.bottom + 4, bottom: above ? window.innerHeight - box.top + 4 : null };
  };
  const [at, setAt] = createSignal(place());
  // Follows the link as the chat scrolls (a streaming reply scrolls it too);
  // a link scrolled out of the DOM (the list is virtual) closes it.
  const onScroll = () => (props.link.anchor.isConnected ? setAt(place()) : props.onClose());
  window.addEventListener("scroll", onScroll, true);
  window.addEventListener("resize", onScroll);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      // Closes the popover only; a streaming reply is not stopped by this one.
      e.preventDefault();
      e.stopPropagation();
      props.onClose();
    }
  };
  const onOutside = (e: MouseEvent) => {
    if (panel && !panel.contains(e.target as Node)) props.onClose();
  };
  window.addEventListener("keydown", onKey, true);
  // The click that opened it has finished bubbling by the next task.
  const armed = setTimeout(() => window.addEventListener("mousedown", onOutside), 0);
  onCleanup(() => {
    clearTimeout(armed);
    window.removeEventListener("keydown", onKey, true);
    window.removeEventListener("mousedown", onOutside);
    window.removeEventListener("scroll", onScroll, true);
    window.removeEventListener("resize", onScroll);
  });
  return (
    <Portal>
      <div
        ref={panel}
        class="link-popover"
        role="dialog"
        aria-label="Open link"
        data-testid="link-popover"
        style={{
          left: `${Math.max(8, Math.min(at().x, window.innerWidth - 360))}px`,
          top: at().top === null ? undefined : `${at().top}px`,
          bottom: at().bottom === null ? undefined : `${at().bottom}px`,
        }}
      >
        <Show
          when={props.link.url}
          fallback={
            <p class="link-refused" role="alert" data-testid="link-refused">
              Not opened: only http, https and mailto links open from a reply.
              <code class="link-target">{props.link.href}</code>
            </p>
          }
        >
          {(url) => (
            <>
              <p class="link-label muted small">Opens in your browser:</p>
              <code class="link-target" data-testid="link-target">{url()}</code>
            </>
          )}
        </Show>
        <Show when={props.error}>
          <p class="link-error small" role="alert">Could not open the link: {props.error}</p>
        </Show>
        <div class="link-actions">
          <Show when={props.link.url}>
            {(url) => (
              <button type="button" class="primary small" data-testid="link-open" ref={(b) => queueMicrotask(() => b.focus())} onClick={() => props.onOpen(url())}>
                Open in browser
              </button>
            )}
          </Show>
          <button type="button" class="small" data-testid="link-cancel" onClick={() => props.onClose()}>
            {props.link.url ? "Cancel" : "Close"}
          </button>
        </div>
      </div>
    </Portal>
  );
}
