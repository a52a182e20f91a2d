#!/bin/sh
# Makes sure the PostgreSQL server binaries (initdb, pg_ctl, postgres) are on this machine, so the
# test suite can start its own server. Installs Debian's package when they are missing and we may.
set -eu
for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        exit 0
    fi
done
if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL server binaries missing: installing with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    exit 0
fi
echo "PostgreSQL server binaries not found: PostgreSQL tests will be skipped." >&2
echo "Install them with: sudo apt-get install postgresql" >&2
