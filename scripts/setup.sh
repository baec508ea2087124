#!/usr/bin/env bash
# Install everything StackLab needs on a fresh Debian machine: apt packages (when root, or through sudo),
# then a virtual environment in .venv with StackLab and its test tools. Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

# libvirt-dev + pkg-config build libvirt-python, libvirt0 runs it (the libvirt driver and its test driver);
# libvirt-daemon* + qemu-* let the real-boot test start a private libvirtd and boot the tiny guest (TCG).
APT_PACKAGES="${APT_PACKAGES:-python3 python3-venv python3-dev gcc \
  libvirt-dev pkg-config libvirt0 libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils}"
missing=()
for pkg in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.stacklab-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing StackLab and its test tools into .venv"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test,libvirt]"
  touch "$stamp"
fi
