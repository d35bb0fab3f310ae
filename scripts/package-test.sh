#!/usr/bin/env bash
# The installable package, end to end: builds the Debian package with
# Tauri's bundler (a debug build, reusing what the tests built), installs it
# with apt on this machine, runs the window smoke test against the
# installed /usr/bin/clawdesk, and removes the package again (also when a
# step fails).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGE=claw-desk

if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q "install ok installed"; then
  echo "package-test: $PACKAGE is already installed here; not touching it"
  exit 1
fi

npx tauri build --debug --bundles deb
DEB=$(ls -t target/debug/bundle/deb/*.deb | head -n1)
echo "package-test: built $DEB ($(du -h "$DEB" | cut -f1))"
dpkg-deb --field "$DEB" Package Version Depends

remove() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq "$PACKAGE" >/dev/null || true; }
trap remove EXIT
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "./$DEB" >/dev/null
for file in /usr/bin/clawdesk /usr/share/applications/ClawDesk.desktop /usr/share/icons/hicolor/128x128/apps/clawdesk.png; do
  [ -e "$file" ] || { echo "package-test: $file was not installed"; exit 1; }
done
grep -q '^Exec=clawdesk' /usr/share/applications/ClawDesk.desktop ||
  { echo "package-test: the desktop entry does not start clawdesk"; cat /usr/share/applications/ClawDesk.desktop; exit 1; }

./scripts/hermetic-guard.py -- ./scripts/smoke-window.sh /usr/bin/clawdesk
remove
trap - EXIT
[ ! -e /usr/bin/clawdesk ] || { echo "package-test: removing the package left /usr/bin/clawdesk"; exit 1; }
echo "package-test: installed, launched and removed $(basename "$DEB")"
