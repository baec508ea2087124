"""Monitoring and alarms with the real clients against a live cloud: `openstack metric ...` (gnocchiclient)
reads the CPU measures the collector made for a server booted with openstacksdk, and `openstack alarm ...`
(aodhclient) creates a threshold alarm on it, sets its state (finding it by name), shows its history and
deletes it. (The evaluator firing as the clock advances is tested in-process, in
tests/cloud/test_alarming_api.py: this shared lab's clock is left alone.)"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import LiveCloud
from tests.e2e.test_compute_cli import sdk_server

pytestmark = pytest.mark.e2e


def cli_json(lab: LiveCloud, *args: str) -> Any:
    return json.loads(lab.openstack(*args, "-f", "json", user="demo").stdout)


def wait_for_resource(lab: LiveCloud, token: str, server_id: str) -> None:
    """The collector runs every 5 s: wait (bounded) until it made the server's resource and first sample."""
    url = f"{lab.url}/metric/v1/resource/instance/{server_id}/metric/cpu_util/measures"
    for _ in range(150):
        r = httpx.get(url, headers={"X-Auth-Token": token}, timeout=5)
        if r.status_code == 200 and r.json():
            return
        time.sleep(0.2)
    raise AssertionError(f"no measures for {server_id}: {r.status_code} {r.text}")


def test_metric_and_alarm_cli(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    lab, name = live_cloud, unique("mon")
    conn = lab.sdk("demo")
    server = sdk_server(conn, name, metadata={"load": "busy"}, networks=[{"uuid": conn.network.find_network(
        "private", ignore_missing=False).id}])
    wait_for_resource(lab, conn.auth_token, server.id)

    measures = cli_json(lab, "metric", "measures", "show", "--resource-id", server.id, "cpu_util")
    assert measures and all(m["granularity"] == 300.0 and m["value"] >= 85 for m in measures)

    alarm = cli_json(lab, "alarm", "create", "--name", name, "--type", "gnocchi_resources_threshold",
                     "--metric", "cpu_util", "--threshold", "80", "--comparison-operator", "gt",
                     "--aggregation-method", "mean", "--granularity", "300", "--resource-type", "instance",
                     "--resource-id", server.id, "--alarm-action", "log://")
    assert alarm["state"] == "insufficient data" and alarm["threshold"] == 80.0
    lab.openstack("alarm", "state", "set", "--state", "alarm", name, user="demo")  # found by name (a query)
    history = cli_json(lab, "alarm-history", "show", alarm["alarm_id"])
    assert [h["type"] for h in history] == ["state transition", "creation"]
    assert json.loads(history[0]["detail"])["state"] == "alarm"
    lab.openstack("alarm", "delete", name, user="demo")
    gone = httpx.get(f"{lab.url}/alarming/v2/alarms/{alarm['alarm_id']}", headers={"X-Auth-Token": conn.auth_token})
    assert gone.status_code == 404 and gone.json()["error_message"]["faultstring"].endswith("not found")
    conn.compute.delete_server(server)
