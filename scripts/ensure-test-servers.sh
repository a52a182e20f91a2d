#!/bin/sh
# Makes sure the mail server the delivery tests start themselves is on this machine: Dovecot
# (Debian's dovecot-imapd), plus openssl for their throw-away certificates. The SMTP server
# (aiosmtpd) and the CalDAV server (Radicale) come from PyPI with the `test` extra. The tests run
# Dovecot with a private configuration on 127.0.0.1 (tests/mailservers.py); a system Dovecot is
# never used, and this script makes sure installing the package does not leave one running.
set -eu

have_binaries() {
    { command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; } \
        && command -v openssl >/dev/null 2>&1
}

have_binaries && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Dovecot (or openssl) missing: installing with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    # No service may start during the install (Debian's policy-rc.d protocol; 101 = forbidden).
    # An existing policy (containers usually have one) is kept as it is.
    policy=/usr/sbin/policy-rc.d
    made_policy=no
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=yes
    fi
    status=0
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends dovecot-imapd openssl \
        >/dev/null; } || status=$?
    if [ "$made_policy" = yes ]; then
        rm -f "$policy"
    fi
    if [ "$status" -ne 0 ]; then
        echo "apt-get could not install dovecot-imapd (exit $status)" >&2
        exit 1
    fi
    # Not wanted at boot either: the tests start their own.
    if command -v systemctl >/dev/null 2>&1; then
        systemctl disable dovecot >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null 2>&1; then
        update-rc.d dovecot disable >/dev/null 2>&1 || true
    fi
    if have_binaries; then
        exit 0
    fi
    echo "apt-get installed dovecot-imapd but the dovecot binary is still missing" >&2
    exit 1
fi

if [ "${CI:-}" = "true" ]; then
    echo "Dovecot not found and cannot be installed (not root or no apt-get):" >&2
    echo "the delivery tests will fail in CI. Install it with: apt-get install dovecot-imapd" >&2
    exit 1
fi
echo "Dovecot not found: the IMAP delivery tests will be skipped." >&2
echo "Install it with: sudo apt-get install dovecot-imapd" >&2
