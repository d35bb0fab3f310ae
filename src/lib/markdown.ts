// Markdown for replies: marked (GFM) -> highlight.js for code -> DOMPurify.
// The output is safe to assign to innerHTML: scripts, event-handler
// attributes, `javascript:` URLs and the like are removed by DOMPurify after
// all rendering, so nothing a model (or a prompt-injected page) writes runs.
import DOMPurify from "dompurify";
import { Marked, type Tokens } from "marked";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import css from "highlight.js/lib/languages/css";
import go from "highlight.js/lib/languages/go";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

const languages = { bash, css, go, javascript, json, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang);
hljs.registerAliases(["sh", "shell", "zsh"], { languageName: "bash" });
hljs.registerAliases(["js", "jsx", "mjs"], { languageName: "javascript" });
hljs.registerAliases(["ts", "tsx"], { languageName: "typescript" });
hljs.registerAliases(["py"], { languageName: "python" });
hljs.registerAliases(["rs"], { languageName: "rust" });
hljs.registerAliases(["html", "svg"], { languageName: "xml" });
hljs.registerAliases(["yml", "toml"], { languageName: "yaml" });

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function highlight(code: string, lang: string | undefined): { html: string; language: string | null } {
  const name = lang?.trim().split(/\s+/)[0]?.toLowerCase();
  if (name && hljs.getLanguage(name)) {
    return { html: hljs.highlight(code, { language: name, ignoreIllegals: true }).value, language: name };
  }
  return { html: escapeHtml(code), language: name || null };
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    code(token: Tokens.Code): string {
      const { html, language } = highlight(token.text, token.lang);
      const label = language ? `<span class="code-lang">${escapeHtml(language)}</span>` : "";
      return `<pre class="code">${label}<code class="hljs">${html}</code></pre>`;
    },
  },
});

const purifyConfig = {
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "object", "embed"],
  FORBID_ATTR: ["style"],
};

// Links cannot navigate the app window (the view prevents it); show where
// they point instead.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("title", node.getAttribute("href") ?? "");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** Markdown to sanitized HTML. */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source) as string;
  return DOMPurify.sanitize(html, purifyConfig);
}

/**
 * Splits markdown that is still arriving into blocks that render the same on
 * their own: a break is a blank line outside a fenced code block that is
 * followed by a line starting in the first column (so list continuations
 * and indented code stay with what they belong to). Every block but the last
 * is final; only the last one changes as text arrives.
 */
export function splitBlocks(source: string): string[] {
  const lines = source.split("\n");
  const blocks: string[] = [];
  let start = 0;
  let fence: string | null = null;
  let blank = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && blank && line.length > 0 && !/^\s/.test(line) && i > start) {
      blocks.push(lines.slice(start, i).join("\n"));
      start = i;
    }
    if (marker) {
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
    }
    blank = fence === null && line.trim() === "";
  }
  blocks.push(lines.slice(start).join("\n"));
  return blocks;
}
