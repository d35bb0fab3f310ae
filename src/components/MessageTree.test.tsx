// Edit, regenerate, retry and the version arrows in the app, against the
// fake backend's trees (src/test/fakeTree.ts).
import { fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emitEvent } from "../../bindings/mock";
import type { Message } from "../../bindings/bindings";
import { App } from "../App";
import { conversation, fakeBackend, message, session } from "../test/fixtures";
import { stubLayout } from "../test/layout";
import { asMessageId, asSessionId } from "../test/ids";

const S = asSessionId("sess_01TREEVIEW");
let restore: () => void;
beforeEach(() => {
  restore = stubLayout(800, 120);
});
afterEach(() => restore());

async function openChat(messages: Message[] = conversation(S, 2)) {
  const be = fakeBackend({ sessions: [session({ id: S, title: "Trees" })], messages: { [S]: messages } });
  render(() => <App statusIntervalMs={60_000} />);
  await waitFor(() => expect(document.querySelectorAll("article.message")).toHaveLength(messages.length));
  return { be, composer: screen.getByLabelText("Message") as HTMLTextAreaElement };
}

const messages = () => [...document.querySelectorAll<HTMLElement>("article.message")];
const button = (el: HTMLElement, testId: string) => el.querySelector<HTMLButtonElement>(`[data-testid="${testId}"]`);
const label = (el: HTMLElement) => el.querySelector('[data-testid="version-label"]')?.textContent ?? null;

describe("editing a question in place", () => {
  it("Enter sends the edit; the new reply streams below it; ‹ shows the earlier version and its reply", async () => {
    const { be } = await openChat();
    fireEvent.click(button(messages()[0]!, "message-edit")!);
    const editor = (await screen.findByTestId("edit-input")) as HTMLTextAreaElement;
    expect(editor.value).toBe("Question 0");
    await waitFor(() => expect(document.activeElement).toBe(editor));
    fireEvent.input(editor, { target: { value: "Question zero, fixed" } });
    fireEvent.keyDown(editor, { key: "Enter" });

    await waitFor(() => expect(be.mock.callsOf("editMessage")).toHaveLength(1));
    await waitFor(() => expect(screen.queryByTestId("edit-box")).toBeNull());
    await waitFor(() => expect(messages()[1]?.querySelector(".badge")?.textContent).toContain("streaming"));
    expect(messages()[0]!.textContent).toContain("Question zero, fixed");
    expect(label(messages()[0]!)).toBe("2 / 2");
    // Nothing can be edited, regenerated or switched while it streams.
    expect(button(messages()[0]!, "version-previous")!.disabled).toBe(true);
    // The focus went back to the composer.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Message")));

    await be.tree.finish(S);
    await waitFor(() => expect(messages()[1]!.textContent).toContain("Reply to: Question zero, fixed"));
    expect(button(messages()[0]!, "version-next")!.disabled).toBe(true);
    fireEvent.click(button(messages()[0]!, "version-previous")!);
    await waitFor(() => expect(label(messages()[0]!)).toBe("1 / 2"));
    expect(messages()[0]!.textContent).toContain("Question 0");
    expect(messages()[1]!.textContent).toContain("Answer 1");
    expect(be.mock.callsOf("switchBranch")).toHaveLength(1);
  });

  it("Escape and Cancel leave the editor without sending", async () => {
    const { be } = await openChat();
    fireEvent.click(button(messages()[0]!, "message-edit")!);
    fireEvent.keyDown(await screen.findByTestId("edit-input"), { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("edit-box")).toBeNull());
    fireEvent.click(button(messages()[0]!, "message-edit")!);
    fireEvent.click(await screen.findByTestId("edit-cancel"));
    await waitFor(() => expect(screen.queryByTestId("edit-box")).toBeNull());
    expect(messages()[0]!.textContent).toContain("Question 0");
    expect(be.mock.callsOf("editMessage")).toEqual([]);
  });

  it("Up in the empty composer edits the last question; with text in it, Up stays the composer's", async () => {
    const { composer } = await openChat(conversation(S, 4));
    fireEvent.input(composer, { target: { value: "draft" } });
    fireEvent.keyDown(composer, { key: "ArrowUp" });
    expect(screen.queryByTestId("edit-box")).toBeNull();
    fireEvent.input(composer, { target: { value: "" } });
    fireEvent.keyDown(composer, { key: "ArrowUp" });
    const editor = (await screen.findByTestId("edit-input")) as HTMLTextAreaElement;
    expect(editor.value).toBe("Question 2");
    expect(messages()[2]!.contains(editor)).toBe(true);
  });

  it("lists Up in the shortcut list", async () => {
    await openChat();
    fireEvent.click(screen.getByTestId("shortcuts-button"));
    const row = (await screen.findByTestId("shortcut-help")).querySelector('[data-shortcut="editLast"]');
    expect(row?.textContent).toContain("↑");
    expect(row?.textContent).toContain("Edit your last message");
  });
});

