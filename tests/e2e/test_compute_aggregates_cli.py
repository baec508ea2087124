"""Host aggregates, server tags and a flavor's description through the real `openstack` CLI against a live
lab: `aggregate create --zone --property`, `aggregate add host`, `aggregate show`, `aggregate remove
host/delete`, `server set --tag`, `server list --tag`, `flavor set --description`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def cli_json(live: LiveCloud, *args: str, user: str = "admin") -> Any:
    return json.loads(live.openstack(*args, "-f", "json", user=user).stdout)


def test_aggregates_tags_and_flavor_description(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    live, sdk = live_cloud, live_cloud.sdk("demo")
    name = unique("agg")
    host = next(live.sdk("admin").compute.hypervisors()).name
    created = cli_json(live, "aggregate", "create", "--zone", "az1", "--property", "ssd=true", name)
    assert created["properties"] == {"availability_zone": "az1", "ssd": "true"}  # Nova keeps the zone there
    live.openstack("aggregate", "add", "host", name, host)
    shown = cli_json(live, "aggregate", "show", name)
    assert shown["hosts"] == [host] and shown["availability_zone"] == "az1"
    live.openstack("aggregate", "remove", "host", name, host)
    live.openstack("aggregate", "delete", name)

    server = unique("tagged")
    made = sdk.compute.create_server(name=server, flavor_id="1", image_id=sdk.image.find_image("cirros").id,
                                     networks="none")
    sdk.compute.wait_for_server(made, interval=0.3, wait=60)
    live.openstack("server", "set", "--tag", "prod", "--tag", "web", server, user="demo")
    listed = cli_json(live, "server", "list", "--tag", "prod", user="demo")
    assert [s["Name"] for s in listed] == [server]
    assert sorted(sdk.compute.get_server(made.id).tags) == ["prod", "web"]
    sdk.compute.delete_server(made)

    live.openstack("flavor", "set", "--description", "for tests", "m1.tiny")
    assert sdk.compute.find_flavor("m1.tiny").description == "for tests"
