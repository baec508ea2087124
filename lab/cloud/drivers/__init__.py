"""Drivers are chosen by name from one registry of lazily imported "module:Class" strings, so optional
dependencies (libvirt-python) are only imported by the labs that use them."""

from __future__ import annotations

import importlib
from typing import Any

from lab.config import Settings

REGISTRY: dict[str, dict[str, str]] = {
    "compute": {
        "fake": "lab.cloud.drivers.fake:FakeComputeDriver",
        "libvirt": "lab.cloud.drivers.libvirt:LibvirtComputeDriver",
    },
    "network": {
        "linux": "lab.cloud.drivers.linux:LinuxNetworkDriver",
        "logical": "lab.cloud.drivers.logical:LogicalNetworkDriver",
    },
    "volume": {
        "file": "lab.cloud.drivers.files:FileVolumeDriver",
    },
}


def load_driver(kind: str, name: str, settings: Settings, **options: Any) -> Any:
    """An instance of the `kind` driver called `name`, with its own directory under the data directory.

    Raises ValueError naming the known drivers when `name` is unknown.
    """
    known = REGISTRY.get(kind, {})
    if name not in known:
        raise ValueError(f"unknown {kind} driver {name!r}; choose one of: {', '.join(sorted(known))}")
    module, _, cls = known[name].partition(":")
    driver_class = getattr(importlib.import_module(module), cls)
    data_dir = settings.data_dir / f"{kind}-{name}"
    data_dir.mkdir(parents=True, exist_ok=True)
    return driver_class(data_dir, settings=settings, **options)
