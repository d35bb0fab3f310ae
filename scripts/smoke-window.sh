#!/usr/bin/env bash
# Starts the real app under Xvfb with its embedded defaults in a throw-away
# home, checks that its window appears and the process stays up, and saves
# a screenshot to test-results/window.png.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/clawdesk}
OUT=test-results
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'kill "$APP_PID" 2>/dev/null || true; kill "$XVFB_PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT

DISPLAY_NUM=:$((90 + RANDOM % 100))
Xvfb "$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >"$TMP/xvfb.log" 2>&1 &
XVFB_PID=$!
sleep 1
export DISPLAY=$DISPLAY_NUM
# Embedded defaults, except that no built-in provider is contacted: tests
# reach only servers they started (see scripts/hermetic-guard.py).
mkdir -p "$TMP/config/dev.clawdesk.app"
printf '[providers.%s]\nenabled = false\n\n' anthropic openai ollama >"$TMP/config/dev.clawdesk.app/config.toml"
# Its own D-Bus session bus, as a desktop session has: without one, GLib
# autolaunches a bus with dbus-launch (when dbus-x11 is installed), which
# can block the app's start for good. The real secret-store choice (the
# keychain if one answers, else the file), under a service name of its own
# so a user's keychain entries are never read.
HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/config" XDG_DATA_HOME="$TMP/data" \
  CLAWDESK_KEYCHAIN_SERVICE="dev.clawdesk.smoke.$$" \
  dbus-run-session -- "$BIN" >"$TMP/app.log" 2>&1 &
APP_PID=$!

for _ in $(seq 1 60); do
  if xwininfo -root -tree 2>/dev/null | grep -q '"ClawDesk"'; then
    sleep 3 # let the page render before the screenshot
    kill -0 "$APP_PID" || { echo "smoke: app exited"; cat "$TMP/app.log"; exit 1; }
    import -window root "$OUT/window.png" 2>/dev/null || true
    # The store opens beside the window, after the keychain probe, whose
    # first D-Bus activation can take seconds on a loaded machine.
    for _ in $(seq 1 40); do
      [ -f "$TMP/data/dev.clawdesk.app/clawdesk.db" ] && break
      sleep 0.5
    done
    [ -f "$TMP/data/dev.clawdesk.app/clawdesk.db" ] || { echo "smoke: no database in the app data dir after 20 s"; cat "$TMP/app.log"; exit 1; }
    ls "$TMP"/data/dev.clawdesk.app/logs/clawdesk.*.log >/dev/null 2>&1 || { echo "smoke: no log file in the app's log dir"; find "$TMP"; cat "$TMP/app.log"; exit 1; }
    echo "smoke: window opened, database and log file created, screenshot in $OUT/window.png"
    exit 0
  fi
  kill -0 "$APP_PID" 2>/dev/null || { echo "smoke: app exited early"; cat "$TMP/app.log"; exit 1; }
  sleep 0.5
done
echo "smoke: no ClawDesk window after 30 s"; cat "$TMP/app.log"; exit 1
