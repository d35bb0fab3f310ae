// Generated from bindings/README.md (block 6) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { afterEach, expect, it } from "vitest";
import { commands, events } from "../../../bindings/bindings";
import { emitEvent, fail, mockCommands, resetMocks } from "../../../bindings/mock";

afterEach(resetMocks);            // src/test/setup.ts already does this

it("loads a session", async () => {
  const mock = mockCommands({
    getSession: async ({ sessionId }) => ({
      id: sessionId, channelId: "desktop", createdAt: "2026-11-23T20:00:00Z",
      lastActive: "2026-11-23T20:00:00Z", messageCount: 0, model: null, title: null,
    }),
    deleteSession: ({ sessionId }) =>
      fail({ kind: "sessionNotFound", message: "gone", sessionId }),   // a typed AppError
  });

  expect((await commands.getSession("sess_a")).status).toBe("ok");
  expect(await commands.deleteSession("sess_a")).toEqual({
    status: "error", error: { kind: "sessionNotFound", message: "gone", sessionId: "sess_a" },
  });
  expect(mock.callsOf("getSession")).toEqual([{ sessionId: "sess_a" }]);
  // A command with no handler rejects with a plain string naming it,
  // as Tauri does for an unknown command:
  expect(await commands.getHealth()).toEqual({
    status: "error", error: 'mockCommands: command "get_health" is not mocked in this test',
  });
});

it("streams", async () => {
  mockCommands({});                                  // events are mocked too
  const seen: string[] = [];
  await events.streamChunk.listen((e) => seen.push(e.payload.content));
  await emitEvent("streamChunk", { sessionId: "sess_a", messageId: "msg_b", content: "Hi", index: 0 });
  expect(seen).toEqual(["Hi"]);
});
