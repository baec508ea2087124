"""Driver fixtures: a driver by name with its own data directory; libvirt on a fresh test:///<file>.xml node."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.cloud.drivers import load_driver
from lab.config import Settings

# libvirt's test driver: `test:///<absolute path>` gives every open() a private, fresh hypervisor from the file.
EMPTY_NODE = "<node>\n</node>\n"


@pytest.fixture
def make_driver(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Factory: `make_driver("libvirt")` -> a started compute driver in tmp_path; closed after the test."""
    made: list[Any] = []

    def make(name: str, **options: Any) -> Any:
        node = tmp_path / f"node-{len(made)}.xml"
        node.write_text(EMPTY_NODE)
        settings = Settings(data_dir=tmp_path / "lab", boot_seconds=0.0, libvirt_uri=f"test://{node}")
        driver = load_driver("compute", name, settings, **options)
        driver.start()
        made.append(driver)
        return driver

    yield make
    for driver in made:
        driver.close()
