"""Block storage with the real clients against a live cloud: the `openstack` CLI user story (create, list, show,
extend, snapshot, volume from snapshot / source / image, delete rules, types, quotas, limits), openstacksdk, and
the attach story through compute (which runs where the lab has a compute service)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lab.cloud.drivers.files import GIB, virtual_size
from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def wait_for(check: Callable[[], Any], what: str, tries: int = 150) -> Any:
    """Poll `check` until it returns something truthy (bounded: tries x 0.1 s)."""
    for _ in range(tries):
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def cli_json(lab: LiveCloud, *args: str, user: str = "demo") -> Any:
    return json.loads(lab.openstack(*args, "-f", "json", user=user).stdout)


_SDK: dict[str, Any] = {}


def volume_status(lab: LiveCloud, name: str, wanted: str) -> dict[str, Any] | None:
    """The volume (as a dict) once its status is `wanted`. Polls with openstacksdk: a CLI run costs seconds."""
    conn = _SDK.get(lab.url) or _SDK.setdefault(lab.url, lab.sdk("demo"))
    volume = conn.block_storage.find_volume(name, ignore_missing=False)
    return volume.to_dict() if volume.status == wanted else None


def snapshot_status(lab: LiveCloud, name: str, wanted: str) -> bool:
    conn = _SDK.get(lab.url) or _SDK.setdefault(lab.url, lab.sdk("demo"))
    snapshot = conn.block_storage.find_snapshot(name, ignore_missing=False)
    return bool(snapshot.status == wanted)


def volume_file(lab: LiveCloud, volume_id: str) -> Path | None:
    found = list((lab.data_dir / "volume-file" / "volumes").glob(f"volume-{volume_id}.*"))
    return found[0] if found else None


def has_service(lab: LiveCloud, service_type: str) -> bool:
    """Whether the token's catalog lists the service (asked through openstacksdk: no CLI start-up cost)."""
    return bool(lab.sdk("demo").has_service(service_type))


