#!/bin/sh
# Installs the Debian packages fairaudit needs to build and test, when they are missing.
# Quiet and fast when everything is there (one dpkg-query); needs root (or sudo) otherwise.
set -eu
PKGS="gcc make pkg-config libgsl-dev libcjson-dev libhpdf-dev libcmocka-dev fonts-dejavu-core poppler-utils qpdf"
if [ "${1:-}" = "--with-extras" ]; then
    # clang for the second-compiler build, valgrind and cppcheck for hardening
    PKGS="$PKGS clang libomp-dev libclang-rt-14-dev cppcheck clang-tidy valgrind clang-format"
fi
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-deps: missing packages:$missing (run as root: apt-get install$missing)" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
