#!/bin/sh
# The real components the tests need, from Debian's packages: headless Chromium and a CJK font
# (browser tests: HTML eval report, review page, dashboard) and the PostgreSQL server (job store,
# queue and shared cache tests; tests/pgserver.py starts its own cluster on loopback).
# A no-op when they are already there. Needs root or sudo.
set -e
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk' || need="$need fonts-wqy-zenhei fontconfig"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
[ -n "$need" ] || exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $need >/dev/null
