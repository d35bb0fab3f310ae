// @ts-check
// The app window on a ClawDesk server that hangs: `clawdesk serve` is
// stopped with SIGSTOP, so the kernel still accepts connections on its port
// but nothing answers them (and its event stream falls silent). The window
// must call it offline by its deadlines (src/remote/deadlines.ts: 10 s per
// command, and it polls health every 5 s), keep the banner while retrying,
// and come back by itself after SIGCONT. Before that, Connect refuses an
// address where a bare TCP server takes connections and never answers;
// on the way, Settings → Storage shows only the server's storage kind.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
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
  textOf,
  waitForPort,
  waitForSidebar,
  writeOllamaConfig,
} from "./harness.mjs";

const MODEL = "llama3.2";

describe("the app window on a server that stops answering", { timeout: 300_000 }, () => {
  /** @type {Harness} */
  let h;
  /** @type {import("webdriverio").Browser} */
  let browser;
  /** @type {import("node:child_process").ChildProcess | null} */
  let serve = null;
  /** @type {string[]} */
  const serverLog = [];
  let base = "";
  let token = "";
  let serverChat = "";
  /** Detection and recovery times, for the log. */
  const figures = { checkGaveUpAfterMs: 0, offlineAfterMs: 0, backAfterMs: 0 };

  before(async () => {
    h = new Harness("hung-server");
    const double = await ProviderDouble.start();
    h.onClose(() => double.stop());
    await double.call("/_double/models", [MODEL]);

    // Outside the harness's temp dir, as in remote.e2e.mjs: the server is
    // not one of the window's processes.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "clawdesk-e2e-hung-server-"));
    h.onClose(() => fs.rmSync(root, { recursive: true, force: true }));
    const dirs = { root, configDir: path.join(root, "config"), dataDir: path.join(root, "data"), db: path.join(root, "data", "clawdesk.db") };
    fs.mkdirSync(dirs.configDir, { recursive: true });
    fs.mkdirSync(dirs.dataDir, { recursive: true });
    writeOllamaConfig(dirs, double.url, MODEL);
    const port = await freePort();
    fs.appendFileSync(path.join(dirs.configDir, "config.toml"), `\n[gateway]\nport = ${port}\n`);
    const args = ["--config-dir", dirs.configDir, "--data-dir", dirs.dataDir, "--db", dirs.db, "--secret-store", "file", "serve"];
    const child = spawn(APP, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    recordPid(-(child.pid ?? 0));
    serve = child;
    /** @type {string | null} */
    let exited = null;
    child.on("exit", (code, signal) => (exited = `serve exited (code ${code}, signal ${signal})`));
    child.stdout?.on("data", (b) => serverLog.push(b.toString()));
    child.stderr?.on("data", (b) => serverLog.push(b.toString()));
    h.onClose(async () => {
      if (child.pid && child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once("exit", r));
        kill(-child.pid, "SIGKILL"); // a stopped process dies of SIGKILL too
        await gone;
      }
      fs.writeFileSync(path.join(RESULTS, "e2e-hung-server-serve.log"), serverLog.join(""));
    });
    await waitForPort(port, 30_000, () => exited && `${exited}: ${serverLog.join("")}`);
    base = `http://127.0.0.1:${port}`;
    token = /"gateway\.token"\s*=\s*"([^"]+)"/.exec(fs.readFileSync(path.join(dirs.configDir, "secrets.toml"), "utf8"))?.[1] ?? "";
    assert.ok(token.length >= 32, "serve did not store a gateway token");
    const res = await fetch(`${base}/v1/commands/create_session`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ channelId: null, model: null }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.ok(res.ok, `create_session: HTTP ${res.status}`);
    serverChat = (await res.json()).id;

    browser = await h.launch(h.appDirs("window"));
  });
  after(async () => {
    if (serve?.pid) kill(-serve.pid, "SIGCONT");
    console.log(
      `hung server: Connect gave up after ${figures.checkGaveUpAfterMs} ms, offline after ${figures.offlineAfterMs} ms, back after ${figures.backAfterMs} ms`,
    );
    await h?.close();
  });

  /** @param {string} url */
  const fillServer = async (url) => {
    const field = browser.$(byTestId("server-url"));
    await field.clearValue();
    await field.setValue(url);
    const secret = browser.$(byTestId("server-token"));
    await secret.clearValue();
    await secret.setValue(token);
    await clickWhenReady(browser.$(byTestId("server-connect")));
  };

  it("refuses to connect to an address that takes connections and never answers", async () => {
    /** @type {Set<net.Socket>} */
    const held = new Set();
    const silent = net.createServer((socket) => {
      held.add(socket);
      socket.on("error", () => undefined);
      socket.resume(); // read the request, answer nothing
    });
    await new Promise((resolve) => silent.listen(0, "127.0.0.1", () => resolve(undefined)));
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      await clickWhenReady(browser.$(byTestId("settings-button")));
      const startedAt = Date.now();
      await fillServer(`http://127.0.0.1:${port}`);
      const problem = browser.$(byTestId("server-problem"));
      await browser.waitUntil(async () => /takes the connection but does not answer/.test(await textOf(problem)), {
        timeout: 30_000,
        timeoutMsg: "a server that never answers was not called so",
      });
      figures.checkGaveUpAfterMs = Date.now() - startedAt;
      assert.ok(held.size >= 1, "the window never connected to the silent server");
      assert.equal(await browser.$(byTestId("server-use-local")).isExisting(), false, "a failed check switched the window");
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(() => resolve(undefined)));
    }
  });

  it("connects to the server", async () => {
    await fillServer(base);
    await waitForSidebar(browser);
    await browser.waitUntil(async () => (await sessionIds(browser)).includes(serverChat), {
      timeoutMsg: "the server's chat is not in the sidebar",
    });
  });

  it("shows the server's storage kind in Settings → Storage, and nothing to change", async () => {
    await clickWhenReady(browser.$(byTestId("settings-button")));
    const kind = browser.$(byTestId("storage-server-kind"));
    await kind.waitForDisplayed({ timeoutMsg: "the server's storage kind is not shown" });
    assert.equal(await textOf(kind), "SQLite");
    assert.equal(await browser.$(byTestId("storage-url")).isExisting(), false, "the window offers to change the server's storage");
    assert.equal(await browser.$(byTestId("storage-now")).isExisting(), false);
    await clickWhenReady(browser.$(byTestId("settings-button")));
  });

  it("calls the server offline when it accepts connections but never answers", async () => {
    assert.ok(serve?.pid);
    kill(-serve.pid, "SIGSTOP");
    const stoppedAt = Date.now();
    const banner = browser.$(byTestId("offline-banner"));
    // Health is polled every 5 s and a command waits 10 s: about 15 s.
    await banner.waitForDisplayed({ timeout: 40_000, timeoutMsg: "no offline banner for a server that never answers" });
    figures.offlineAfterMs = Date.now() - stoppedAt;
    assert.match(await textOf(banner), /Server unreachable — retrying/);
    assert.ok((await textOf(banner)).includes(base), "the banner does not name the server");
    await h.screenshot("e2e-hung-server-offline.png");
  });

  it("comes back by itself when the server answers again", async () => {
    assert.ok(serve?.pid);
    kill(-serve.pid, "SIGCONT");
    const resumedAt = Date.now();
    await browser.$(byTestId("offline-banner")).waitForDisplayed({
      reverse: true,
      // At worst one pause (15 s at most) and one deadline (10 s).
      timeout: 40_000,
      timeoutMsg: "the banner stayed after the server answered again",
    });
    figures.backAfterMs = Date.now() - resumedAt;
    await waitForSidebar(browser);
    await browser.waitUntil(async () => (await sessionIds(browser)).includes(serverChat), {
      timeoutMsg: "the server's chats were not read again",
    });
  });
});
