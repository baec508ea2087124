"""Benchmark: how long the tiny guest takes from spawn to ready through the libvirt driver, and what it costs the
host (QEMU CPU seconds to ready, host memory per guest, idle CPU). Root only (a private libvirtd is started).

    .venv/bin/python bench/libvirt_boot.py [--guests 3] [--idle 5]

Prints one line per guest and a summary. Figures depend on the machine's load; KVM vs TCG is chosen by the
driver (PLATFORM.md: TCG here).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

from lab.cloud import guest_image
from lab.cloud.drivers import load_driver
from lab.cloud.drivers.base import GuestSpec, ImageSpec, NicSpec
from lab.config import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guests", type=int, default=1, help="guests booted at once")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds to measure idle CPU after boot")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "stacklab" / "tiny-guest")
    args = parser.parse_args()

    t0 = time.monotonic()
    tiny = guest_image.build_tiny_guest(args.cache)
    print(f"tiny guest ready in {time.monotonic() - t0:.1f} s: initrd {tiny.initrd.stat().st_size / 2**20:.2f} MiB,"
          f" kernel {tiny.kernel.name}")

    data_dir = Path(tempfile.mkdtemp(prefix="sl-bench-"))
    driver = load_driver("compute", "libvirt", Settings(data_dir=data_dir, libvirt_uri="qemu:///system"),
                         private_libvirtd=True)
    try:
        t0 = time.monotonic()
        driver.start()
        print(f"private libvirtd up in {time.monotonic() - t0:.2f} s; virt_type={driver.virt_type}")
        image = ImageSpec(id="tiny", name="tiny", path=None, properties=tiny.properties)
        ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(args.guests)]
        ready_at: dict[str, float] = {}
        cpu_at_ready: dict[str, float] = {}

        def boot(server_id: str) -> None:
            start = time.monotonic()
            driver.spawn(GuestSpec(server_id=server_id, name=server_id[-4:], hostname=f"g{server_id[-2:]}",
                                   vcpus=1, ram_mb=tiny.min_ram_mb, disk_gb=0, image=image,
                                   nics=(NicSpec(port_id=server_id[-6:], mac_address="fa:16:3e:00:00:01"),)))
            deadline = start + args.timeout
            while time.monotonic() < deadline:
                if driver.is_ready(server_id):
                    ready_at[server_id] = time.monotonic() - start
                    cpu_at_ready[server_id] = driver.get_info(server_id).cpu_time_ns / 1e9
                    return
                time.sleep(0.1)

        threads = [threading.Thread(target=boot, args=(sid,)) for sid in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cpu_before = {sid: driver.get_info(sid).cpu_time_ns for sid in ids}
        time.sleep(args.idle)
        for sid in ids:
            stats = driver.guest_stats(sid)
            idle = (stats.cpu_time_ns - cpu_before[sid]) / 1e9 / args.idle * 100
            if sid in ready_at:
                print(f"guest {sid[-4:]}: spawn->ready {ready_at[sid]:.1f} s, QEMU CPU to ready "
                      f"{cpu_at_ready[sid]:.1f} s, host memory {stats.memory_used_mb} MiB, idle CPU {idle:.1f} %")
            else:
                print(f"guest {sid[-4:]}: not ready within {args.timeout:.0f} s")
        if ready_at:
            print(f"summary: {len(ready_at)}/{len(ids)} ready, mean spawn->ready "
                  f"{sum(ready_at.values()) / len(ready_at):.1f} s")
        for sid in ids:
            driver.destroy(sid)
    finally:
        driver.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
