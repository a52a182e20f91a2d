#!/bin/sh
# Makes sure the monthly report's PDF can be made and checked on this machine: WeasyPrint (from
# PyPI) needs Debian's Pango (libpango-1.0-0, libpangoft2-1.0-0) and a font (fonts-dejavu-core);
# the report tests read the PDF back with pdftotext (poppler-utils).
set -eu

have_tools() {
    command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 \
        && ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' \
        && [ -d /usr/share/fonts/truetype/dejavu ]
}

have_tools && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Pango, DejaVu fonts or poppler-utils missing: installing with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    status=0
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils >/dev/null; } || status=$?
    if [ "$status" -ne 0 ]; then
        echo "apt-get could not install the report tools (exit $status)" >&2
        exit 1
    fi
    have_tools && exit 0
    echo "apt-get ran but Pango, the fonts or pdftotext are still missing" >&2
    exit 1
fi

if [ "${CI:-}" = "true" ]; then
    echo "Pango/poppler-utils missing and cannot be installed (not root or no apt-get):" >&2
    echo "the report's PDF tests will fail in CI. Install: apt-get install libpango-1.0-0" \
        "libpangoft2-1.0-0 fonts-dejavu-core poppler-utils" >&2
    exit 1
fi
echo "Pango or poppler-utils missing: the PDF report tests will be skipped or fail." >&2
echo "Install: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils" >&2
