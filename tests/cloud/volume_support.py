"""Helpers shared by the block storage API tests: URLs, creating volumes through the API, finding their files,
and stand-ins for the sibling services at the contract edge (compute and image are built on other branches)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.drivers.base import DiskSpec, ImageSpec
from lab.cloud.drivers.files import file_format, virtual_size
from lab.cloud.errors import BadRequest, NotFound


def project_of(cloud: Cloud, headers: dict[str, str]) -> str:
    project_id = cloud.identity.context_for_token(headers["X-Auth-Token"]).project_id
    assert project_id is not None
    return project_id


def url(cloud: Cloud, headers: dict[str, str], path: str) -> str:
    """/volume/v3/<the caller's project>/<path>."""
    return f"/volume/v3/{project_of(cloud, headers)}/{path}"


def create_volume(client: TestClient, cloud: Cloud, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """POST a volume, run the worker, and return it as GET shows it."""
    r = client.post(url(cloud, headers, "volumes"), headers=headers, json={"volume": {"size": 1, **fields}})
    assert r.status_code == 202, r.text
    cloud.worker.run_due()
    return show_volume(client, cloud, headers, r.json()["volume"]["id"])


def show_volume(client: TestClient, cloud: Cloud, headers: dict[str, str], volume_id: str) -> dict[str, Any]:
    r = client.get(url(cloud, headers, f"volumes/{volume_id}"), headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["volume"]  # type: ignore[no-any-return]


def create_snapshot(client: TestClient, cloud: Cloud, headers: dict[str, str], volume_id: str,
                    **fields: Any) -> dict[str, Any]:
    r = client.post(url(cloud, headers, "snapshots"), headers=headers,
                    json={"snapshot": {"volume_id": volume_id, **fields}})
    assert r.status_code == 202, r.text
    cloud.worker.run_due()
    return client.get(url(cloud, headers, f"snapshots/{r.json()['snapshot']['id']}"),
                      headers=headers).json()["snapshot"]  # type: ignore[no-any-return]


def volume_files(cloud: Cloud) -> list[Path]:
    """Every volume file the file driver holds."""
    return sorted(cloud.volume.driver.volumes_dir.iterdir())


def snapshot_files(cloud: Cloud) -> list[Path]:
    return sorted(cloud.volume.driver.snapshots_dir.iterdir())


def file_of(cloud: Cloud, volume_id: str) -> Path:
    return cloud.volume.driver.volume_info(volume_id).path  # type: ignore[no-any-return]


class ComputeStandIn:
    """Stands in for `cloud.compute` at the contract edge (attach_disk/detach_disk; the compute branch brings the
    real service, which checks the server and calls its driver). Knows some servers; records what it is asked."""

    def __init__(self, *server_ids: str):
        self.servers = set(server_ids)
        self.calls: list[tuple[str, str, Any]] = []

    def get_server(self, ctx: Any, server_id: str) -> Any:
        """A known server is one of the caller's project (what the volume package reads of the view)."""
        if server_id not in self.servers:
            raise NotFound(f"Instance {server_id} could not be found.")
        return SimpleNamespace(server=self.find_server(ctx, server_id))

    def find_server(self, ctx: Any, server_id: str) -> Any:
        """The server row of `get_server`'s view."""
        if server_id not in self.servers:
            raise NotFound(f"Instance {server_id} could not be found.")
        return SimpleNamespace(id=server_id, project_id=ctx.project_id)

    def attach_disk(self, server_id: str, disk: DiskSpec, **mapping: Any) -> None:
        if server_id not in self.servers:
            raise NotFound(f"Instance {server_id} could not be found.")
        assert disk.path.exists()
        self.calls.append(("attach", server_id, disk))

    def detach_disk(self, server_id: str, volume_id: str, **_: Any) -> None:
        if server_id not in self.servers:
            raise NotFound(f"Instance {server_id} could not be found.")
        self.calls.append(("detach", server_id, volume_id))

    def volume_mappings(self, server_id: str) -> dict[str, Any]:
        """The stand-in's servers were created with no volume."""
        return {}


class ImageStandIn:
    """Stands in for `cloud.image.image_for_boot` (the image branch brings the real Glance service)."""

    def __init__(self, images: dict[str, ImageSpec]):
        self.images = images

    def image_for_boot(self, ctx: Any, image_id: str) -> ImageSpec:
        image = self.images.get(image_id)
        if image is None:
            raise NotFound(f"Image {image_id} could not be found.")
        if image.path is None:
            raise BadRequest(f"Image {image_id} is not active.")
        return image


def write_guest(path: Path, data: bytes) -> None:
    """Write `data` at the start of a volume file as a guest would see it (qcow2 through qemu-img)."""
    size = virtual_size(path)
    if file_format(path) == "raw":
        with path.open("r+b") as f:
            f.write(data)
        return
    raw = path.with_name(path.name + ".guest")
    with raw.open("wb") as f:
        f.write(data)
        f.truncate(size)
    subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", str(raw), str(path)], check=True)
    raw.unlink()


def read_guest(path: Path, length: int) -> bytes:
    """The first `length` bytes a guest reads from a volume (or backup) file."""
    if file_format(path) == "raw":
        with path.open("rb") as f:
            return f.read(length)
    raw = path.with_name(path.name + ".read")
    subprocess.run(["qemu-img", "convert", "-q", "-f", "qcow2", "-O", "raw", str(path), str(raw)], check=True)
    try:
        with raw.open("rb") as f:
            return f.read(length)
    finally:
        raw.unlink()
