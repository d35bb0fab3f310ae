// @ts-check
// The app window on a ClawDesk server: `clawdesk serve` holds the chats;
// the window, started on its own empty data, is pointed at the server in
// Settings → Server (a wrong token is refused first), shows the server's
// chats, chats against the provider double through the server, shows the
// offline banner when the server dies (keeping what is typed, holding the
// send), comes back by itself when the server is restarted, reconnects on
// the next launch, and goes back to its own data with "Use this computer".
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  APP,
  byTestId,
  clickWhenReady,
  freePort,
  Harness,
  kill,
  ProviderDouble,
  recordPid,
  RESULTS,
  sessionIds,
  sessionRow,
  sleep,
  textOf,
  waitForPort,
  waitForSidebar,
  writeOllamaConfig,
} from "./harness.mjs";

const MODEL = "llama3.2";

describe("the app window on a ClawDesk server", { timeout: 300_000 }, () => {
  /** @type {Harness} */
  let h;
  /** @type {ProviderDouble} */
  let double;
  /** @type {import("webdriverio").Browser} */
  let browser;
  /** @type {import("./harness.mjs").AppDirs} */
  let windowDirs;
  let base = "";
  let token = "";
  let serverChat = "";
  /** @type {string[]} */
  const serverLog = [];
  /** @type {string[]} */
  let serveArgs = [];
  let gatewayPort = 0;
  /** @type {import("node:child_process").ChildProcess | null} */
  let serve = null;

  /** Starts `clawdesk serve` on the server's data; resolves once it listens. */
  const startServe = async () => {
    const child = spawn(APP, serveArgs, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    recordPid(-(child.pid ?? 0));
    /** @type {string | null} */
    let exited = null;
    child.on("exit", (code, signal) => (exited = `serve exited (code ${code}, signal ${signal})`));
    child.stdout?.on("data", (b) => serverLog.push(b.toString()));
    child.stderr?.on("data", (b) => serverLog.push(b.toString()));
    await waitForPort(gatewayPort, 30_000, () => exited && `${exited}: ${serverLog.join("")}`);
    serve = child;
  };

  const stopServe = async () => {
    const child = serve;
    serve = null;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    kill(-child.pid, "SIGKILL");
    await gone;
  };

  /** A command on the server, as any HTTP client calls it. @param {string} command @param {unknown} args */
  const callServer = async (command, args) => {
    const res = await fetch(`${base}/v1/commands/${command}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(args),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.json();
    assert.ok(res.ok, `${command}: HTTP ${res.status} ${JSON.stringify(body)}`);
    return body;
  };

  before(async () => {
    h = new Harness("remote");
    double = await ProviderDouble.start();
    h.onClose(() => double.stop());
    await double.call("/_double/models", [MODEL]);

    // Outside the harness's temp dir: relaunching the window ends every
    // process that names that dir, and the server must outlive the window.
    const serverRoot = fs.mkdtempSync(path.join(os.tmpdir(), "clawdesk-e2e-remote-server-"));
    h.onClose(() => fs.rmSync(serverRoot, { recursive: true, force: true }));
    const dirs = {
      root: serverRoot,
      configDir: path.join(serverRoot, "config"),
      dataDir: path.join(serverRoot, "data"),
      db: path.join(serverRoot, "data", "clawdesk.db"),
    };
    fs.mkdirSync(dirs.configDir, { recursive: true });
    fs.mkdirSync(dirs.dataDir, { recursive: true });
    writeOllamaConfig(dirs, double.url, MODEL);
    gatewayPort = await freePort();
    // No gateway.allowedOrigins: the gateway accepts the app window's
    // origin by itself (crates/clawdesk-gateway/src/cors.rs).
    fs.appendFileSync(path.join(dirs.configDir, "config.toml"), `\n[gateway]\nport = ${gatewayPort}\n`);
    serveArgs = ["--config-dir", dirs.configDir, "--data-dir", dirs.dataDir, "--db", dirs.db, "--secret-store", "file", "serve"];
    await startServe();
    h.onClose(async () => {
      await stopServe();
      fs.writeFileSync(path.join(RESULTS, "e2e-remote-serve.log"), serverLog.join(""));
    });
    base = `http://127.0.0.1:${gatewayPort}`;
    const secrets = fs.readFileSync(path.join(dirs.configDir, "secrets.toml"), "utf8");
    token = /"gateway\.token"\s*=\s*"([^"]+)"/.exec(secrets)?.[1] ?? "";
    assert.ok(token.length >= 32, "serve did not store a gateway token");

    // A chat that exists only on the server.
    const created = await callServer("create_session", { channelId: null, model: null });
    serverChat = created.id;
    await callServer("update_session", { sessionId: serverChat, patch: { title: "Kept on the server" } });

    windowDirs = h.appDirs("window");
    browser = await h.launch(windowDirs);
  });
  after(async () => {
    await h?.close();
  });

  const openSettings = async () => {
    await clickWhenReady(browser.$(byTestId("settings-button")));
    await browser.$(byTestId("server-settings")).waitForDisplayed({ timeoutMsg: "no Server section in Settings" });
  };

  /** @param {string} url @param {string} secret */
  const fillServer = async (url, secret) => {
    const urlField = browser.$(byTestId("server-url"));
    await urlField.clearValue();
    await urlField.setValue(url);
    const tokenField = browser.$(byTestId("server-token"));
    await tokenField.clearValue();
    await tokenField.setValue(secret);
    await clickWhenReady(browser.$(byTestId("server-connect")));
  };

  const lastReply = async () => {
    const all = await browser.$$(`${byTestId("message")}.role-assistant`).getElements();
    const el = all[all.length - 1];
    assert.ok(el, "no reply in the chat");
    return el;
  };

  it("starts on its own, empty data", async () => {
    assert.deepEqual(await sessionIds(browser), []);
  });

  it("refuses a wrong token and a dead address, saying which", async () => {
    await openSettings();
    await fillServer(base, "not-the-token");
    const problem = browser.$(byTestId("server-problem"));
    await browser.waitUntil(async () => /unauthenticated/.test(await textOf(problem)), {
      timeoutMsg: "a wrong token was not refused as unauthenticated",
    });
    const deadPort = await freePort();
    await fillServer(`http://127.0.0.1:${deadPort}`, token);
    await browser.waitUntil(async () => /Nothing answers/.test(await textOf(problem)), {
      timeoutMsg: "an address where nothing listens was not called unreachable",
    });
    assert.equal(await browser.$(byTestId("server-use-local")).isExisting(), false, "a failed check switched the window");
  });

  it("connects and shows the server's chats", async () => {
    await fillServer(base, token);
    await waitForSidebar(browser);
    await browser.waitUntil(async () => (await sessionIds(browser)).includes(serverChat), {
      timeoutMsg: "the server's chat is not in the sidebar",
    });
    assert.match(await textOf(browser.$(sessionRow(serverChat))), /Kept on the server/);
    // The token is a secret: in the window's secrets file, not its config.
    const configToml = fs.readFileSync(path.join(windowDirs.configDir, "config.toml"), "utf8");
    assert.match(configToml, new RegExp(base.replace(/[.]/g, "\\.")));
    assert.ok(!configToml.includes(token), "the server token is in config.toml");
    const secretsToml = fs.readFileSync(path.join(windowDirs.configDir, "secrets.toml"), "utf8");
    assert.ok(secretsToml.includes(token), "the server token is not in the secret store");
  });

  it("chats through the server", async () => {
    await double.script({ reply: { type: "stream", chunks: ["Hello", " from", " the server."], intervalMs: 20 } });
    await clickWhenReady(browser.$(sessionRow(serverChat)).$(byTestId("session-open")));
    const input = browser.$(byTestId("composer-input"));
    await input.waitForEnabled();
    await input.setValue("Hello through the gateway");
    await browser.keys("Enter");
    await browser.waitUntil(async () => /Hello from the server\./.test(await textOf(await lastReply())), {
      timeout: 20_000,
      timeoutMsg: "the reply did not stream in",
    });
    assert.match(JSON.stringify(await double.requests()), /Hello through the gateway/);
    const stored = await callServer("get_messages", { sessionId: serverChat, limit: null });
    assert.match(JSON.stringify(stored), /Hello through the gateway/, "the message is not on the server");
  });

  it("shows the server offline when it dies, keeps what is typed, and holds the send", async () => {
    await stopServe();
    const banner = browser.$(byTestId("offline-banner"));
    await banner.waitForDisplayed({ timeout: 20_000, timeoutMsg: "no offline banner after the server died" });
    assert.match(await textOf(banner), /Server unreachable — retrying/);
    assert.ok((await textOf(banner)).includes(base), "the banner does not name the server");
    const input = browser.$(byTestId("composer-input"));
    assert.equal(await input.isEnabled(), true, "typing is blocked while offline");
    await input.setValue("Typed while the server was down");
    assert.equal(await browser.$(byTestId("send-button")).isEnabled(), false, "sending is not held while offline");
    await browser.keys("Enter");
    await sleep(300);
    assert.equal(await input.getValue(), "Typed while the server was down");
    await h.screenshot("e2e-remote-offline.png");
  });

  it("recovers by itself when the server answers again", async () => {
    await startServe();
    await browser.$(byTestId("offline-banner")).waitForDisplayed({
      reverse: true,
      timeout: 30_000,
      timeoutMsg: "the banner stayed after the server came back",
    });
    await waitForSidebar(browser);
    await browser.waitUntil(async () => /Hello from the server\./.test(await textOf(browser.$(byTestId("chat-view")))), {
      timeoutMsg: "the open chat was not read again from the server",
    });
    const input = browser.$(byTestId("composer-input"));
    await browser.waitUntil(async () => (await input.getValue()) === "Typed while the server was down", {
      timeoutMsg: "the text typed while offline is lost",
    });
    assert.equal(await browser.$(byTestId("send-button")).isEnabled(), true, "sending is still held");
  });

  it("reconnects to the server on the next launch", async () => {
    browser = await h.launch(windowDirs);
    await browser.waitUntil(async () => (await sessionIds(browser)).includes(serverChat), {
      timeoutMsg: "the relaunched window is not on the server",
    });
  });

  it("goes back to this computer's data", async () => {
    await openSettings();
    await clickWhenReady(browser.$(byTestId("server-use-local")));
    await waitForSidebar(browser);
    await browser.waitUntil(async () => !(await sessionIds(browser)).includes(serverChat), {
      timeoutMsg: "the server's chats are still shown",
    });
    await browser.waitUntil(async () => !fs.readFileSync(path.join(windowDirs.configDir, "config.toml"), "utf8").includes(base), {
      timeoutMsg: "the server address is still stored",
    });
    assert.ok(!fs.readFileSync(path.join(windowDirs.configDir, "secrets.toml"), "utf8").includes(token), "the server token is still stored");
  });
});
