// Generated from bindings/README.md (block 8) by scripts/contract/readme-examples.mjs. Do not edit.
export {};

import { createGatewayClient } from "../../../bindings/gateway";

const token = "<the token from Settings>";
const { commands, events, close } = createGatewayClient({ baseUrl: "http://127.0.0.1:18789", token });
const created = await commands.createSession(null, null); // channelId defaults to "gateway" over HTTP
if (created.status === "ok") {
  const unlisten = await events.streamChunk.listen((e) => console.log(e.payload.content));
  const sent = await commands.sendMessageStreaming(created.data.id, "Hi");
  if (sent.status === "error") unlisten();
}
close(); // ends the event stream
