import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emitEvent } from "../../bindings/mock";
import { App } from "../App";
import { CommandFailed } from "../api";
import { tauriChatBackend, type ChatBackend } from "../chat/backend";
import { conversation, fakeBackend, session } from "../test/fixtures";
import { stubLayout } from "../test/layout";
import { asMessageId, asSessionId } from "../test/ids";

const S = asSessionId("sess_01CHATVIEW");
const REPLY = asMessageId("msg_REPLY");
const FAIL = asMessageId("msg_FAIL");
let restore: () => void;
beforeEach(() => {
  restore = stubLayout(800, 120);
});
afterEach(() => restore());

/** A backend whose send streams a reply through the real event path. */
function streamingBackend(log: string[], opts: { refuseFirst?: boolean } = {}): ChatBackend {
  let refuse = opts.refuseFirst ?? false;
  return {
    ...tauriChatBackend,
    sendStreaming: async (sessionId, content) => {
      log.push(`send ${sessionId} ${content}`);
      if (refuse) {
        refuse = false;
        throw new CommandFailed({ kind: "noProvider", message: "none", model: "anthropic/claude-sonnet-4-5" });
      }
      queueMicrotask(() => void emitEvent("streamStart", { sessionId, messageId: REPLY }));
    },
    cancel: async (sessionId) => {
      log.push(`cancel ${sessionId}`);
      await emitEvent("streamError", { sessionId, messageId: REPLY, code: "cancelled", message: "stopped by the user" });
    },
  };
}

async function openChat(chatBackend: ChatBackend) {
  fakeBackend({ sessions: [session({ id: S, title: "Rust help" })], messages: { [S]: conversation(S, 2) } });
  render(() => <App chatBackend={chatBackend} statusIntervalMs={60_000} />);
  await waitFor(() => expect(document.querySelectorAll("article.message")).toHaveLength(2));
  return screen.getByLabelText("Message") as HTMLTextAreaElement;
}

const messages = () => [...document.querySelectorAll<HTMLElement>("article.message")];

