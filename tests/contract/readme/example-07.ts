// Generated from bindings/README.md (block 7) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { afterEach, expect, it } from "vitest";
import { commands, events } from "../../../bindings/bindings";
import { emitEvent, fail, mockCommands, resetMocks } from "../../../bindings/mock";
import { asMessageId, asSessionId } from "../../../src/test/ids";

afterEach(resetMocks);            // src/test/setup.ts already does this
const sessA = asSessionId("sess_a");

it("loads a session", async () => {
  const mock = mockCommands({
    getSession: async ({ sessionId }) => ({
      id: sessionId, channelId: "desktop", createdAt: "2026-11-23T20:00:00Z",
      lastActive: "2026-11-23T20:00:00Z", messageCount: 0, model: null, title: null,
      pinned: false, systemPrompt: null,
    }),
    deleteSession: ({ sessionId }) =>
      fail({ kind: "sessionNotFound", message: "gone", sessionId }),   // a typed AppError
  });

  expect((await commands.getSession(sessA)).status).toBe("ok");
  expect(await commands.deleteSession(sessA)).toEqual({
    status: "error", error: { kind: "sessionNotFound", message: "gone", sessionId: "sess_a" },
  });
  expect(mock.callsOf("getSession")).toEqual([{ sessionId: "sess_a" }]);
  // A command with no handler fails with an internal AppError naming it:
  expect(await commands.getHealth()).toEqual({
    status: "error",
    error: { kind: "internal", message: 'mockCommands: command "get_health" is not mocked in this test' },
  });
});

it("streams", async () => {
  mockCommands({});                                  // events are mocked too
  const seen: string[] = [];
  await events.streamChunk.listen((e) => seen.push(e.payload.content));
  await emitEvent("streamChunk", { sessionId: sessA, messageId: asMessageId("msg_b"), content: "Hi", index: 0 });
  expect(seen).toEqual(["Hi"]);
});
