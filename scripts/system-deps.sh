#!/usr/bin/env bash
# Make sure the Debian packages Puente needs are installed: Apertium with the
# English-Spanish pair (both directions), GNU gettext (msgfmt, used by the tests) and
# Chromium (headless: the documentation's screenshots, scripts/screenshots.py, and the
# review report's browser test).
set -euo pipefail
packages="apertium apertium-eng-spa gettext chromium"
missing=""
command -v apertium >/dev/null 2>&1 || missing="$missing apertium"
pairs=$(apertium -l 2>/dev/null || true)
{ echo "$pairs" | grep -qw 'eng-spa' && echo "$pairs" | grep -qw 'spa-eng'; } || missing="$missing apertium-eng-spa"
command -v msgfmt >/dev/null 2>&1 || missing="$missing gettext"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Puente needs these Debian packages:$missing" >&2
    echo "Install them by hand, as root:  apt-get update && apt-get install -y $packages" >&2
    exit 1
fi
echo "Installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $packages >/dev/null
