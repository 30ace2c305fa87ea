#!/bin/sh
# Installs Debian's chromium (used by the headless browser tests of the /sync/ page through
# playwright-core) unless it is already there. Idempotent; needs root or sudo for apt-get.
set -eu
if [ -x /usr/bin/chromium ]; then
  /usr/bin/chromium --version
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version
