import { fireEvent, render } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { Markdown } from "../components/Markdown";
import { renderMarkdown, splitBlocks } from "./markdown";

declare global {
  interface Window {
    __pwned?: string;
  }
}

const hostile = [
  "Here you go:",
  "",
  "<script>window.__pwned = 'script'</script>",
  '<img src="x" onerror="window.__pwned = \'img\'">',
  '<a href="javascript:window.__pwned=\'link\'">click me</a>',
  '<svg><script>window.__pwned = "svg"</script></svg>',
  '<iframe src="https://example.com"></iframe>',
  '<div onmouseover="window.__pwned=\'hover\'" style="position:fixed">hover</div>',
  "[md link](javascript:window.__pwned='md')",
  "",
  "[docs](https://example.com/docs)",
].join("\n");

/** Every element and attribute that could run code. */
function dangerous(root: ParentNode): string[] {
  const found: string[] = [];
  for (const el of root.querySelectorAll("*")) {
    if (["SCRIPT", "IFRAME", "OBJECT", "EMBED", "STYLE"].includes(el.tagName)) found.push(el.tagName);
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on")) found.push(`${el.tagName}[${attr.name}]`);
      if (/^\s*javascript:/i.test(attr.value)) found.push(`${el.tagName}[${attr.name}=${attr.value}]`);
      if (attr.name === "style") found.push(`${el.tagName}[style]`);
    }
  }
  return found;
}

afterEach(() => {
  delete window.__pwned;
});

describe("markdown", () => {
  it("renders markdown with highlighted code blocks", () => {
    const html = renderMarkdown("# Title\n\nSome **bold** text.\n\n```rust\nfn main() { let x = 1; }\n```\n\n```unknownlang\n<b>raw</b>\n```");
    const div = document.createElement("div");
    div.innerHTML = html;
    expect(div.querySelector("h1")!.textContent).toBe("Title");
    expect(div.querySelector("strong")!.textContent).toBe("bold");
    const [rust, other] = [...div.querySelectorAll("pre.code")];
    expect(rust!.querySelector(".code-lang")!.textContent).toBe("rust");
    expect(rust!.querySelector(".hljs-keyword")!.textContent).toBe("fn");
    // Unknown languages are escaped, not interpreted.
    expect(other!.querySelector("b")).toBeNull();
    expect(other!.querySelector("code")!.textContent).toBe("<b>raw</b>");
  });

  it("strips scripts, event handlers, javascript: URLs and iframes from a hostile reply", () => {
    const div = document.createElement("div");
    div.innerHTML = renderMarkdown(hostile);
    expect(dangerous(div)).toEqual([]);
    expect(div.textContent).toContain("click me");
    expect(div.querySelector("img")!.getAttribute("src")).toBe("x");
  });

  it("does not execute anything when a hostile reply is shown and clicked", async () => {
    const { container } = render(() => <Markdown text={hostile} />);
    await new Promise((r) => setTimeout(r, 20));
    container.querySelector("img")?.dispatchEvent(new Event("error"));
    for (const a of container.querySelectorAll("a")) fireEvent.click(a);
    fireEvent.mouseOver(container.querySelector(".markdown")!.lastElementChild!);
    expect(window.__pwned).toBeUndefined();
    expect(dangerous(container)).toEqual([]);
    const safe = container.querySelector<HTMLAnchorElement>('a[href="https://example.com/docs"]')!;
    expect(safe.getAttribute("rel")).toBe("noopener noreferrer");
    expect(safe.title).toBe("https://example.com/docs");
    // Links never navigate the app window away.
    expect(fireEvent.click(safe)).toBe(false);
  });
});

describe("splitBlocks (a reply still streaming)", () => {
  it("breaks at blank lines before a line in the first column", () => {
    expect(splitBlocks("One\ntwo\n\nThree\n\n- a\n- b")).toEqual(["One\ntwo\n", "Three\n", "- a\n- b"]);
  });

  it("keeps fenced code, list continuations and indented code together", () => {
    const fenced = "```js\nlet a = 1;\n\nlet b = 2;\n```";
    expect(splitBlocks(`Intro\n\n${fenced}\n\nAfter`)).toEqual(["Intro\n", `${fenced}\n`, "After"]);
    expect(splitBlocks("- item\n\n  more of the item\n\n      code")).toEqual(["- item\n\n  more of the item\n\n      code"]);
    // An unclosed fence (still arriving) keeps everything after it.
    expect(splitBlocks("A\n\n~~~\nx\n\ny")).toEqual(["A\n", "~~~\nx\n\ny"]);
  });

  it("renders a streaming reply like the finished one", () => {
    const text = "# Title\n\nSome **bold** text.\n\n- one\n- two\n\n```rust\nfn main() {}\n\n// end\n```\n\nDone.";
    const whole = render(() => <Markdown text={text} />).container.querySelector(".markdown")!;
    const live = render(() => <Markdown text={text} live />).container.querySelector(".markdown")!;
    const flat = (el: Element) => Array.from(el.querySelectorAll(".md-block")).map((b) => b.innerHTML).join("");
    expect(flat(live).replace(/\s+/g, "")).toBe(whole.innerHTML.replace(/\s+/g, ""));
    expect(live.querySelectorAll(".md-block")).toHaveLength(5);
  });
});
