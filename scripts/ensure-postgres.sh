#!/bin/sh
# Makes sure the PostgreSQL server binaries (initdb, pg_ctl, postgres) are on this machine, so the
# test suite can start its own server (it never uses a system cluster). Installs Debian's package
# when they are missing and we may, without creating or starting the default "main" cluster.
set -eu

have_binaries() {
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            return 0
        fi
    done
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 \
        && command -v postgres >/dev/null 2>&1
}

have_binaries && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL server binaries missing: installing with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
    # No system cluster: the tests start their own server in a temporary directory.
    mkdir -p /etc/postgresql-common
    if [ -f /etc/postgresql-common/createcluster.conf ]; then
        sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' \
            /etc/postgresql-common/createcluster.conf
    else
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    fi
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    if have_binaries; then
        exit 0
    fi
    echo "apt-get installed postgresql but initdb/pg_ctl/postgres are still missing" >&2
    exit 1
fi

if [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL server binaries not found and cannot be installed (not root or no apt-get):" >&2
    echo "the PostgreSQL tests will fail in CI. Install them with: apt-get install postgresql" >&2
    exit 1
fi
echo "PostgreSQL server binaries not found: PostgreSQL tests will be skipped." >&2
echo "Install them with: sudo apt-get install postgresql (or set NAZORG_PG_BIN)" >&2
