#!/usr/bin/env bash
# Installs what the website's browser test needs, when it is missing and we may:
# Debian's Chromium (Playwright's own browser download does not work offline) and a
# Chinese font, so that screenshots of the Chinese pages show characters, not boxes.
# Never fails the build: without Chromium the browser test skips with a loud reason.
set -u

warn() {
    echo "!!! WARNING: $1" >&2
    echo "!!! tests/test_site_browser.py will be SKIPPED. Install it by hand:" >&2
    echo "!!!     apt-get install -y chromium fonts-wqy-microhei" >&2
}

has_chromium() { command -v chromium >/dev/null 2>&1; }
has_cjk_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }

if has_chromium && has_cjk_font; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    has_chromium || warn "Chromium is not installed and this system has no apt-get."
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    has_chromium || warn "Chromium is not installed and installing it needs root."
    exit 0
fi

echo "Installing Chromium and a Chinese font for the browser test (apt-get)..."
if ! { "${as_root[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
        chromium fonts-wqy-microhei >/dev/null; }; then
    has_chromium || warn "apt-get could not install Chromium."
fi
exit 0
