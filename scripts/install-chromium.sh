#!/usr/bin/env bash
# Debian's Chromium for the browser tests (playwright-core drives it; it downloads no browser itself).
# Skipped when CHROMIUM_PATH or /usr/bin/chromium already exists.
set -euo pipefail
target="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$target" ]; then exit 0; fi
sudo=""
if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
echo "[install-chromium] installing Debian chromium" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq chromium >/dev/null 2>&1 || {
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq chromium >/dev/null
}
"$target" --version >&2
