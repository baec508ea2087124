#!/usr/bin/env bash
# Install everything StackLab needs on a fresh Debian machine: apt packages (when root, or through sudo),
# then a virtual environment in .venv with StackLab and its test tools. Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

# jq, curl: the lab READMEs pick fields out of `openstack ... -f json` and talk HTTP (tests/camp/test_rehearsal.py).
# libvirt-dev + pkg-config build libvirt-python, libvirt0 runs it (the libvirt driver and its test driver);
# libvirt-daemon* + qemu-* let the real-boot test start a private libvirtd and boot the tiny guest (TCG).
# dnsmasq-base, nftables, iptables (security groups: iptables-restore), iproute2, procps (sysctl), busybox-static
# (udhcpc in the stand-in guests), iputils-ping: the linux network driver and its root tests.
# libpcre3-dev: pyScss (Horizon's SCSS compiler) builds its C scanner with it; without it its pure-Python
# fallback fails on Python 3.11. chromium + chromium-driver: the dashboard's browser test (headless, selenium).
APT_PACKAGES="${APT_PACKAGES:-python3 python3-venv python3-dev gcc jq curl \
  libvirt-dev pkg-config libvirt0 libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils \
  dnsmasq-base nftables iptables iproute2 procps busybox-static iputils-ping libpcre3-dev}"
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
APT_PACKAGES_NO_RECOMMENDS="${APT_PACKAGES_NO_RECOMMENDS:-vagrant vagrant-libvirt openssh-server sudo chromium chromium-driver}"
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
  # not needed for those modules, and the tempest runs themselves use .venv-tempest (tempest, heat-tempest-plugin and
  # octavia-tempest-plugin, installed by scripts/tempest-venv.sh when the tempest test first needs them).
  .venv/bin/pip install -q --no-deps "tempest>=40"
  touch "$stamp"
fi

# Keystone's own response schemas (keystone/*/schema.py, pure data; tempest has none for identity) for the
# identity renderer tests (tests/keystone_schemas.py). Keystone's modules import its configuration and server
# libraries, so Keystone goes, with its dependencies, into a folder of its own that only those tests' subprocess
# puts on its path.
ks_stamp=.venv-keystone-schemas/.stacklab-installed
if [ ! -f "$ks_stamp" ]; then
  echo "setup: installing Keystone's response schemas into .venv-keystone-schemas"
  .venv/bin/pip install -q --target .venv-keystone-schemas "keystone>=27"
  touch "$ks_stamp"
fi

# The dashboard (`stacklab dashboard`): OpenStack's Horizon, Zed release, in a virtual environment of its own, as
# its Django 3.2 and client pins are not the lab's. The constraints file holds the versions Zed was tested with.
# Its static files are then collected and compressed once (stacklab-static/ inside that environment).
dash_stamp=.venv-dashboard/.stacklab-installed
if [ ! -f "$dash_stamp" ] || [ scripts/dashboard-constraints.txt -nt "$dash_stamp" ]; then
  echo "setup: installing Horizon (the dashboard) into .venv-dashboard"
  [ -x .venv-dashboard/bin/python ] || "$PYTHON" -m venv .venv-dashboard
  export PIP_CONSTRAINT="$PWD/scripts/dashboard-constraints.txt"
  # pyScss from its source, never a cached wheel: one built before libpcre3-dev was there lacks the C scanner.
  .venv-dashboard/bin/python -c "import scss.grammar._scanner" 2>/dev/null || \
    .venv-dashboard/bin/pip install -q --force-reinstall --no-cache-dir --no-binary pyScss pyScss
  .venv-dashboard/bin/python -c "import scss.grammar._scanner"  # fails the setup loudly if it did not build
  .venv-dashboard/bin/pip install -q "horizon==23.0.0" gunicorn whitenoise
  unset PIP_CONSTRAINT
  tmp_lab="$(mktemp -d)"
  .venv/bin/stacklab dashboard --prepare-only --data-dir "$tmp_lab/lab" >/dev/null
  rm -rf "$tmp_lab"
  touch "$dash_stamp"
fi

# The browser consoles' files, served by the lab at /compute/console/static/: xterm.js (the serial terminal)
# and noVNC (the VNC screen of libvirt guests), from the npm registry into vendor/node_modules (gitignored;
# vendor/package.json pins the versions). Never fetched at run time: without them the console page falls back
# (no noVNC: the serial terminal; no xterm.js: plain text), so a machine without npm still runs every test.
xterm_js=vendor/node_modules/@xterm/xterm/lib/xterm.js
novnc_js=vendor/node_modules/@novnc/novnc/core/rfb.js
if [ ! -f "$xterm_js" ] || [ ! -f "$novnc_js" ] || [ vendor/package.json -nt "$xterm_js" ] \
    || [ vendor/package.json -nt "$novnc_js" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "setup: installing xterm.js and noVNC (the browser consoles) into vendor/node_modules"
    if npm install --prefix vendor --no-audit --no-fund --silent; then
      touch "$xterm_js" "$novnc_js"
    else
      echo "setup: warning: npm could not install xterm.js and noVNC; the browser console stays a plain-text" \
        "page (rerun to retry)"
    fi
  else
    echo "setup: warning: npm not found; the browser console will be a plain-text page (apt-get install npm," \
      "then rerun)"
  fi
fi
