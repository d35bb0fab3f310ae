// @ts-check
// End-to-end harness: drives the real ClawDesk window (WebKitGTK) through
// tauri-driver + WebKitWebDriver with webdriverio. Every test file gets its
// own tauri-driver on free ports and its own temporary home, config, data
// and database, so nothing touches the user's files. Every wait has a
// timeout, and `Harness.close()` ends the WebDriver session, tauri-driver
// (its whole process group) and any app still running on our temp dir.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const RESULTS = path.join(ROOT, "test-results");
/** Where cargo put the binaries (`$CARGO_TARGET_DIR` when set, as cargo does). */
const TARGET = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || "target");
export const APP = path.resolve(process.env.CLAWDESK_E2E_APP ?? path.join(TARGET, "debug/clawdesk"));

/** @returns {string} */
function tauriDriverPath() {
  if (process.env.TAURI_DRIVER) return process.env.TAURI_DRIVER;
  const local = path.join(ROOT, ".tools/bin/tauri-driver");
  return fs.existsSync(local) ? local : "tauri-driver";
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Rejects with `what` when `promise` takes longer than `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
export function withTimeout(promise, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout])).finally(() => clearTimeout(timer));
}

/** A TCP port that was free a moment ago. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * @param {number} port
 * @param {number} timeoutMs
 * @param {() => string | null} [died] returns a reason when the owner exited
 */
export async function waitForPort(port, timeoutMs, died) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = died?.();
    if (reason) throw new Error(reason);
    const ok = await new Promise((resolve) => {
      const sock = net.connect(port, "127.0.0.1");
      sock.once("connect", () => (sock.destroy(), resolve(true)));
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

/**
 * Pids of processes whose command line mentions `needle` (our temp dir).
 * @param {string} needle
 * @returns {number[]}
 */
export function pidsMentioning(needle) {
  /** @type {number[]} */
  const out = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmd.includes(needle)) out.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return out;
}

/**
 * Notes a pid (negative: a process group) in $CLAWDESK_E2E_PIDFILE, so that
 * scripts/e2e.sh can end it even if this Node process is killed.
 * @param {number} pid
 */
export function recordPid(pid) {
  const file = process.env.CLAWDESK_E2E_PIDFILE;
  if (file && pid) fs.appendFileSync(file, `${pid}\n`);
}

/** @param {number} pid @param {NodeJS.Signals} signal */
export function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Where one app instance keeps its files. Reused across restarts.
 * @typedef {{ root: string, configDir: string, dataDir: string, db: string }} AppDirs
 */

/** @typedef {import("webdriverio").Browser} Browser */

export class Harness {
  /**
   * @param {string} name used for the temp dir and log file names
   * @param {{ env?: Record<string, string> }} [options] `env`: extra environment for the app (and the driver)
   */
  constructor(name, options = {}) {
    this.name = name;
    this.env = options.env ?? {};
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `clawdesk-e2e-${name}-`));
    /** @type {import("node:child_process").ChildProcess | null} */
    this.driver = null;
    this.port = 0;
    /** @type {Browser | null} */
    this.browser = null;
    /** @type {string[]} */
    this.driverLog = [];
    /** @type {Array<() => Promise<void> | void>} */
    this.cleanups = [];
    fs.mkdirSync(RESULTS, { recursive: true });
  }

  /** Fresh isolated directories for an app instance. @param {string} label @returns {AppDirs} */
  appDirs(label) {
    const root = path.join(this.tmp, label);
    const configDir = path.join(root, "config");
    const dataDir = path.join(root, "data");
    fs.mkdirSync(configDir, { recursive: true });
    fs.mkdirSync(dataDir, { recursive: true });
    // Hermetic by default: no built-in provider (the real hosts, an Ollama
    // on 127.0.0.1:11434) is contacted; tests that chat write their own config.
    fs.writeFileSync(
      path.join(configDir, "config.toml"),
      "[providers.anthropic]\nenabled = false\n\n[providers.openai]\nenabled = false\n\n[providers.ollama]\nenabled = false\n",
    );
    return { root, configDir, dataDir, db: path.join(dataDir, "clawdesk.db") };
  }

  /** Starts tauri-driver (which starts WebKitWebDriver) on free ports. */
  async startDriver() {
    if (!fs.existsSync(APP)) throw new Error(`no app binary at ${APP}: run \`cargo build -p clawdesk\``);
    this.port = await freePort();
    let nativePort = await freePort();
    while (nativePort === this.port) nativePort = await freePort();
    const home = path.join(this.tmp, "home");
    fs.mkdirSync(home, { recursive: true });
    const child = spawn(tauriDriverPath(), ["--port", String(this.port), "--native-port", String(nativePort)], {
      // Its own process group: close() ends the driver, WebKitWebDriver and
      // the apps it started in one go, and only those.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, ".config"),
        XDG_DATA_HOME: path.join(home, ".local/share"),
        XDG_CACHE_HOME: path.join(home, ".cache"),
        // Secrets in the throw-away config dir, never in the keychain of
        // whoever runs the tests (the keychain is per user, not per HOME).
        CLAWDESK_SECRET_STORE: "file",
        // The app's own logs and WebKit's can be loud; keep what helps.
        RUST_BACKTRACE: "1",
        ...this.env,
      },
    });
    this.driver = child;
    recordPid(-(child.pid ?? 0));
    /** @type {string | null} */
    let exited = null;
    child.on("exit", (code, signal) => (exited = `tauri-driver exited (code ${code}, signal ${signal})`));
    child.on("error", (e) => (exited = `tauri-driver could not start: ${e.message}`));
    const collect = (/** @type {Buffer} */ b) => {
      this.driverLog.push(b.toString());
      if (this.driverLog.length > 2000) this.driverLog.splice(0, 1000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    await waitForPort(this.port, 15_000, () => exited);
    await waitForPort(nativePort, 15_000, () => exited);
  }

  /**
   * Starts the app on `dirs` and waits for its sidebar to finish loading.
   * @param {AppDirs} dirs
   * @returns {Promise<Browser>}
   */
  async launch(dirs) {
    if (!this.driver) await this.startDriver();
    if (this.browser) await this.quit();
    const args = ["--db", dirs.db, "--config-dir", dirs.configDir, "--data-dir", dirs.dataDir];
    const browser = await withTimeout(
      remote({
        hostname: "127.0.0.1",
        port: this.port,
        logLevel: "error",
        connectionRetryTimeout: 60_000,
        connectionRetryCount: 0,
        waitforTimeout: 15_000,
        waitforInterval: 100,
        // `tauri:options` is tauri-driver's own capability (it becomes
        // webkitgtk:browserOptions {binary, args}); webdriverio's types do not know it.
        capabilities: /** @type {any} */ ({
          "tauri:options": { application: APP, args },
          // WebKitWebDriver speaks classic WebDriver; no BiDi upgrade.
          "wdio:enforceWebDriverClassic": true,
        }),
      }),
      90_000,
      "WebDriver session with the app",
    );
    this.browser = browser;
    await browser.setTimeouts(undefined, 30_000, 30_000);
    await waitForSidebar(browser);
    return browser;
  }

  /** Ends the WebDriver session, which closes the app; waits for its process to exit. */
  async quit() {
    const browser = this.browser;
    this.browser = null;
    if (browser) {
      await withTimeout(browser.deleteSession(), 20_000, "ending the WebDriver session").catch((e) =>
        console.error(`e2e: ${e.message}`),
      );
    }
    // The app is the process started with our temp dir in its arguments.
    const deadline = Date.now() + 10_000;
    while (pidsMentioning(this.tmp).length > 0 && Date.now() < deadline) await sleep(100);
    const left = pidsMentioning(this.tmp);
    if (left.length === 0) return;
    for (const pid of left) kill(pid, "SIGKILL");
    // Gone for good before the next launch: an app still on the session bus
    // holds its single-instance name, and a launch on the same data would
    // hand over to it (and fail as it disappears) instead of starting.
    const killed = Date.now() + 5_000;
    while (pidsMentioning(this.tmp).length > 0 && Date.now() < killed) await sleep(50);
    await sleep(300);
  }

  /** @param {string} file a name under test-results/ */
  async screenshot(file) {
    if (!this.browser) return;
    const out = path.join(RESULTS, file);
    // WebKit paints a little after the DOM changes: let two frames pass.
    await this.browser.executeAsync((/** @type {() => void} */ done) =>
      requestAnimationFrame(() => requestAnimationFrame(() => done())),
    );
    await sleep(300);
    await withTimeout(this.browser.saveScreenshot(out), 20_000, `screenshot ${file}`);
    return out;
  }

  /** Runs `fn` during close(), before the driver stops. @param {() => Promise<void> | void} fn */
  onClose(fn) {
    this.cleanups.push(fn);
  }

  /** Always safe to call; never throws. */
  async close() {
    await this.quit().catch(() => {});
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (e) {
        console.error(`e2e cleanup: ${/** @type {Error} */ (e).message}`);
      }
    }
    const child = this.driver;
    this.driver = null;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      kill(-child.pid, "SIGTERM");
      await Promise.race([gone, sleep(3_000)]);
      kill(-child.pid, "SIGKILL");
    }
    for (const pid of pidsMentioning(this.tmp)) kill(pid, "SIGKILL");
    fs.writeFileSync(path.join(RESULTS, `e2e-${this.name}-driver.log`), this.driverLog.join(""));
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** @param {string} id */
export const byTestId = (id) => `[data-testid="${id}"]`;

