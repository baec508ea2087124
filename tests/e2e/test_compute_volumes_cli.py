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
