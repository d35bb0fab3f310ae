#!/usr/bin/env bash
# End-to-end tests of the real app window: tauri-driver + WebKitWebDriver
# drive target/debug/clawdesk under Xvfb; the tests are tests/e2e/*.e2e.mjs
# (node:test + webdriverio). Expects the app built (`make e2e` does it).
# The run has its own D-Bus session bus (dbus-run-session), which the
# single-instance test needs. browser.e2e.mjs drives the same frontend in headless Chromium
# (chromium-driver) over the gateway that `clawdesk serve` runs.
# The chat scenarios run against provider-double (CLAWDESK_E2E_CHAT=0 skips them);
# bench.e2e.mjs writes its figures to test-results/e2e-bench.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results

[ -x .tools/bin/tauri-driver ] || command -v tauri-driver >/dev/null ||
  cargo install tauri-driver --locked --root .tools
command -v chromedriver >/dev/null || { echo "e2e: chromedriver missing (apt packages chromium chromium-driver; run scripts/setup.sh)"; exit 1; }
command -v WebKitWebDriver >/dev/null || { echo "e2e: WebKitWebDriver missing (apt package webkit2gtk-driver; run scripts/setup.sh)"; exit 1; }
export PATH="$PWD/.tools/bin:$PATH"

# Every test file, or those named on the command line.
files=("$@")
[ ${#files[@]} -gt 0 ] ||
  files=(tests/e2e/app.e2e.mjs tests/e2e/organise.e2e.mjs tests/e2e/archive.e2e.mjs tests/e2e/upgrade.e2e.mjs tests/e2e/chat.e2e.mjs tests/e2e/search.e2e.mjs tests/e2e/actions.e2e.mjs tests/e2e/branch.e2e.mjs tests/e2e/browser.e2e.mjs tests/e2e/remote.e2e.mjs tests/e2e/hung-server.e2e.mjs tests/e2e/storage.e2e.mjs
    tests/e2e/desktop.e2e.mjs tests/e2e/first-run.e2e.mjs tests/e2e/bench.e2e.mjs)

npx tsc -p tests/e2e/tsconfig.json # the tests are JS with JSDoc types; check them

# Everything the tests start is recorded here (process groups as -pgid) and
# ended on exit, even if the test runner itself is killed by the timeout.
export CLAWDESK_E2E_PIDFILE
CLAWDESK_E2E_PIDFILE=$(mktemp)
cleanup() {
  while read -r pid; do
    [ -n "$pid" ] && kill -KILL -- "$pid" 2>/dev/null || true
  done <"$CLAWDESK_E2E_PIDFILE"
  rm -f "$CLAWDESK_E2E_PIDFILE"
}
trap cleanup EXIT

timeout --kill-after=10 "${CLAWDESK_E2E_TIMEOUT:-1800}" \
  dbus-run-session -- \
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  node --test --test-concurrency=1 --test-timeout=300000 \
  "${files[@]}"
