"""Server actions: stop/start/reboot, console output, resize with confirm/revert, wrong-state 409s, unknown
actions, and a driver failure turning into ERROR with a fault."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.events import Event
from tests.cloud.compute_support import API, create_server, reader_headers


def act(client: TestClient, headers: dict, server_id: str, body: dict) -> object:
    return client.post(f"{API}/servers/{server_id}/action", headers=headers, json=body)


def status(client: TestClient, headers: dict, server_id: str) -> str:
    return str(client.get(f"{API}/servers/{server_id}", headers=headers).json()["server"]["status"])


def test_stop_start_and_reboot(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """os-stop and os-start answer 202 with no body and take effect at once; reboot keeps it ACTIVE."""
    server = create_server(client, cloud, as_demo)
    r = act(client, as_demo, server["id"], {"os-stop": None})
    assert r.status_code == 202 and r.content == b""
    shown = client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]
    assert (shown["status"], shown["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)
    assert act(client, as_demo, server["id"], {"os-start": None}).status_code == 202
    assert status(client, as_demo, server["id"]) == "ACTIVE"
    for kind in ("SOFT", "HARD"):
        assert act(client, as_demo, server["id"], {"reboot": {"type": kind}}).status_code == 202
        assert status(client, as_demo, server["id"]) == "ACTIVE"
    with cloud.db.read() as db:
        actions = [e.action for e in db.scalars(select(Event).where(Event.resource_id == server["id"])
                                                 .order_by(Event.id))]
    assert actions == ["create", "status", "power_off", "power_on", "reboot", "reboot"]


def test_wrong_state_is_409_with_novas_wording(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    act(client, as_demo, server["id"], {"os-stop": None})
    r = act(client, as_demo, server["id"], {"os-stop": None})
    assert r.status_code == 409
    assert r.json() == {"conflictingRequest": {"code": 409, "message": f"Cannot 'stop' instance {server['id']} "
                                                                       "while it is in vm_state stopped"}}
    soft = act(client, as_demo, server["id"], {"reboot": {"type": "SOFT"}})
    assert soft.status_code == 409
    building = create_server(client, cloud, as_demo, name="b", run=False)
    r = act(client, as_demo, building["id"], {"os-start": None})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'start' instance {building['id']} while it is in task_state scheduling")
    assert status(client, as_demo, server["id"]) == "SHUTOFF"


def test_unknown_and_malformed_actions_are_400(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    r = act(client, as_demo, server["id"], {"os-fly": None})
    assert r.status_code == 400
    assert r.json() == {"badRequest": {"code": 400, "message": "There is no such action: os-fly"}}
    r = act(client, as_demo, server["id"], {"os-stop": None, "os-start": None})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == "Malformed request body"
    r = act(client, as_demo, server["id"], {"reboot": {"type": "GENTLE"}})
    assert r.status_code == 400
    assert status(client, as_demo, server["id"]) == "ACTIVE"


def test_console_output_shows_boot_hostname_and_key(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """The fake guest's console has kernel lines, the hostname, the key's fingerprint and a login prompt."""
    key = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1"}}).json()["keypair"]
    server = create_server(client, cloud, as_demo, name="My Web_01", key_name="k1")
    r = act(client, as_demo, server["id"], {"os-getConsoleOutput": {}})
    assert r.status_code == 200 and set(r.json()) == {"output"}
    output = r.json()["output"]
    assert "Linux version" in output and "my-web-01 login:" in output
    assert key["fingerprint"] in output
    tail = act(client, as_demo, server["id"], {"os-getConsoleOutput": {"length": 3}}).json()["output"]
    # Nova's tail: the last `length` pieces of the output split on newlines (the final newline counts as one).
    assert output.endswith("\n") and tail == "\n".join(output.split("\n")[-3:])
    assert tail.splitlines() == output.splitlines()[-2:] and len(tail.split("\n")) == 3
    bad = act(client, as_demo, server["id"], {"os-getConsoleOutput": {"length": "many"}})
    assert bad.status_code == 400


def test_console_of_a_building_server_is_409(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo, run=False)
    r = act(client, as_demo, server["id"], {"os-getConsoleOutput": {}})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == f"Instance {server['id']} is not ready"


def test_resize_confirm(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """resize -> RESIZE -> (worker) VERIFY_RESIZE with the new flavor -> confirmResize (204) -> ACTIVE."""
    server = create_server(client, cloud, as_demo)
    assert act(client, as_demo, server["id"], {"resize": {"flavorRef": "2"}}).status_code == 202
    assert status(client, as_demo, server["id"]) == "RESIZE"
    cloud.worker.run_due()
    shown = client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]
    assert shown["status"] == "VERIFY_RESIZE" and shown["flavor"]["id"] == "2"
    assert act(client, as_demo, server["id"], {"confirmResize": None}).status_code == 204
    shown = client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]
    assert shown["status"] == "ACTIVE" and shown["flavor"]["id"] == "2"
    info = cloud.compute_driver.get_info(server["id"])
    assert info.ram_mb == 2048
    with cloud.db.read() as db:
        resize = db.scalar(select(Event).where(Event.resource_id == server["id"], Event.action == "resize"))
    assert resize is not None and resize.attributes["flavor_id"] == "2" and resize.attributes["ram"] == 2048


def test_resize_revert(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    act(client, as_demo, server["id"], {"resize": {"flavorRef": "3"}})
    cloud.worker.run_due()
    assert act(client, as_demo, server["id"], {"revertResize": None}).status_code == 202
    assert status(client, as_demo, server["id"]) == "REVERT_RESIZE"
    cloud.worker.run_due()
    shown = client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]
    assert shown["status"] == "ACTIVE" and shown["flavor"]["id"] == "1"
    assert cloud.compute_driver.get_info(server["id"]).vcpus == 1


def test_resize_errors(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    same = act(client, as_demo, server["id"], {"resize": {"flavorRef": "1"}})
    assert same.status_code == 400
    assert same.json()["badRequest"]["message"] == "When resizing, instances must change flavor!"
    unknown = act(client, as_demo, server["id"], {"resize": {"flavorRef": "99"}})
    assert unknown.status_code == 400
    assert unknown.json()["badRequest"]["message"] == "Unable to locate requested flavor."
    confirm = act(client, as_demo, server["id"], {"confirmResize": None})
    assert confirm.status_code == 409
    assert confirm.json()["conflictingRequest"]["message"] == (
        f"Cannot 'confirmResize' instance {server['id']} while it is in vm_state active")
    assert status(client, as_demo, server["id"]) == "ACTIVE"


def test_driver_failure_puts_server_in_error_with_fault(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """A spawn the driver refuses ends in ERROR with a fault, never in BUILD; it can still be deleted."""
    server = create_server(client, cloud, as_demo, metadata={"stacklab:fake_fail": "spawn"})
    assert server["status"] == "ERROR"
    assert set(server["fault"]) == {"code", "created", "message"}
    assert "Simulated failure of spawn" in server["fault"]["message"] and server["fault"]["code"] == 500
    with cloud.db.read() as db:
        event = db.scalar(select(Event).where(Event.resource_id == server["id"], Event.action == "status"))
    assert event is not None and event.attributes["status"] == "ERROR"
    assert client.delete(f"{API}/servers/{server['id']}", headers=as_demo).status_code == 204


def test_reader_cannot_act(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    as_reader = reader_headers(client, cloud)
    server = create_server(client, cloud, as_demo)
    r = act(client, as_reader, server["id"], {"os-stop": None})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == "Policy doesn't allow os_compute_api:servers:stop to be performed."
    assert status(client, as_demo, server["id"]) == "ACTIVE"


def test_attach_and_detach_disk_for_the_volume_service(client: TestClient, cloud: Cloud, as_demo: dict,
                                                       tmp_path: object) -> None:
    """The compute side of the volume contract: 404 for an unknown server, 409 while building, the driver
    records the disk otherwise, and detaching from a deleted server still succeeds."""
    from pathlib import Path

    import pytest

    from lab.cloud.drivers.base import DiskSpec
    from lab.cloud.errors import Conflict, NotFound

    disk = DiskSpec(volume_id="vol-1", path=Path(str(tmp_path)) / "vol-1.raw", device="vdb")
    with pytest.raises(NotFound, match="Instance nope could not be found."):
        cloud.compute.attach_disk("nope", disk)
    building = create_server(client, cloud, as_demo, name="b", run=False)
    with pytest.raises(Conflict, match="while it is in task_state scheduling"):
        cloud.compute.attach_disk(building["id"], disk)
    cloud.worker.run_due()
    cloud.compute.attach_disk(building["id"], disk)
    assert set(cloud.compute_driver.disks(building["id"])) == {"vol-1"}
    cloud.compute.detach_disk(building["id"], "vol-1")
    assert cloud.compute_driver.disks(building["id"]) == {}
    client.delete(f"{API}/servers/{building['id']}", headers=as_demo)
    cloud.compute.detach_disk(building["id"], "vol-1")  # deleted: still fine
    with pytest.raises(NotFound):
        cloud.compute.detach_disk("nope", "vol-1")


def test_add_and_remove_fixed_ip_before_2_44(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """addFixedIp gives the server's port on the network one more address from its subnet and removeFixedIp
    takes one away (202, the deprecated multinic actions, issue 26 #3); 404 from 2.44; Nova's 400s for a
    network the server has no port on and an address it does not have."""
    server = create_server(client, cloud, as_demo)
    sid = server["id"]
    (label, before), = server["addresses"].items()
    ports = client.get(f"/network/v2.0/ports?device_id={sid}", headers=as_demo).json()["ports"]
    network_id = ports[0]["network_id"]
    action = f"{API}/servers/{sid}/action"
    r = client.post(action, headers=as_demo, json={"addFixedIp": {"networkId": network_id}})
    assert r.status_code == 202, r.text
    after = client.get(f"{API}/servers/{sid}", headers=as_demo).json()["server"]["addresses"][label]
    added = {a["addr"] for a in after} - {a["addr"] for a in before}
    assert len(added) == 1 and len(after) == len(before) + 1
    port = client.get(f"/network/v2.0/ports/{ports[0]['id']}", headers=as_demo).json()["port"]
    assert added <= {ip["ip_address"] for ip in port["fixed_ips"]}
    r = client.post(action, headers=as_demo, json={"removeFixedIp": {"address": added.pop()}})
    assert r.status_code == 202, r.text
    shown = client.get(f"{API}/servers/{sid}", headers=as_demo).json()["server"]["addresses"][label]
    assert [a["addr"] for a in shown] == [a["addr"] for a in before]
    r = client.post(action, headers=as_demo, json={"removeFixedIp": {"address": "10.99.99.99"}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == f"Instance {sid} does not have fixed IP '10.99.99.99'."
    r = client.post(action, headers=as_demo, json={"addFixedIp": {"networkId": "no-such-network"}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == f"Network could not be found for instance {sid}."
    r = client.post(action, headers=as_demo, json={"addFixedIp": {}})
    assert r.status_code == 400 and "'networkId' is a required property" in r.json()["badRequest"]["message"]
    r = client.post(action, headers={**as_demo, "OpenStack-API-Version": "compute 2.44"},
                    json={"addFixedIp": {"networkId": network_id}})
    assert r.status_code == 404
