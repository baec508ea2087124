"""Boot from volume through the real `openstack` CLI against a live lab: `server create --boot-from-volume SIZE
--delete-on-termination` (a root volume made from the image, deleted with the server), `server create
--volume` (an existing volume, kept), and 2.93's rebuild of a volume-backed server (`--reimage-boot-volume`).
The waits are openstacksdk's with a short interval (the CLI's `--wait` polls every 5 s)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def cli_json(live: LiveCloud, *args: str, user: str = "demo") -> Any:
    return json.loads(live.openstack(*args, "-f", "json", user=user).stdout)


def test_boot_from_volume_rebuild_and_delete_on_termination(live_cloud: LiveCloud,
                                                             unique: Callable[[str], str]) -> None:
    live, sdk = live_cloud, live_cloud.sdk("demo")
    name, volume_name, kept = unique("bfv"), unique("root"), unique("fromvol")
    # On `private` by name: the session's shared lab may give demo a second network (then no default is Nova's 409).
    created = cli_json(live, "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--boot-from-volume",
                       "1", "--delete-on-termination", "--network", "private", name)
    sdk.compute.wait_for_server(sdk.compute.get_server(created["id"]), interval=0.3, wait=60)
    shown = cli_json(live, "server", "show", name)
    assert shown["image"] == "N/A (booted from volume)"
    (attached,) = shown["volumes_attached"]
    volume = sdk.block_storage.get_volume(attached["id"])
    assert (volume.status, volume.size, volume.is_bootable) == ("in-use", 1, True)
    assert volume.attachments[0]["device"] == "/dev/vda"
    live.openstack("server", "rebuild", "--image", "cirros", "--reimage-boot-volume", name, user="demo")
    sdk.compute.wait_for_server(sdk.compute.get_server(created["id"]), interval=0.3, wait=60)
    live.openstack("server", "delete", name, user="demo")
    sdk.block_storage.wait_for_delete(volume, interval=0.3, wait=60)  # delete_on_termination

    live.openstack("volume", "create", "--image", "cirros", "--size", "1", volume_name, user="demo")
    sdk.block_storage.wait_for_status(sdk.block_storage.find_volume(volume_name), "available", interval=0.3,
                                      wait=60)
    server = cli_json(live, "server", "create", "--flavor", "m1.tiny", "--volume", volume_name, "--network",
                      "private", kept)
    sdk.compute.wait_for_server(sdk.compute.get_server(server["id"]), interval=0.3, wait=60)
    assert sdk.block_storage.find_volume(volume_name).status == "in-use"
    live.openstack("server", "delete", kept, user="demo")
    sdk.block_storage.wait_for_status(sdk.block_storage.find_volume(volume_name), "available", interval=0.3,
                                      wait=60)
    sdk.block_storage.delete_volume(sdk.block_storage.find_volume(volume_name))


def test_image_of_a_volume_backed_server_snapshots_its_volume_and_boots(live_cloud: LiveCloud,
                                                                         unique: Callable[[str], str]) -> None:
    """`server image create` of a volume-backed server (Nova's snapshot_volume_backed): an active image of size 0
    whose block_device_mapping names a snapshot of the root volume; `server create --image` of it boots a new
    server on a new volume made from that snapshot. openstacksdk's create_server_image does the same."""
    live, sdk = live_cloud, live_cloud.sdk("demo")
    name, snap, clone, sdk_snap = unique("bfvs"), unique("bfvsnap"), unique("bfvclone"), unique("sdksnap")
    created = cli_json(live, "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--boot-from-volume",
                       "1", "--delete-on-termination", "--network", "private", name)
    sdk.compute.wait_for_server(sdk.compute.get_server(created["id"]), interval=0.3, wait=60)
    root = cli_json(live, "server", "show", name)["volumes_attached"][0]["id"]
    live.openstack("server", "image", "create", "--name", snap, name, user="demo")
    image = cli_json(live, "image", "show", snap)
    props = image["properties"]
    assert (image["status"], image["size"], props["image_type"], props["instance_uuid"], props["bdm_v2"],
            props["root_device_name"]) == ("active", 0, "snapshot", created["id"], "True", "/dev/vda")
    mapping = props["block_device_mapping"]
    (bdm,) = json.loads(mapping) if isinstance(mapping, str) else mapping
    assert (bdm["source_type"], bdm["boot_index"]) == ("snapshot", 0)
    snapshot = sdk.block_storage.get_snapshot(bdm["snapshot_id"])
    assert snapshot.volume_id == root
    sdk.block_storage.wait_for_status(snapshot, "available", interval=0.3, wait=60)

    booted = cli_json(live, "server", "create", "--flavor", "m1.tiny", "--image", snap, "--network", "private",
                      clone)
    sdk.compute.wait_for_server(sdk.compute.get_server(booted["id"]), interval=0.3, wait=60)
    (attached,) = cli_json(live, "server", "show", clone)["volumes_attached"]
    volume = sdk.block_storage.get_volume(attached["id"])
    assert (volume.id != root, volume.snapshot_id, volume.status) == (True, bdm["snapshot_id"], "in-use")

    by_sdk = sdk.compute.create_server_image(created["id"], sdk_snap, wait=True, timeout=60)
    assert (by_sdk.status, by_sdk.size) == ("active", 0)
    for server in (name, clone):
        live.openstack("server", "delete", "--wait", server, user="demo")
    for image_name in (snap, sdk_snap):
        live.openstack("image", "delete", image_name, user="demo")