def test_volume_cli_story(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """create -> available with a real file; set --size extends it; snapshot; volumes from snapshot and source;
    delete refused with snapshots (Cinder's message); deletes free the files."""
    lab = live_cloud
    v1, s1, v2, v3 = unique("v1"), unique("s1"), unique("v2"), unique("v3")
    created = cli_json(lab, "volume", "create", "--size", "1", v1)
    assert created["name"] == v1 and created["size"] == 1
    shown = wait_for(lambda: volume_status(lab, v1, "available"), f"{v1} available")
    path = volume_file(lab, shown["id"])
    assert path is not None and virtual_size(path) == 1 * GIB
    assert v1 in [row["Name"] for row in cli_json(lab, "volume", "list")]

    lab.openstack("volume", "set", "--size", "2", v1, user="demo")
    wait_for(lambda: (s := volume_status(lab, v1, "available")) and s["size"] == 2, f"{v1} extended")
    assert virtual_size(path) == 2 * GIB

    snap = cli_json(lab, "volume", "snapshot", "create", "--volume", v1, s1)
    assert snap["name"] == s1
    wait_for(lambda: snapshot_status(lab, s1, "available"), f"{s1} available")
    assert s1 in [row["Name"] for row in cli_json(lab, "volume", "snapshot", "list")]

    cli_json(lab, "volume", "create", "--snapshot", s1, v2)
    cli_json(lab, "volume", "create", "--source", v1, v3)
    for name in (v2, v3):
        done = wait_for(lambda n=name: volume_status(lab, n, "available"), f"{name} available")
        assert done["size"] == 2 and volume_file(lab, done["id"]) is not None

    refused = lab.openstack("volume", "delete", v1, user="demo", check=False)
    assert refused.returncode == 1
    assert "Invalid volume: Volume status must be available or error" in refused.stderr
    assert "have snapshots" in refused.stderr

    lab.openstack("volume", "snapshot", "delete", s1, user="demo")
    conn = lab.sdk("demo")
    wait_for(lambda: conn.block_storage.find_snapshot(s1) is None, f"{s1} deleted")
    ids = [conn.block_storage.find_volume(n, ignore_missing=False).id for n in (v1, v2, v3)]
    lab.openstack("volume", "delete", v1, v2, v3, user="demo")
    wait_for(lambda: all(volume_file(lab, i) is None for i in ids), "volume files removed")
    names = [row["Name"] for row in cli_json(lab, "volume", "list")]
    assert not {v1, v2, v3} & set(names)


def test_bad_size_is_refused_by_the_cloud(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """The SDK passes size 0 through; the CLI shows Cinder's message and nothing is created."""
    conn = live_cloud.sdk("demo")
    name = unique("zero")
    from openstack import exceptions

    with pytest.raises(exceptions.BadRequestException, match="0 is less than the minimum of 1"):
        conn.block_storage.create_volume(size=0, name=name)
    assert not [v for v in conn.block_storage.volumes() if v.name == name]


def test_types_quota_and_limits(live_cloud: LiveCloud) -> None:
    lab = live_cloud
    assert "__DEFAULT__" in [row["Name"] for row in cli_json(lab, "volume", "type", "list")]
    assert "__DEFAULT__" in [row["Name"] for row in cli_json(lab, "volume", "type", "list", user="admin")]
    quota = {row["Resource"]: row["Limit"] for row in cli_json(lab, "quota", "show", "--volume")}
    assert (quota["volumes"], quota["snapshots"], quota["gigabytes"]) == (10, 10, 1000)
    limits = {row["Name"]: row["Value"] for row in cli_json(lab, "limits", "show", "--absolute")}
    assert limits["max_total_volumes"] == 10 and limits["max_total_volume_gigabytes"] == 1000


def test_sdk_create_wait_delete(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    conn = live_cloud.sdk("demo")
    volume = conn.block_storage.create_volume(size=1, name=unique("sdk"))
    volume = conn.block_storage.wait_for_status(volume, status="available", interval=0.2, wait=30)
    assert volume.size == 1 and volume.attachments == []
    conn.block_storage.delete_volume(volume)
    conn.block_storage.wait_for_delete(volume, interval=0.2, wait=30)
    assert volume_file(live_cloud, volume.id) is None


def test_volume_from_image_cli(live_cloud: LiveCloud, unique: Callable[[str], str], tmp_path: Path) -> None:
    """volume create --image: the image's bytes are copied and the volume is bootable."""
    lab = live_cloud
    assert has_service(lab, "image")
    image_file = tmp_path / "tiny.raw"
    image_file.write_bytes(b"bootable bytes" * 4096)
    image = unique("img")
    lab.openstack("image", "create", "--file", str(image_file), "--disk-format", "raw", "--container-format",
                  "bare", image, user="demo")
    name = unique("boot")
    cli_json(lab, "volume", "create", "--image", image, "--size", "1", name)
    shown = wait_for(lambda: volume_status(lab, name, "available"), f"{name} available")
    assert shown["is_bootable"] in (True, "true")
    lab.openstack("volume", "delete", name, user="demo")


def test_attach_story_through_compute(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """server add volume -> in-use at /dev/vdb, shown on both sides; delete refused while attached; a snapshot of
    the in-use volume is refused at the CLI's default (the SDK sends snapshots at 3.65, where Cinder needs force,
    while the CLI drops --force once the cloud speaks 3.66) and made at 3.66 (no force needed) or at 3.0 with
    --force; server remove volume -> available; deleting the server frees an attached volume."""
    lab = live_cloud
    assert has_service(lab, "compute") and has_service(lab, "image")
    flavor = cli_json(lab, "flavor", "list")[0]["Name"]
    image = "cirros"  # the bootstrap image
    vm, vol = unique("vm"), unique("vol")
    lab.openstack("server", "create", "--flavor", flavor, "--image", image, "--network", "private", "--wait", vm,
                  user="demo")
    cli_json(lab, "volume", "create", "--size", "1", vol)
    vol_id = wait_for(lambda: volume_status(lab, vol, "available"), f"{vol} available")["id"]

    lab.openstack("server", "add", "volume", vm, vol, user="demo")
    shown = wait_for(lambda: volume_status(lab, vol, "in-use"), f"{vol} in-use")
    (attachment,) = shown["attachments"]
    assert attachment["device"] == "/dev/vdb"
    server = cli_json(lab, "server", "show", vm)
    assert vol_id in json.dumps(server.get("volumes_attached"))

    refused = lab.openstack("volume", "delete", vol, user="demo", check=False)
    assert refused.returncode == 1 and "Invalid volume" in refused.stderr
    no_force = lab.openstack("volume", "snapshot", "create", "--volume", vol, unique("s"), user="demo", check=False)
    assert no_force.returncode == 1 and "status must be available" in no_force.stderr
    forced, old_style = unique("s"), unique("s")
    lab.openstack("--os-volume-api-version", "3.66", "volume", "snapshot", "create", "--volume", vol, forced,
                  user="demo")
    lab.openstack("--os-volume-api-version", "3.0", "volume", "snapshot", "create", "--force", "--volume", vol,
                  old_style, user="demo")

    lab.openstack("server", "remove", "volume", vm, vol, user="demo")
    wait_for(lambda: volume_status(lab, vol, "available"), f"{vol} available after detach")

    lab.openstack("server", "add", "volume", vm, vol, user="demo")
    wait_for(lambda: volume_status(lab, vol, "in-use"), f"{vol} in-use again")
    lab.openstack("server", "delete", "--wait", vm, user="demo")
    shown = wait_for(lambda: volume_status(lab, vol, "available"), f"{vol} freed by the server's delete")
    assert shown["attachments"] == [] and volume_file(lab, vol_id) is not None
    lab.openstack("volume", "snapshot", "delete", forced, old_style, user="demo")
