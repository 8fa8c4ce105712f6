#!/usr/bin/env bash
# Installs the Debian packages that onestamp's tests need, only those missing.
#
#   fonts-noto-cjk  Noto Sans/Serif CJK: the font embedded in licence PDFs
#   poppler-utils   pdftotext and pdftoppm: read back a rendered licence
#   zbar-tools      zbarimg: decode the QR code printed on a licence
#   chromium        headless browser for the browser tests
#   python3-venv    a venv for schemathesis (scripts/schemathesis.sh)
#   python3-aiosmtpd  aiosmtpd for the mail sink of the email tests
#                   (scripts/smtp_sink.py, run by the testkit's SmtpSink with
#                   the first python3 that imports it, /usr/bin/python3 at last)
#
# Idempotent: runs `apt-get update` and `apt-get install` only when a package is
# missing, so a second run does nothing. Needs root (or sudo) to install.
set -euo pipefail

packages=(fonts-noto-cjk poppler-utils zbar-tools chromium python3-venv python3-aiosmtpd)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg -s "$package" >/dev/null 2>&1; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-test-deps: all present (${packages[*]})"
    exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo_cmd=(sudo)
    else
        echo "install-test-deps: need root to install: ${missing[*]}" >&2
        exit 1
    fi
fi

echo "install-test-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
