// @ts-check
// The same frontend in a browser: `clawdesk serve` serves the built app at
// `/`, and headless Chromium (Debian's `chromium` and `chromium-driver`)
// uses it over HTTP through the generated gateway client. It asks for the
// token once; then create a chat, chat against the provider double, stop a
// reply, reload and see the history.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { remote } from "webdriverio";
import {
  APP,
  byTestId,
  clickWhenReady,
  createSession,
  freePort,
  Harness,
  kill,
  ProviderDouble,
  recordPid,
  RESULTS,
  sessionRow,
  textOf,
  waitForPort,
  waitForSidebar,
  withTimeout,
  writeOllamaConfig,
} from "./harness.mjs";

const CHROMIUM = process.env.CLAWDESK_E2E_CHROMIUM ?? "/usr/bin/chromium";
const CHROMEDRIVER = process.env.CLAWDESK_E2E_CHROMEDRIVER ?? "/usr/bin/chromedriver";
const MODEL = "llama3.2";

/**
 * Starts `program args` in its own process group, recorded for cleanup;
 * resolves once `port` accepts connections.
 * @param {string} program @param {string[]} args @param {number} port @param {string[]} log
 */
async function startServer(program, args, port, log) {
  const child = spawn(program, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  recordPid(-(child.pid ?? 0));
  /** @type {string | null} */
  let exited = null;
  child.on("exit", (code, signal) => (exited = `${path.basename(program)} exited (code ${code}, signal ${signal})`));
  child.on("error", (e) => (exited = `${program} could not start: ${e.message}`));
  child.stdout?.on("data", (b) => log.push(b.toString()));
  child.stderr?.on("data", (b) => log.push(b.toString()));
  await waitForPort(port, 30_000, () => exited && `${exited}: ${log.join("")}`);
  return child;
}

describe("ClawDesk in a browser, over the gateway", { timeout: 300_000 }, () => {
  /** @type {Harness} */
  let h;
  /** @type {ProviderDouble} */
  let double;
  /** @type {import("webdriverio").Browser} */
  let browser;
  let base = "";
  let token = "";
  /** @type {string[]} */
  const serverLog = [];

  before(async () => {
    h = new Harness("browser");
    double = await ProviderDouble.start();
    h.onClose(() => double.stop());
    await double.call("/_double/models", [MODEL]);

    const dirs = h.appDirs("server");
    writeOllamaConfig(dirs, double.url, MODEL);
    const gatewayPort = await freePort();
    fs.appendFileSync(path.join(dirs.configDir, "config.toml"), `\n[gateway]\nport = ${gatewayPort}\n`);
    const serve = await startServer(
      APP,
      // The token in the test's secrets.toml, never in the runner's keychain.
      ["--config-dir", dirs.configDir, "--data-dir", dirs.dataDir, "--db", dirs.db, "--secret-store", "file", "serve"],
      gatewayPort,
      serverLog,
    );
    h.onClose(() => {
      if (serve.pid) kill(-serve.pid, "SIGKILL");
      fs.writeFileSync(path.join(RESULTS, "e2e-browser-serve.log"), serverLog.join(""));
    });
    base = `http://127.0.0.1:${gatewayPort}`;
    const secrets = fs.readFileSync(path.join(dirs.configDir, "secrets.toml"), "utf8");
    token = /"gateway\.token"\s*=\s*"([^"]+)"/.exec(secrets)?.[1] ?? "";
    assert.ok(token.length >= 32, "serve did not store a gateway token");

    const driverPort = await freePort();
    const driver = await startServer(CHROMEDRIVER, [`--port=${driverPort}`], driverPort, []);
    h.onClose(() => {
      if (driver.pid) kill(-driver.pid, "SIGKILL");
    });
    browser = await withTimeout(
      remote({
        hostname: "127.0.0.1",
        port: driverPort,
        logLevel: "error",
        connectionRetryCount: 0,
        waitforTimeout: 15_000,
        waitforInterval: 100,
        capabilities: {
          browserName: "chrome",
          "goog:chromeOptions": {
            binary: CHROMIUM,
            args: [
              "--headless=new",
              "--no-sandbox",
              "--disable-gpu",
              "--disable-dev-shm-usage",
              "--no-first-run",
              "--no-default-browser-check",
              // Hermetic: no update checks, sync, safe browsing or metrics
              // traffic; the page talks only to the gateway we started.
              "--disable-background-networking",
              "--disable-component-update",
              "--disable-sync",
              "--disable-default-apps",
              "--disable-domain-reliability",
              "--metrics-recording-only",
              "--window-size=1100,760",
              // In our temp dir, so close() also ends every Chromium process.
              `--user-data-dir=${path.join(h.tmp, "chromium")}`,
            ],
          },
          "wdio:enforceWebDriverClassic": true,
        },
      }),
      60_000,
      "a Chromium session",
    );
    h.onClose(async () => {
      await withTimeout(browser.deleteSession(), 10_000, "ending the Chromium session").catch(() => {});
    });
  });
  after(async () => {
    await h?.close();
  });

  const lastReply = async () => {
    const all = await browser.$$(`${byTestId("message")}.role-assistant`).getElements();
    const el = all[all.length - 1];
    assert.ok(el, "no reply in the chat");
    return el;
  };
  /** @param {string} status */
  const waitForReplyStatus = (status) =>
    browser.waitUntil(async () => ((await (await lastReply()).getAttribute("class")) ?? "").includes(`status-${status}`), {
      timeout: 20_000,
      timeoutMsg: `the reply was not marked ${status}`,
    });
  /** @param {string} text */
  const send = async (text) => {
    const input = browser.$(byTestId("composer-input"));
    await input.waitForEnabled();
    await input.setValue(text);
    await browser.keys("Enter");
  };

  it("asks for the token, refuses a wrong one, and then shows the app", async () => {
    await browser.url(base);
    const field = browser.$("#gateway-token");
    await field.waitForDisplayed({ timeoutMsg: "the page did not ask for the gateway token" });
    await field.setValue("not-the-token");
    await browser.keys("Enter");
    const error = browser.$("#gateway-token-error");
    await browser.waitUntil(async () => /not the gateway's token/.test(await error.getText()), {
      timeoutMsg: "a wrong token was not refused",
    });
    await field.setValue(token);
    await browser.keys("Enter");
    await waitForSidebar(browser);
    // Export and import read and write files on the app's computer: the
    // window's only, not offered here.
    assert.equal(await browser.$(byTestId("archive-bar")).isExisting(), false);
  });

  let chat = "";
  it("chats over HTTP with the reply streaming in", async () => {
    await double.script({ reply: { type: "stream", chunks: ["Hello", " over", " HTTP."], intervalMs: 20 } });
    chat = await createSession(browser);
    await send("Hello from Chromium");
    await waitForReplyStatus("complete");
    assert.match(await textOf(await lastReply()), /Hello over HTTP\./);
    const seen = JSON.stringify(await double.requests());
    assert.match(seen, /Hello from Chromium/, "the provider did not get the message");
  });

  it("stops a slow reply", async () => {
    const slow = Array.from({ length: 100 }, (_, i) => `word${i} `);
    await double.script({ reply: { type: "stream", chunks: slow, intervalMs: 100 } });
    await send("Count slowly");
    await browser.waitUntil(async () => /word2/.test(await textOf(await lastReply())), { timeoutMsg: "nothing streamed" });
    await clickWhenReady(browser.$(byTestId("stop-button")));
    await waitForReplyStatus("cancelled");
    assert.doesNotMatch(await textOf(await lastReply()), /word99/);
  });

  it("keeps the token and the history across a reload", async () => {
    await browser.refresh();
    await waitForSidebar(browser);
    assert.equal(await browser.$("#gateway-token").isExisting(), false, "the token was asked for again");
    await clickWhenReady(browser.$(sessionRow(chat)).$(byTestId("session-open")));
    await browser.waitUntil(async () => (await browser.$$(byTestId("message")).getElements()).length >= 4, {
      timeoutMsg: "the reloaded page does not show the chat's messages",
    });
    const text = await textOf(browser.$(byTestId("chat-view")));
    assert.match(text, /Hello from Chromium/);
    assert.match(text, /Hello over HTTP\./);
    assert.match(text, /Count slowly/);
  });
});