/**
 * Waits for the sidebar and for the chat list to have loaded.
 * @param {Browser} browser
 */
export async function waitForSidebar(browser) {
  await browser.$(byTestId("sidebar")).waitForDisplayed({ timeout: 30_000, timeoutMsg: "no sidebar after 30 s" });
  await browser.waitUntil(
    async () => {
      const text = await browser.$(byTestId("session-nav")).getText();
      return !text.includes("Loading chats");
    },
    { timeout: 15_000, timeoutMsg: "the chat list did not load" },
  );
}

/**
 * Session ids in sidebar order (most recent first).
 * @param {Browser} browser
 * @returns {Promise<string[]>}
 */
export async function sessionIds(browser) {
  // The list is virtualized and rows are positioned by transform; order by
  // their data-index rather than by DOM order.
  const rows = await browser.execute(() =>
    Array.from(document.querySelectorAll('[data-testid="session-row"]')).map((el) => [
      Number(el.getAttribute("data-index")),
      el.getAttribute("data-session-id") ?? "",
    ]),
  );
  return rows
    .slice()
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map((r) => String(r[1]));
}

/**
 * Clicks "New chat" and returns the new session's id (the one not seen before).
 * @param {Browser} browser
 * @returns {Promise<string>}
 */
export async function createSession(browser) {
  const before = new Set(await sessionIds(browser));
  await browser.$(byTestId("new-chat")).click();
  /** @type {string | undefined} */
  let created;
  await browser.waitUntil(
    async () => {
      created = (await sessionIds(browser)).find((id) => !before.has(id));
      return created !== undefined;
    },
    { timeout: 15_000, timeoutMsg: "no new chat appeared in the sidebar" },
  );
  return /** @type {string} */ (created);
}

