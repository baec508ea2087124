#!/usr/bin/env bash
# The real `vagrant up` end-to-end run (tests/deploy/test_vagrant_up_e2e.py), meant to run as root inside
# `unshare --net --mount --fork`: a private libvirtd (PLATFORM.md: started by hand, private /run/libvirt,
# /var/lib/libvirt, /var/log/libvirt, /etc/libvirt), a `default` storage pool, then `vagrant up` of a copy of
# vagrant/Vagrantfile, the API and the dashboard's login page checked through the forwarded ports,
# `vagrant reload` (state must survive), destroy.
# Prints `TIMING <name> <seconds>` lines. Argument: a work directory.
set -euo pipefail
work="$1"; src="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$work/vm"
mount --make-rprivate /
for d in /run/libvirt /var/lib/libvirt /var/log/libvirt /etc/libvirt; do mkdir -p "$d"; mount -t tmpfs tmpfs "$d"; done
ip link set lo up
# libvirt 9 resolves this user before it reads qemu.conf (libvirt-daemon-system would create it).
getent passwd libvirt-qemu >/dev/null || useradd --system --no-create-home --shell /usr/sbin/nologin libvirt-qemu
cat > /etc/libvirt/qemu.conf <<'CONF'
user = "root"
group = "root"
security_driver = "none"
stdio_handler = "file"
CONF
cat > /etc/libvirt/libvirtd.conf <<'CONF'
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
CONF
libvirtd --daemon --pid-file "$work/libvirtd.pid"
cleanup() {
  # A failed run: destroy through Vagrant first, which also ends its SSH port-forwarding processes.
  [ -d "$work/vm/.vagrant/machines/default/libvirt" ] && (cd "$work/vm" && vagrant destroy -f >/dev/null 2>&1) || true
  for dom in $(virsh -c qemu:///system list --all --name 2>/dev/null); do
    virsh -c qemu:///system destroy "$dom" >/dev/null 2>&1 || true
  done
  [ -f "$work/libvirtd.pid" ] && kill "$(cat "$work/libvirtd.pid")" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do [ -S /run/libvirt/libvirt-sock ] && break; sleep 0.1; done
virsh -c qemu:///system pool-define-as default dir --target /var/lib/libvirt/images >/dev/null
virsh -c qemu:///system pool-build default >/dev/null
virsh -c qemu:///system pool-start default >/dev/null

cp "$src/vagrant/Vagrantfile" "$work/vm/Vagrantfile"
cd "$work/vm"
export STACKLAB_BIN="$src/.venv/bin/stacklab" VAGRANT_DEFAULT_PROVIDER=libvirt
t0=$(date +%s.%N)
vagrant up --provider=libvirt
t1=$(date +%s.%N); echo "TIMING up $(echo "$t1 - $t0" | bc)"
vagrant status --machine-readable > "$work/status-running.txt"
vagrant ssh-config > "$work/ssh-config.txt"
code=$(python3 -c 'import urllib.request, urllib.error
try: urllib.request.urlopen("http://127.0.0.1:8780/identity", timeout=10); print(200)
except urllib.error.HTTPError as e: print(e.code)')
echo "API through the forwarded port: $code"; [ "$code" = 300 ]
code=$(python3 -c 'import urllib.request, urllib.error
try: print(urllib.request.urlopen("http://127.0.0.1:8781/auth/login/", timeout=30).status)
except urllib.error.HTTPError as e: print(e.code)')
echo "dashboard through the forwarded port: $code"; [ "$code" = 200 ]
t0=$(date +%s.%N)
vagrant provision | tee "$work/provision-again.txt"
grep -q "changed=0" "$work/provision-again.txt"
t1=$(date +%s.%N); echo "TIMING provision-again $(echo "$t1 - $t0" | bc)"
t0=$(date +%s.%N)
vagrant reload
t1=$(date +%s.%N); echo "TIMING reload $(echo "$t1 - $t0" | bc)"
code=$(python3 -c 'import urllib.request, urllib.error
try: urllib.request.urlopen("http://127.0.0.1:8780/identity", timeout=10); print(200)
except urllib.error.HTTPError as e: print(e.code)')
echo "API after reload: $code"; [ "$code" = 300 ]
t0=$(date +%s.%N)
vagrant destroy -f
t1=$(date +%s.%N); echo "TIMING destroy $(echo "$t1 - $t0" | bc)"
