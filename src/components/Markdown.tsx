import { For, Show } from "solid-js";
import { renderMarkdown, splitBlocks } from "../lib/markdown";

/** Sanitized markdown. Links do not navigate the app window away.
 * While `live` (the text still arriving), it is rendered block by block, so
 * each new piece re-renders only the last block instead of the whole reply. */
export function Markdown(props: { text: string; live?: boolean }) {
  const onClick = (e: MouseEvent) => {
    const link = (e.target as Element | null)?.closest?.("a");
    if (link) e.preventDefault();
  };
  return (
    <Show
      when={props.live}
      fallback={<div class="markdown" innerHTML={renderMarkdown(props.text)} onClick={onClick} />}
    >
      <div class="markdown live" onClick={onClick}>
        <For each={splitBlocks(props.text)}>{(block) => <div class="md-block" innerHTML={renderMarkdown(block)} />}</For>
      </div>
    </Show>
  );
}