describe("chat view", () => {
  it("shows roles, per-message model and token usage", async () => {
    await openChat(streamingBackend([]));
    const [user, reply] = messages();
    expect(user!.querySelector(".message-role")!.textContent).toBe("You");
    expect(reply!.querySelector(".message-role")!.textContent).toBe("Assistant");
    expect(reply!.querySelector(".message-model")!.textContent).toBe("anthropic/claude-sonnet-4-5");
    expect(reply!.querySelector(".message-usage")!.textContent).toBe("11 in · 21 out tokens");
    expect(reply!.querySelector(".markdown strong")!.textContent).toBe("1");
    expect(document.querySelector(".chat-title")!.textContent).toBe("Rust help");
  });

  it("sends on Enter, keeps Shift+Enter for new lines, streams the reply and stops it with Escape", async () => {
    const log: string[] = [];
    const input = await openChat(streamingBackend(log));
    fireEvent.input(input, { target: { value: "line one" } });
    fireEvent.keyDown(input, { key: "Enter", shiftKey: true });
    expect(log).toEqual([]);
    fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(log).toEqual([`send ${S} line one`]));
    await waitFor(() => expect(input.value).toBe(""));
    await waitFor(() => expect(messages()).toHaveLength(4));
    expect(messages()[2]!.textContent).toContain("line one");

    await emitEvent("streamChunk", { sessionId: S, messageId: REPLY, content: "Use `cargo`", index: 0 });
    const reply = () => messages()[3]!;
    await waitFor(() => expect(reply().querySelector(".markdown code")?.textContent).toBe("cargo"));
    expect(reply().querySelector(".badge")!.textContent).toContain("streaming");
    expect(screen.getByRole("button", { name: /Stop/ })).toBeTruthy();

    fireEvent.keyDown(input, { key: "Escape" });
    await waitFor(() => expect(reply().querySelector(".badge")!.textContent).toBe("cancelled"));
    expect(log).toEqual([`send ${S} line one`, `cancel ${S}`]);
    expect(reply().textContent).toContain("Use cargo");
    expect(screen.getByRole("button", { name: "Send" })).toBeTruthy();
  });

  it("Escape stops a streaming reply with the focus anywhere, once; not while a link popover is open", async () => {
    const log: string[] = [];
    const input = await openChat(streamingBackend(log));
    fireEvent.input(input, { target: { value: "go" } });
    fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(log).toEqual([`send ${S} go`]));
    await emitEvent("streamChunk", { sessionId: S, messageId: REPLY, content: "See [docs](https://example.com)", index: 0 });
    const reply = () => messages()[3]!;
    await waitFor(() => expect(reply()?.querySelector("a")).toBeTruthy());

    // A link's popover takes Escape for itself.
    fireEvent.click(reply().querySelector("a")!);
    await screen.findByTestId("link-popover");
    fireEvent.keyDown(document.body, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("link-popover")).toBeNull());
    expect(log).toEqual([`send ${S} go`]);

    fireEvent.keyDown(document.body, { key: "Escape" });
    await waitFor(() => expect(reply().querySelector(".badge")!.textContent).toBe("cancelled"));
    expect(log).toEqual([`send ${S} go`, `cancel ${S}`]);
  });

  it("shows a failed stream honestly", async () => {
    await openChat(streamingBackend([]));
    await emitEvent("streamStart", { sessionId: S, messageId: FAIL });
    await emitEvent("streamChunk", { sessionId: S, messageId: FAIL, content: "Half", index: 0 });
    await emitEvent("streamError", { sessionId: S, messageId: FAIL, code: "rateLimited", message: "HTTP 429" });
    await waitFor(() => expect(messages().at(-1)!.querySelector(".badge")!.textContent).toBe("failed"));
    const failed = messages().at(-1)!;
    expect(failed.querySelector(".message-failure")!.textContent).toContain("rate-limiting");
    expect(failed.querySelector(".message-failure")!.textContent).toContain("HTTP 429");
    expect(failed.textContent).toContain("Half");
  });

  it("shows why a reply failed when the chat is opened again, as it did live", async () => {
    const [question, answer] = conversation(S, 2);
    const stored = [
      question!,
      { ...answer!, content: "Half", status: "failed" as const, failure: { code: "rateLimited" as const, message: "HTTP 429" } },
      { ...answer!, id: FAIL, content: "", status: "cancelled" as const, failure: { code: "cancelled" as const, message: "the reply was stopped" } },
    ];
    fakeBackend({ sessions: [session({ id: S, title: "Rust help" })], messages: { [S]: stored } });
    render(() => <App chatBackend={streamingBackend([])} statusIntervalMs={60_000} />);
    await waitFor(() => expect(messages()).toHaveLength(3));
    const [, failed, stopped] = messages();
    expect(failed!.querySelector(".badge")!.textContent).toBe("failed");
    const reason = failed!.querySelector('[data-testid="message-failure"]')!;
    expect(reason.textContent).toContain("rate-limiting");
    expect(reason.textContent).toContain("HTTP 429");
    expect(reason.getAttribute("role")).toBe("alert");
    expect(stopped!.querySelector(".badge")!.textContent).toBe("cancelled");
    expect(stopped!.querySelector('[data-testid="message-failure"]')!.textContent).toBe("Stopped before the reply was complete.");
  });

  it("keeps a refused message in the composer with the reason, and clears it once the backend accepts it", async () => {
    const log: string[] = [];
    const input = await openChat(streamingBackend(log, { refuseFirst: true }));
    fireEvent.input(input, { target: { value: "hello?" } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("No configured provider serves anthropic/claude-sonnet-4-5"));
    expect(input.value).toBe("hello?");
    expect(localStorage.getItem(`clawdesk.draft.${S}`)).toBe("hello?");
    expect(messages().filter((m) => m.textContent!.includes("hello?"))).toHaveLength(0);

    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(log).toEqual([`send ${S} hello?`, `send ${S} hello?`]));
    await waitFor(() => expect(input.value).toBe(""));
    expect(localStorage.getItem(`clawdesk.draft.${S}`)).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(messages().filter((m) => m.textContent!.includes("hello?"))).toHaveLength(1);
  });

  it("keeps each chat's draft when switching chats", async () => {
    const T = asSessionId("sess_02OTHERCHAT");
    fakeBackend({
      sessions: [session({ id: S, title: "Rust help", lastActive: "2026-11-23T20:00:00.000Z" }), session({ id: T, title: "Tax", lastActive: "2026-11-22T20:00:00.000Z" })],
      messages: { [S]: conversation(S, 2), [T]: [] },
    });
    render(() => <App chatBackend={streamingBackend([])} statusIntervalMs={60_000} />);
    await waitFor(() => expect(messages()).toHaveLength(2));
    const input = () => screen.getByLabelText("Message") as HTMLTextAreaElement;
    const open = (id: string) => fireEvent.click(document.querySelector(`[data-session-id="${id}"] .session-open`)!);
    fireEvent.input(input(), { target: { value: "half a thought" } });
    open(T);
    await waitFor(() => expect(document.querySelector(".chat-title")!.textContent).toBe("Tax"));
    expect(input().value).toBe("");
    fireEvent.input(input(), { target: { value: "about taxes" } });
    open(S);
    await waitFor(() => expect(input().value).toBe("half a thought"));
    open(T);
    await waitFor(() => expect(input().value).toBe("about taxes"));
  });

  it("keeps a draft across an app restart", async () => {
    const input = await openChat(streamingBackend([]));
    fireEvent.input(input, { target: { value: "typed before the restart" } });
    cleanup();
    const again = await openChat(streamingBackend([]));
    expect(again).not.toBe(input);
    expect(again.value).toBe("typed before the restart");
  });

  it("compacts a chat, shows what it saved and the messages as stored now", async () => {
    const be = fakeBackend({ sessions: [session({ id: S, title: "Long chat" })], messages: { [S]: conversation(S, 12) } });
    render(() => (
      <App
        statusIntervalMs={60_000}
        chatBackend={{
          ...tauriChatBackend,
          compact: async (sessionId) => {
            const all = be.messages.get(sessionId)!;
            be.messages.set(sessionId, [{ ...all[0]!, role: "system", content: "Summary of the earlier chat" }, ...all.slice(-4)]);
            return { messagesBefore: 12, messagesAfter: 5, tokensSaved: 4321 };
          },
        }}
      />
    ));
    await waitFor(() => expect(messages().length).toBeGreaterThan(5));
    fireEvent.click(screen.getByRole("button", { name: "Compact" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Compacted 12 messages into 5, saving about 4,321 tokens."));
    await waitFor(() => expect(messages()).toHaveLength(5));
    expect(messages()[0]!.querySelector(".message-role")!.textContent).toBe("System");
  });

  it("says plainly when the backend cannot send yet", async () => {
    const input = await openChat({ ...tauriChatBackend, sendStreaming: null, cancel: null, compact: null });
    expect(input.disabled).toBe(true);
    expect(input.placeholder).toMatch(/not available/);
    expect(screen.queryByRole("button", { name: "Compact" })).toBeNull();
  });
});

describe("status area", () => {
  it("summarizes health and shows metrics with latencies converted from microseconds", async () => {
    fakeBackend();
    render(() => <App statusIntervalMs={60_000} />);
    const summary = await screen.findByText("Degraded · anthropic has no API key");
    fireEvent.click(summary);
    await screen.findByRole("region", { name: "Status" });
    const text = document.querySelector(".status-panel")!.textContent!;
    expect(text).toContain("up 1 h 2 min");
    expect(text).toContain("anthropic has no API key");
    expect(text).toMatch(/Time to first chunkp50 412 ms/);
    expect(text).toMatch(/p95 1\.24 s/);
    expect(text).toMatch(/Store queryp50 350 µs/);
    expect(text).toContain("12,345");
    expect(text).toContain("desktop");
  });

  it("re-reads health and metrics periodically", async () => {
    const be = fakeBackend();
    render(() => <App statusIntervalMs={40} />);
    await waitFor(() => expect(be.mock.callsOf("getMetrics").length).toBeGreaterThanOrEqual(3));
    expect(be.mock.callsOf("getHealth").length).toBeGreaterThanOrEqual(3);
    expect(be.mock.callsOf("getChannels").length).toBeGreaterThanOrEqual(3);
  });
});
