#!/usr/bin/env bash
# Install everything StackLab needs on a fresh Debian machine: apt packages (when root, or through sudo),
# then a virtual environment in .venv with StackLab and its test tools. Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="${APT_PACKAGES:-python3 python3-venv python3-dev gcc}"
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

# The classroom VM's tests (tests/deploy): vagrant + vagrant-libvirt for `vagrant validate`, openssh-server and
# sudo for the throw-away sshd. Without recommends (PLATFORM.md: ~20 s); with them apt pulled 872 packages here
# (systemd, libguestfs, a kernel) in 1 min 51 s.
APT_PACKAGES_NO_RECOMMENDS="${APT_PACKAGES_NO_RECOMMENDS:-vagrant vagrant-libvirt openssh-server sudo}"
missing=()
for pkg in $APT_PACKAGES_NO_RECOMMENDS; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages (no recommends): ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
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
  .venv/bin/pip install -q -e ".[test,vm]"
  touch "$stamp"
fi
