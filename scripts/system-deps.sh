#!/usr/bin/env bash
# Make sure the Debian packages Puente needs are installed: Apertium with the
# English-Spanish pair (both directions) and GNU gettext (msgfmt, used by the tests).
# Chromium (headless) renders the review report in one test and makes the screenshots
# in docs/images/: installed as well when this runs as root, else only named (that test
# then skips and says why).
set -euo pipefail
packages="apertium apertium-eng-spa gettext"
missing=""
command -v apertium >/dev/null 2>&1 || missing="$missing apertium"
pairs=$(apertium -l 2>/dev/null || true)
{ echo "$pairs" | grep -qw 'eng-spa' && echo "$pairs" | grep -qw 'spa-eng'; } || missing="$missing apertium-eng-spa"
command -v msgfmt >/dev/null 2>&1 || missing="$missing gettext"
browser=""
command -v chromium >/dev/null 2>&1 || browser="chromium"
[ -z "$missing$browser" ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    if [ -n "$browser" ]; then
        echo "Optional: the review report's browser test needs chromium (apt-get install -y chromium)" >&2
    fi
    [ -z "$missing" ] && exit 0
    echo "Puente needs these Debian packages:$missing" >&2
    echo "Install them by hand, as root:  apt-get update && apt-get install -y $packages" >&2
    exit 1
fi
echo "Installing Debian packages:$missing $browser" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$missing" ]; then
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ -n "$browser" ]; then
    apt-get install -y -qq --no-install-recommends chromium >/dev/null \
        || echo "Could not install chromium: the review report's browser test will be skipped" >&2
fi
