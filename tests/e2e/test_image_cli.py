"""Images end to end: the real `openstack` CLI and openstacksdk against a live cloud, checking the stored file
on disk at each step."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def stored(live_cloud: LiveCloud, image_id: str) -> Path:
    return live_cloud.data_dir / "images" / image_id


def test_cli_image_lifecycle(live_cloud: LiveCloud, unique: Callable[[str], str], tmp_path: Path) -> None:
    """image create --file / list / show / set --property / save / delete, as the demo project's member."""
    name = unique("cli-img")
    data = os.urandom(300_000)
    source = tmp_path / "disk.qcow2"
    source.write_bytes(data)
    md5 = hashlib.md5(data).hexdigest()

    created = json.loads(live_cloud.openstack(
        "image", "create", "--file", str(source), "--disk-format", "qcow2", "--container-format", "bare",
        name, "-f", "json", user="demo", project="demo").stdout)
    assert created["name"] == name and created["status"] == "active"
    assert created["checksum"] == md5 and created["size"] == len(data)
    path = stored(live_cloud, created["id"])
    assert path.stat().st_size == len(data) and hashlib.md5(path.read_bytes()).hexdigest() == md5

    listed = json.loads(live_cloud.openstack("image", "list", "-f", "json", user="demo", project="demo").stdout)
    names = {row["Name"]: row for row in listed}
    assert names[name]["ID"] == created["id"] and names[name]["Status"] == "active"
    assert "cirros" in names

    live_cloud.openstack("image", "set", "--property", "os_distro=cirros", "--property", "lab=one", name,
                         user="demo", project="demo")
    shown = json.loads(live_cloud.openstack("image", "show", name, "-f", "json", user="demo",
                                            project="demo").stdout)
    assert shown["id"] == created["id"] and shown["disk_format"] == "qcow2"
    assert shown["properties"]["os_distro"] == "cirros" and shown["properties"]["lab"] == "one"

    out = tmp_path / "saved.img"
    live_cloud.openstack("image", "save", "--file", str(out), name, user="demo", project="demo")
    assert out.read_bytes() == data

    live_cloud.openstack("image", "delete", name, user="demo", project="demo")
    gone = live_cloud.openstack("image", "show", name, user="demo", project="demo", check=False)
    assert gone.returncode == 1 and f"No Image found for {name}" in gone.stderr
    assert not path.exists()


def test_cli_member_cannot_create_a_public_image(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    name = unique("cli-pub")
    r = live_cloud.openstack("image", "create", "--public", "--disk-format", "raw", name, user="demo",
                             project="demo", check=False)
    assert r.returncode == 1
    assert "403" in r.stderr and "You are not authorized to complete publicize_image action." in r.stderr
    listed = json.loads(live_cloud.openstack("image", "list", "--name", name, "-f", "json").stdout)
    assert listed == []


def test_cli_show_unknown_image(live_cloud: LiveCloud) -> None:
    r = live_cloud.openstack("image", "show", "no-such-image", check=False)
    assert r.returncode == 1 and "No Image found for no-such-image" in r.stderr


def test_sdk_images(live_cloud: LiveCloud, unique: Callable[[str], str], tmp_path: Path) -> None:
    """images(), find_image("cirros"), create_image with a file, download, delete."""
    conn = live_cloud.sdk("demo", "demo")
    try:
        assert "cirros" in {img.name for img in conn.image.images()}
        cirros = conn.image.find_image("cirros")
        assert cirros is not None and cirros.visibility == "public" and cirros.disk_format == "qcow2"

        name = unique("sdk-img")
        data = os.urandom(70_000)
        source = tmp_path / "sdk.raw"
        source.write_bytes(data)
        img = conn.create_image(name, filename=str(source), disk_format="raw", container_format="bare",
                                wait=True, timeout=60)
        assert img.status == "active" and img.size == len(data)
        assert img.checksum == hashlib.md5(data).hexdigest()
        assert stored(live_cloud, img.id).read_bytes() == data

        assert conn.image.download_image(img).content == data
        found = conn.image.find_image(name)
        assert found is not None and found.id == img.id

        conn.image.delete_image(img)
        assert conn.image.find_image(name) is None
        assert not stored(live_cloud, img.id).exists()
    finally:
        conn.close()
