// Drives the generated gateway client (bindings/gateway.ts) against a real
// gateway: run by src-tauri/tests/gateway_client_live.rs, which starts the
// backend and the gateway and checks what this prints (one JSON object).
//   CLAWDESK_GATEWAY_URL, CLAWDESK_GATEWAY_TOKEN: where and how to connect.
// The client is transpiled as is (type-only imports vanish), so this runs
// exactly the generated code, in Node with its own fetch.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const source = readFileSync(join(root, "bindings/gateway.ts"), "utf8");
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false },
});
const dir = mkdtempSync(join(tmpdir(), "gateway-client-"));
const file = join(dir, "gateway.mjs");
writeFileSync(file, outputText);
const { createGatewayClient } = await import(pathToFileURL(file).href);
rmSync(dir, { recursive: true });

const baseUrl = process.env.CLAWDESK_GATEWAY_URL;
const token = process.env.CLAWDESK_GATEWAY_TOKEN;
// The timer is unref'd: it must not keep Node alive once the work is done.
const within = (ms, promise, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: timed out`)), ms).unref())]);

const out = {};
const wrong = createGatewayClient({ baseUrl, token: "not-the-token" });
out.wrongToken = await wrong.commands.listSessions();
out.wrongTokenListen = await wrong.events.streamChunk.listen(() => {}).then(
  () => "listening",
  (e) => `rejected: ${e.message}`,
);

const { commands, events, close } = createGatewayClient({ baseUrl, token });
out.created = await commands.createSession(null, null);
const id = out.created.data.id;
out.chunks = [];
await events.streamChunk.listen((e) => out.chunks.push(e.payload));
const ended = new Promise((resolve) => void events.streamEnd.once((e) => resolve(e)));
out.sent = await commands.sendMessageStreaming(id, "Say hello");
out.end = await within(10_000, ended, "stream-end");
out.messages = await commands.getMessages(id, null);
out.notFound = await commands.getSession("sess_01ARZ3NDEKTSV4RRFFQ69G5FAV");
out.badArgument = await commands.getMessages(id, 0);
close();
process.stdout.write(JSON.stringify(out));
