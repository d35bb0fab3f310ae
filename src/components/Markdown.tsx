import { createMemo } from "solid-js";
import { renderMarkdown } from "../lib/markdown";

/** Sanitized markdown. Links do not navigate the app window away. */
export function Markdown(props: { text: string }) {
  const html = createMemo(() => renderMarkdown(props.text));
  const onClick = (e: MouseEvent) => {
    const link = (e.target as Element | null)?.closest?.("a");
    if (link) e.preventDefault();
  };
  return <div class="markdown" innerHTML={html()} onClick={onClick} />;
}
