#!/bin/sh
# Headless Chromium and a CJK font for the browser tests (HTML eval report, review page).
# Debian's packages; a no-op when they are already there. Needs root or sudo.
set -e
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk'; then
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-wqy-zenhei fontconfig >/dev/null
