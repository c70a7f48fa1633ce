#!/bin/sh
# setup.sh: install the Debian 12 packages Cairn needs to build, run and test.
# Idempotent: installs only what is missing. Must run as root (or via sudo).
set -eu

PKGS="build-essential cmake pkg-config git ca-certificates
libuv1-dev libsqlite3-dev libsodium-dev libmsgpack-dev libinih-dev libjansson-dev
libcmocka-dev clang clang-format libclang-rt-14-dev sqlite3 procps coreutils python3
zlib1g-dev libqrencode-dev libpng-dev
libncurses-dev
rsync socat iproute2
groff-base adduser tzdata"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
# Node.js runs the Open Badges interop test only (tests/interop), never the product. A machine
# may already have a node that bundles npm (NodeSource's nodejs); Debian's npm package would
# conflict with it, so each is installed only when its command is missing.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages:$missing; run as root to install them" >&2
    exit 1
fi

echo "setup: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/dev/null
