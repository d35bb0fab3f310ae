// @ts-check
// ClawDesk as a desktop citizen: the window's size is remembered across a
// restart (window-state plugin), a second launch on the same data hands
// over to the running app instead of failing on the database lock
// (single-instance plugin, over the D-Bus session bus that scripts/e2e.sh
// starts), and a launch on another database is an instance of its own.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { APP, Harness, kill, pidsMentioning, recordPid, sleep, waitForSidebar } from "./harness.mjs";

/**
 * Launches the app outside WebDriver, as a user would a second time, with
 * the same home directory as the driver's apps.
 * @param {Harness} h @param {import("./harness.mjs").AppDirs} dirs
 */
function launchAgain(h, dirs) {
  const home = path.join(h.tmp, "home");
  const child = spawn(APP, ["--db", dirs.db, "--config-dir", dirs.configDir, "--data-dir", dirs.dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      XDG_DATA_HOME: path.join(home, ".local/share"),
      XDG_CACHE_HOME: path.join(home, ".cache"),
    },
  });
  recordPid(child.pid ?? 0);
  /** @type {string[]} */
  const output = [];
  child.stdout?.on("data", (b) => output.push(b.toString()));
  child.stderr?.on("data", (b) => output.push(b.toString()));
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output };
}

/** The app's log files under the harness's home, as one text. @param {Harness} h */
function appLog(h) {
  const dir = path.join(h.tmp, "home/.local/share/dev.clawdesk.app/logs");
  if (!fs.existsSync(dir)) return "";
  return fs
    .readdirSync(dir)
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
    .join("");
}

describe("ClawDesk as a desktop citizen", { timeout: 300_000 }, () => {
  /** @type {Harness} */
  let h;
  /** @type {import("./harness.mjs").AppDirs} */
  let dirs;
  /** @type {import("./harness.mjs").Browser} */
  let browser;

  before(async () => {
    assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "no D-Bus session bus: run through scripts/e2e.sh (dbus-run-session)");
    h = new Harness("desktop");
    dirs = h.appDirs("profile");
    browser = await h.launch(dirs);
  });
  after(async () => {
    await h?.close();
  });

  it("remembers the window's size across a restart", async () => {
    await browser.setWindowRect(null, null, 900, 640);
    await browser.waitUntil(async () => (await browser.getWindowRect()).width === 900, {
      timeoutMsg: "the window did not take the new size",
    });
    const set = await browser.getWindowRect();
    // Closed the way a session logout or `kill` closes it (WebDriver would
    // end it with SIGKILL, which no app can react to).
    const app = pidsMentioning(dirs.db);
    assert.ok(app.length > 0, "no app process to close");
    for (const pid of app) kill(pid, "SIGTERM");
    await browser.waitUntil(async () => pidsMentioning(dirs.db).length === 0, {
      timeout: 15_000,
      timeoutMsg: "the app did not close on SIGTERM",
    });
    await h.quit();
    browser = await h.launch(dirs);
    const restored = await browser.getWindowRect();
    assert.ok(Math.abs(restored.width - set.width) <= 2, `width ${restored.width}, was ${set.width}`);
    assert.ok(Math.abs(restored.height - set.height) <= 2, `height ${restored.height}, was ${set.height}`);
  });

  it("hands a second launch on the same data to the running app", async () => {
    const second = launchAgain(h, dirs);
    const code = await Promise.race([second.exited, sleep(20_000).then(() => "still running")]);
    if (code === "still running") second.child.pid && kill(second.child.pid, "SIGKILL");
    assert.equal(code, 0, `the second launch did not hand over and exit: ${second.output.join("")}`);
    // The running app is still there, and was asked to come forward.
    await waitForSidebar(browser);
    await browser.waitUntil(async () => /launched again on the same data/.test(appLog(h)), {
      timeout: 10_000,
      timeoutMsg: "the running app did not hear of the second launch",
    });
  });

  it("runs a launch on another database as an instance of its own", async () => {
    const other = h.appDirs("other");
    const second = launchAgain(h, other);
    const code = await Promise.race([second.exited, sleep(5_000).then(() => "still running")]);
    if (second.child.pid) kill(second.child.pid, "SIGTERM");
    assert.equal(code, "still running", `the launch on another database exited (${code}): ${second.output.join("")}`);
    assert.ok(fs.existsSync(other.db), "the second instance did not open its own database");
  });
});
