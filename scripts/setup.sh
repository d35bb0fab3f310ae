#!/usr/bin/env bash
# Installs what ClawDesk needs to build, run and test on Debian/Ubuntu:
# WebKitGTK and friends for Tauri, Xvfb for headless window tests,
# Chromium and its driver (the frontend in a browser, over the gateway), sqlite3
# (the e2e benchmark seeds a database with it), gnome-keyring and a D-Bus
# session bus (the keychain tests run against a real Secret Service),
# PostgreSQL's server binaries (the store tests also run against a throw-away
# server that scripts/with-postgres.sh starts; the cluster Debian may create
# on install is not used; openssl makes its TLS certificates), and the npm packages. Safe to run again: it skips
# what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libssl-dev librsvg2-dev libayatana-appindicator3-dev
  xvfb xauth x11-utils imagemagick
  webkit2gtk-driver
  chromium chromium-driver
  dbus-daemon
  sqlite3
  postgresql openssl
  gnome-keyring dbus-daemon dbus-bin dbus-x11
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: Rust is required (https://rustup.rs)"; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js 20+ with npm is required"; exit 1; }

# `npm install` rather than `npm ci`: npm 11 writes lock files without the
# other platforms' optional packages (esbuild, rollup, tauri-cli), which
# `npm ci` then rejects as out of sync. Versions still come from the lock.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