/** @param {string} id */
export const sessionRow = (id) => `[data-testid="session-row"][data-session-id="${id}"]`;

export const PROVIDER_DOUBLE = path.resolve(
  process.env.CLAWDESK_E2E_DOUBLE ?? path.join(TARGET, "debug/provider-double"),
);

/**
 * The loopback provider double (`crates/provider-double`): serves Ollama's
 * `/api/chat` and `/api/tags`, scripted through `/_double/*`.
 */
export class ProviderDouble {
  /** @param {import("node:child_process").ChildProcess} child @param {string} url */
  constructor(child, url) {
    this.child = child;
    this.url = url;
  }

  /** Starts `provider-double --port 0` and waits for its "listening on" line. */
  static async start() {
    if (!fs.existsSync(PROVIDER_DOUBLE)) {
      throw new Error(`no provider double at ${PROVIDER_DOUBLE}: run \`cargo build -p provider-double\``);
    }
    const child = spawn(PROVIDER_DOUBLE, ["--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    recordPid(child.pid ?? 0);
    let out = "";
    const url = await withTimeout(
      new Promise((resolve, reject) => {
        child.stdout?.on("data", (b) => {
          out += b.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.stderr?.on("data", (b) => (out += b.toString()));
        child.once("exit", (code) => reject(new Error(`provider-double exited (${code}): ${out}`)));
        child.once("error", reject);
      }),
      15_000,
      "provider-double to listen",
    );
    return new ProviderDouble(child, /** @type {string} */ (url));
  }

  /** @param {string} route @param {unknown} [body] */
  async call(route, body) {
    const res = await fetch(`${this.url}${route}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`provider-double ${route}: HTTP ${res.status} ${text}`);
    return text;
  }

  /** Sets what the next chat request gets. @param {unknown} script a JSON Script */
  async script(script) {
    await this.call("/_double/script", script);
  }

  async reset() {
    await this.call("/_double/reset", {});
  }

  /** The requests the double has seen, as JSON. @returns {Promise<unknown>} */
  async requests() {
    return JSON.parse(await this.call("/_double/requests"));
  }

  stop() {
    if (this.child.pid && this.child.exitCode === null) kill(this.child.pid, "SIGKILL");
  }
}

/**
 * Writes a config.toml that sends every chat to `ollamaUrl` with an Ollama
 * model as the default (keys as in crates/clawdesk-core/src/config/types.rs,
 * camelCase on disk; the model id from catalog.rs).
 * @param {AppDirs} dirs
 * @param {string} ollamaUrl
 * @param {string} [model]
 */
export function writeOllamaConfig(dirs, ollamaUrl, model = "llama3.2") {
  const toml = `# Written by tests/e2e: every chat goes to the provider double.
[defaults]
model = ${JSON.stringify(model)}

[providers.ollama]
kind = "ollama"
baseUrl = ${JSON.stringify(ollamaUrl)}
enabled = true

[providers.anthropic]
enabled = false

[providers.openai]
enabled = false

[network]
connectTimeoutMs = 5000
firstByteTimeoutMs = 10000
idleTimeoutMs = 10000
maxRetries = 0
`;
  fs.writeFileSync(path.join(dirs.configDir, "config.toml"), toml);
}

/**
 * The element's text content. (WebKitWebDriver's "visible text" comes back
 * empty for some elements, e.g. a one-line h1 with text-overflow: ellipsis.)
 * @param {ReturnType<Browser["$"]> | WebdriverIO.Element} el
 * @returns {Promise<string>}
 */
export async function textOf(el) {
  const element = /** @type {WebdriverIO.Element} */ (await el);
  return String((await element.getProperty("textContent")) ?? "");
}

/**
 * Clicks once the element is clickable (not covered by a row still moving
 * into place, for example).
 * @param {ReturnType<Browser["$"]>} el
 */
export async function clickWhenReady(el) {
  await el.waitForClickable({ timeout: 10_000 });
  await el.click();
}

/** @param {string} sessionId */
const seedTag = (sessionId) => sessionId.slice(-6).replace(/[^0-9A-HJKMNP-TV-Z]/g, "0");

/**
 * The id seedMessages gives the message at `seq` (1-based): msg_<ULID>, 26
 * Crockford base32 characters (no I, L, O, U).
 * @param {string} sessionId
 * @param {number} seq
 */
export const seededMessageId = (sessionId, seq) => `msg_01JB${seedTag(sessionId)}${String(seq).padStart(16, "0")}`;

/**
 * Fills `sessionId` with `count` messages, alternating user and assistant,
 * the assistant ones in markdown (paragraphs, a list, inline code, now and
 * then a code block), and keeps the session row in step as the store does.
 * Writes straight into the app's database with the `sqlite3` CLI, so the app
 * must not be running (schema: crates/clawdesk-core/migrations/).
 * @param {string} db
 * @param {string} sessionId
 * @param {number} count
 * @param {string} title
 * @param {string} model on the assistant messages
 */
export function seedMessages(db, sessionId, count, title, model) {
  const tag = seedTag(sessionId);
  const sql = `
PRAGMA foreign_keys = ON;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
INSERT INTO messages (id, session_id, seq, role, content, model, input_tokens, output_tokens, status, created_at, parent_id)
SELECT
  printf('msg_01JB%s%016d', '${tag}', i),
  '${sessionId}',
  i,
  CASE WHEN i % 2 = 1 THEN 'user' ELSE 'assistant' END,
  CASE WHEN i % 2 = 1
    THEN printf('Question %d: how would you handle case %d in the parser, and why?', i, i * 7)
    ELSE printf('Answer %d. The short version: **keep the state small** and pass it along.' || char(10, 10) ||
                '- first, read the token with \`next()\`' || char(10) ||
                '- then match on its kind (%d cases)' || char(10) ||
                '- finally report errors with their span' || char(10, 10) ||
                CASE WHEN i % 10 = 0
                  THEN '\`\`\`rust' || char(10) || 'fn parse(input: &str) -> Result<Ast, Error> {' || char(10) ||
                       '    let mut p = Parser::new(input);' || char(10) || '    p.expr()' || char(10) || '}' || char(10) ||
                       '\`\`\`' || char(10, 10)
                  ELSE '' END ||
                'That keeps message %d readable.', i, i % 13, i)
  END,
  CASE WHEN i % 2 = 1 THEN NULL ELSE '${model}' END,
  CASE WHEN i % 2 = 1 THEN NULL ELSE 40 + i % 50 END,
  CASE WHEN i % 2 = 1 THEN NULL ELSE 60 + i % 90 END,
  'complete',
  CAST(strftime('%s', 'now') AS INTEGER) * 1000 - (${count} - i) * 30000,
  -- One path, as the store writes a chat: each message follows the one before.
  CASE WHEN i = 1 THEN NULL ELSE printf('msg_01JB%s%016d', '${tag}', i - 1) END
FROM n;
UPDATE sessions SET
  message_count = (SELECT count(*) FROM messages WHERE session_id = '${sessionId}'),
  last_active = (SELECT max(created_at) FROM messages WHERE session_id = '${sessionId}'),
  title = '${title}'
WHERE id = '${sessionId}';
COMMIT;
SELECT message_count FROM sessions WHERE id = '${sessionId}';
`;
  const out = execFileSync("sqlite3", ["-batch", "-bail", db], { input: sql, encoding: "utf8", timeout: 60_000 });
  if (out.trim() !== String(count)) throw new Error(`seeding ${sessionId} stored ${out.trim()} messages, not ${count}`);
}

/**
 * Fills the database with `count` older chats of `perSession` messages each
 * (ids `sess_01JA…`, `msg_01JA…`), as a long-time user's database looks:
 * one statement per table in one transaction, straight into the app's
 * database with the `sqlite3` CLI, so the app must not be running. Their
 * activity times lie in 2023, before anything a test creates.
 * @param {string} db
 * @param {number} count
 * @param {number} perSession
 */
export function seedManySessions(db, count, perSession) {
  const base = 1_700_000_000_000;
  const sql = `
PRAGMA foreign_keys = ON;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${count})
INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
SELECT printf('sess_01JA%022d', i), 'desktop', 'ollama/llama3.2',
       printf('Archived chat %d about case %d', i, i * 7),
       ${base} + i * 1000, ${base} + i * 1000 + ${perSession} * 10, ${perSession}
FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${count * perSession})
INSERT INTO messages (id, session_id, seq, role, content, model, input_tokens, output_tokens, status, created_at, tokens, parent_id)
SELECT printf('msg_01JA%022d', i), printf('sess_01JA%022d', i / ${perSession}), i % ${perSession} + 1,
       CASE i % 2 WHEN 0 THEN 'user' ELSE 'assistant' END,
       'A message of ordinary length, about the size people type into a chat box, number ' || i,
       CASE i % 2 WHEN 0 THEN NULL ELSE 'ollama/llama3.2' END,
       CASE i % 2 WHEN 0 THEN NULL ELSE 120 END,
       CASE i % 2 WHEN 0 THEN NULL ELSE 40 END,
       'complete', ${base} + (i / ${perSession}) * 1000 + (i % ${perSession}) * 10, 20,
       CASE WHEN i % ${perSession} = 0 THEN NULL ELSE printf('msg_01JA%022d', i - 1) END
FROM n;
COMMIT;
ANALYZE;
SELECT count(*) FROM sessions WHERE id LIKE 'sess_01JA%';
SELECT count(*) FROM messages WHERE id LIKE 'msg_01JA%';
`;
  const out = execFileSync("sqlite3", ["-batch", "-bail", db], { input: sql, encoding: "utf8", timeout: 600_000 });
  const [sessions, messages] = out.trim().split("\n").map(Number);
  if (sessions !== count || messages !== count * perSession) {
    throw new Error(`seeding stored ${sessions} chats and ${messages} messages, not ${count} and ${count * perSession}`);
  }
}

/**
 * Adds an empty chat row (the app stopped), for seedMessages to fill.
 * @param {string} db
 * @param {string} sessionId
 */
export function seedSession(db, sessionId) {
  const sql = `INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count)
VALUES ('${sessionId}', 'desktop', 'ollama/llama3.2', NULL, CAST(strftime('%s', 'now') AS INTEGER) * 1000,
        CAST(strftime('%s', 'now') AS INTEGER) * 1000, 0);`;
  execFileSync("sqlite3", ["-batch", "-bail", db], { input: sql, encoding: "utf8", timeout: 60_000 });
}

/**
 * When process `pid` started, in ms since the epoch (the kernel counts in
 * clock ticks since boot: 10 ms resolution).
 * @param {number} pid
 */
export function processStartMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) in parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const startTicks = Number(fields[19]); // field 22 of the whole line
  const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const uptimeSeconds = Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  const bootMs = Date.now() - uptimeSeconds * 1000;
  return bootMs + (startTicks / ticksPerSecond) * 1000;
}

/**
 * The pid of the app binary running on `dirs` (started by tauri-driver).
 * @param {AppDirs} dirs
 * @returns {number}
 */
export function appPid(dirs) {
  for (const pid of pidsMentioning(dirs.db)) {
    try {
      const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
      if (path.resolve(argv0) === APP || path.basename(argv0) === path.basename(APP)) return pid;
    } catch {
      // gone
    }
  }
  throw new Error(`no app process running on ${dirs.db}`);
}