describe("regenerating and retrying replies", () => {
  it("Regenerate streams a new version in place; the menu picks another model by its qualified id", async () => {
    const { be } = await openChat();
    fireEvent.click(button(messages()[1]!, "message-regenerate")!);
    await waitFor(() => expect(be.mock.callsOf("regenerate")).toEqual([{ messageId: asMessageId("msg_00000000000000000000000001"), model: null }]));
    await waitFor(() => expect(label(messages()[1]!)).toBe("2 / 2"));
    expect(messages()).toHaveLength(2);
    await be.tree.finish(S);
    await waitFor(() => expect(messages()[1]!.textContent).toContain("Reply to: Question 0"));

    // The menu takes the keys: the focus on its first model, arrows move, Escape closes.
    fireEvent.click(button(messages()[1]!, "message-regenerate-with")!);
    let menu = await screen.findByTestId("regenerate-menu");
    const items = [...menu.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
    expect(items.map((b) => b.textContent)).toEqual(["Claude Haiku 4.5 · Anthropic", "Claude Sonnet 4.5 · Anthropic", "Llama 3.2 · Ollama", "GPT-4o · OpenAI"]);
    await waitFor(() => expect(document.activeElement).toBe(items[0]));
    fireEvent.keyDown(items[0]!, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items[1]);
    fireEvent.keyDown(items[1]!, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("regenerate-menu")).toBeNull());
    fireEvent.click(button(messages()[1]!, "message-regenerate-with")!);
    menu = await screen.findByTestId("regenerate-menu");
    fireEvent.click(menu.querySelector<HTMLButtonElement>('[data-model="openai/gpt-4o"]')!);
    await waitFor(() => expect(be.mock.callsOf("regenerate")[1]?.model).toBe("openai/gpt-4o"));
    await waitFor(() => expect(label(messages()[1]!)).toBe("3 / 3"));
  });

  it("a failed reply has Retry in place, which brings a complete reply as version 2 / 2", async () => {
    const failed = message({
      id: asMessageId("msg_FAILED"),
      sessionId: S,
      role: "assistant",
      content: "",
      status: "failed",
      failure: { code: "provider", message: "HTTP 500: boom" },
    });
    const { be } = await openChat([message({ id: asMessageId("msg_Q"), sessionId: S, content: "Try me" }), failed]);
    const retry = button(messages()[1]!.querySelector(".message-failure")!, "message-retry")!;
    expect(button(messages()[1]!, "message-regenerate")).toBeNull();
    fireEvent.click(retry);
    await waitFor(() => expect(be.mock.callsOf("regenerate")).toEqual([{ messageId: failed.id, model: null }]));
    await be.tree.finish(S);
    await waitFor(() => expect(messages()[1]!.className).toContain("status-complete"));
    expect(label(messages()[1]!)).toBe("2 / 2");
    expect(messages()[1]!.textContent).toContain("Reply to: Try me");
  });

  it("shows a refused regeneration like any action's error, the reply back in place", async () => {
    const { be } = await openChat();
    be.mock.set({ regenerate: ({ messageId }) => Promise.reject({ kind: "messageNotFound", message: "gone", messageId }) });
    fireEvent.click(button(messages()[1]!, "message-regenerate")!);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("That message no longer exists"));
    expect(messages()).toHaveLength(2);
    expect(messages()[1]!.textContent).toContain("Answer 1");
  });

  it("disables the actions while a reply streams", async () => {
    await openChat();
    await emitEvent("streamStart", { sessionId: S, messageId: asMessageId("msg_LIVE") });
    await waitFor(() => expect(messages()).toHaveLength(3));
    expect(button(messages()[0]!, "message-edit")!.disabled).toBe(true);
    expect(button(messages()[1]!, "message-regenerate")!.disabled).toBe(true);
  });
});
