#!/usr/bin/env bash
# Install everything StackLab needs on a fresh Debian machine: apt packages (when root, or through sudo),
# then a virtual environment in .venv with StackLab and its test tools. Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

# jq, curl: the lab READMEs pick fields out of `openstack ... -f json` and talk HTTP (tests/camp/test_rehearsal.py).
# libvirt-dev + pkg-config build libvirt-python, libvirt0 runs it (the libvirt driver and its test driver);
# libvirt-daemon* + qemu-* let the real-boot test start a private libvirtd and boot the tiny guest (TCG).
APT_PACKAGES="${APT_PACKAGES:-python3 python3-venv python3-dev gcc jq curl \
  libvirt-dev pkg-config libvirt0 libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils}"
# install_missing [apt-get options] -- PACKAGE...: install the packages dpkg does not have yet.
install_missing() {
  local opts=() missing=() pkg
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done; shift
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${opts[@]}" "${missing[@]}" >/dev/null
}
# shellcheck disable=SC2086 # the package lists are meant to split
install_missing -- $APT_PACKAGES

# The classroom VM's tests (tests/deploy): vagrant + vagrant-libvirt for `vagrant validate`, openssh-server and
# sudo for the throw-away sshd. Without recommends (PLATFORM.md: ~20 s); with them apt pulled 872 packages here
# (systemd, libguestfs, a kernel) in 1 min 51 s.
APT_PACKAGES_NO_RECOMMENDS="${APT_PACKAGES_NO_RECOMMENDS:-vagrant vagrant-libvirt openssh-server sudo}"
# shellcheck disable=SC2086
install_missing --no-install-recommends -- $APT_PACKAGES_NO_RECOMMENDS

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.stacklab-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing StackLab, its test tools and JupyterLab into .venv"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test,libvirt,vm,notebooks]"
  # tempest's response schemas (pure data) for the renderer tests (tests/api_schemas.py); its dependencies are
  # not needed for those modules, and the tempest runs themselves use .venv-tempest (tempest and
  # heat-tempest-plugin, installed by scripts/tempest-venv.sh when the tempest test first needs them).
  .venv/bin/pip install -q --no-deps "tempest>=40"
  touch "$stamp"
fi
