import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatMessage } from "../chat/streamState";
import { Markdown } from "./Markdown";
import { MessageItem } from "./MessageItem";

let written: string[];
let refuse: boolean;

beforeEach(() => {
  written = [];
  refuse = false;
  Object.defineProperty(navigator, "clipboard", {
    configurable: true,
    value: {
      writeText: vi.fn(async (text: string) => {
        if (refuse) throw new DOMException("denied", "NotAllowedError");
        written.push(text);
      }),
    },
  });
});

afterEach(() => {
  Reflect.deleteProperty(navigator, "clipboard");
});

const source = "Try this:\n\n```js\nconst a = 1 < 2;\nconsole.log(a);\n```\n\nand\n\n```\nplain block\n```";

describe("code block copy buttons", () => {
  it("every code block gets one, and it copies exactly the code", async () => {
    const { container } = render(() => <Markdown text={source} />);
    const buttons = await screen.findAllByRole("button", { name: "Copy code" });
    expect(buttons).toHaveLength(2);
    expect(container.querySelectorAll("pre.code")).toHaveLength(2);
    fireEvent.click(buttons[0]!);
    await waitFor(() => expect(written).toEqual(["const a = 1 < 2;\nconsole.log(a);"]));
    await waitFor(() => expect(buttons[0]!.textContent).toBe("Copied"));
    fireEvent.click(buttons[1]!);
    await waitFor(() => expect(written[1]).toBe("plain block"));
  });

  it("appear on a block as it streams in", async () => {
    const { container } = render(() => <Markdown text={source} live />);
    await waitFor(() => expect(container.querySelectorAll("button.code-copy")).toHaveLength(2));
  });

  it("say so when the clipboard refuses", async () => {
    refuse = true;
    render(() => <Markdown text={source} />);
    const [first] = await screen.findAllByRole("button", { name: "Copy code" });
    fireEvent.click(first!);
    await waitFor(() => expect(first!.textContent).toBe("Couldn't copy"));
    expect(first!.dataset.copied).toBe("false");
  });
});

const message = (over: Partial<ChatMessage>): ChatMessage =>
  ({
    id: "m1",
    role: "assistant",
    content: "**Bold** and `code`",
    status: "complete",
    timestamp: "2026-11-30T10:00:00Z",
    model: "double/echo",
    usage: null,
    failure: null,
    local: null,
    versions: null,
    sessionId: "s1",
    nextIndex: 0,
    pending: {},
    ...over,
  }) as ChatMessage;

describe("copy a message", () => {
  it("copies the markdown source, not the rendered text", async () => {
    render(() => <MessageItem message={message({})} live={false} />);
    fireEvent.click(screen.getByRole("button", { name: "Copy message" }));
    await waitFor(() => expect(written).toEqual(["**Bold** and `code`"]));
    await waitFor(() => expect(screen.getByTestId("message-copy").textContent).toBe("Copied"));
  });

  it("copies what the user wrote too, and shows an error when the clipboard refuses", async () => {
    refuse = true;
    render(() => <MessageItem message={message({ role: "user", content: "hello *there*" })} live={false} />);
    fireEvent.click(screen.getByRole("button", { name: "Copy message" }));
    await waitFor(() => expect(screen.getByTestId("message-copy").textContent).toBe("Couldn't copy"));
  });

  it("is not offered while the reply streams or when there is no text", () => {
    render(() => <MessageItem message={message({ status: "streaming" })} live />);
    expect(screen.queryByRole("button", { name: "Copy message" })).toBeNull();
  });
});
