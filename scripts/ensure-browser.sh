#!/bin/sh
# Makes sure the browser that the web tests drive is on this machine: Debian's Chromium at
# /usr/bin/chromium. Playwright for Python (PyPI, `test` extra) drives it; Playwright's own
# browser download (`playwright install`) is never used. Installs the package when it is missing
# and we may (root with apt-get); no service comes with it. Without it the browser tests skip.
set -eu

CHROMIUM=/usr/bin/chromium

[ -x "$CHROMIUM" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Chromium missing: installing Debian's chromium with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    status=0
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium \
        >/dev/null; } || status=$?
    if [ "$status" -ne 0 ]; then
        echo "apt-get could not install chromium (exit $status)" >&2
        exit 1
    fi
    if [ -x "$CHROMIUM" ]; then
        exit 0
    fi
    echo "apt-get installed chromium but $CHROMIUM is still missing" >&2
    exit 1
fi

echo "Chromium not found at $CHROMIUM: the browser tests will be skipped." >&2
echo "Install it with: sudo apt-get install chromium" >&2
