#!/usr/bin/env bash
# The keychain tests against a real Secret Service: a private D-Bus session
# (dbus-run-session) with gnome-keyring's secrets component in it, unlocked
# with a throw-away password, its keyrings in a temporary directory. The
# user's own session bus and keyrings are never touched.
#
# Fails loudly when the daemon cannot be started or does not appear on the
# bus, and the tests themselves fail instead of skipping
# (CLAWDESK_TEST_REQUIRE_KEYCHAIN=1).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inside-session" ]; then
  for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || {
      echo "test-keychain: FAILED: $tool is missing (scripts/setup.sh installs gnome-keyring, dbus-daemon and dbus-x11)" >&2
      exit 1
    }
  done
  exec dbus-run-session -- "$0" --inside-session
fi

KEYRING_DIR=$(mktemp -d)
DAEMON_PID=""
cleanup() {
  if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null || true; fi
  rm -rf "$KEYRING_DIR"
}
trap cleanup EXIT

# Its own data and runtime directories: a fresh login keyring, and no
# talking to a daemon the user may already run.
mkdir -p "$KEYRING_DIR/data" "$KEYRING_DIR/runtime"
chmod 700 "$KEYRING_DIR/runtime"
printf 'clawdesk-test' | XDG_DATA_HOME="$KEYRING_DIR/data" XDG_RUNTIME_DIR="$KEYRING_DIR/runtime" \
  gnome-keyring-daemon --foreground --unlock --components=secrets >"$KEYRING_DIR/daemon.log" 2>&1 &
DAEMON_PID=$!

owner=false
for _ in $(seq 1 50); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
    owner=true
    break
  fi
  kill -0 "$DAEMON_PID" 2>/dev/null || break
  sleep 0.1
done
if [ "$owner" != true ]; then
  echo "test-keychain: FAILED: gnome-keyring-daemon did not provide org.freedesktop.secrets on the session bus" >&2
  cat "$KEYRING_DIR/daemon.log" >&2 || true
  exit 1
fi
echo "test-keychain: gnome-keyring-daemon (pid $DAEMON_PID) serves the Secret Service on a private session bus"

export CLAWDESK_TEST_REQUIRE_KEYCHAIN=1
cargo test -p clawdesk-core --test keychain -- --test-threads=2
# The built app: `clawdesk serve` keeps its token in the keychain.
cargo test -p clawdesk --test serve serve_keeps_its_token_in_the_keychain
