"""Every compute body this cloud renders, checked against tempest's compute v2_1 response schema for it (the
schema tempest validates a real Nova's answers with): versions, servers (and their addresses, metadata,
actions, console output and instance actions), flavors (with access lists and extra specs), key pairs,
quotas, limits, availability zones, hypervisors and simple tenant usage, driven through the real API."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, create_server, project_id

V = "compute.v2_1"


def test_versions(client: TestClient) -> None:
    assert_schema(f"{V}.versions", "list_versions", client.get("/compute/"))
    assert_schema(f"{V}.versions", "get_one_version", client.get("/compute/v2.1"))


def test_servers(client: TestClient, cloud: Cloud, as_demo: dict[str, str], as_admin: dict[str, str]) -> None:
    r = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "vm1", "flavorRef": "1", "imageRef": _image(client, as_demo), "metadata": {"role": "web"}}})
    assert_schema(f"{V}.servers", "create_server_with_admin_pass", r)
    building = client.get(f"{API}/servers/{r.json()['server']['id']}", headers=as_demo)
    assert_schema(f"{V}.servers", "get_server", building)  # BUILD: progress shown, no addresses yet
    cloud.worker.run_due()
    server_id = r.json()["server"]["id"]
    for headers in (as_demo, as_admin):  # the admin's view adds the OS-EXT-SRV-ATTR attributes
        assert_schema(f"{V}.servers", "get_server", client.get(f"{API}/servers/{server_id}", headers=headers))
    assert "OS-EXT-SRV-ATTR:host" in client.get(f"{API}/servers/{server_id}", headers=as_admin).json()["server"]
    assert_schema(f"{V}.servers", "list_servers", client.get(f"{API}/servers", headers=as_demo))
    assert_schema(f"{V}.servers", "list_servers_detail",
                  client.get(f"{API}/servers/detail?all_tenants=1", headers=as_admin))
    assert_schema(f"{V}.servers", "update_server",
                  client.put(f"{API}/servers/{server_id}", headers=as_demo, json={"server": {"name": "vm2"}}))

    addresses = client.get(f"{API}/servers/{server_id}/ips", headers=as_demo)
    assert_schema(f"{V}.servers", "list_addresses", addresses)
    (network, *_) = addresses.json()["addresses"]
    assert_schema(f"{V}.servers", "list_addresses_by_network",
                  client.get(f"{API}/servers/{server_id}/ips/{network}", headers=as_demo))

    meta = f"{API}/servers/{server_id}/metadata"
    assert_schema(f"{V}.servers", "list_server_metadata", client.get(meta, headers=as_demo))
    assert_schema(f"{V}.servers", "update_server_metadata",
                  client.post(meta, headers=as_demo, json={"metadata": {"tier": "1"}}))
    assert_schema(f"{V}.servers", "set_server_metadata",
                  client.put(meta, headers=as_demo, json={"metadata": {"role": "db"}}))
    assert_schema(f"{V}.servers", "set_show_server_metadata_item",
                  client.put(f"{meta}/role", headers=as_demo, json={"meta": {"role": "cache"}}))
    assert_schema(f"{V}.servers", "set_show_server_metadata_item", client.get(f"{meta}/role", headers=as_demo))
    assert_schema(f"{V}.servers", "delete_server_metadata_item", client.delete(f"{meta}/role", headers=as_demo))

    action = f"{API}/servers/{server_id}/action"
    assert_schema(f"{V}.servers", "get_console_output",
                  client.post(action, headers=as_demo, json={"os-getConsoleOutput": {"length": 5}}))
    assert_schema(f"{V}.servers", "server_actions_common_schema",
                  client.post(action, headers=as_demo, json={"os-stop": None}))
    assert_schema(f"{V}.servers", "server_actions_common_schema",
                  client.post(action, headers=as_demo, json={"resize": {"flavorRef": "2"}}))
    cloud.worker.run_due()
    assert_schema(f"{V}.servers", "server_actions_confirm_resize",
                  client.post(action, headers=as_demo, json={"confirmResize": None}))

    actions = client.get(f"{API}/servers/{server_id}/os-instance-actions", headers=as_demo)
    assert_schema(f"{V}.servers", "list_instance_actions", actions)
    assert [a["action"] for a in actions.json()["instanceActions"]] == ["resize", "stop", "create"]
    request_id = actions.json()["instanceActions"][-1]["request_id"]
    assert_schema(f"{V}.servers", "show_instance_action",
                  client.get(f"{API}/servers/{server_id}/os-instance-actions/{request_id}", headers=as_demo))

    assert_schema(f"{V}.servers", "delete_server", client.delete(f"{API}/servers/{server_id}", headers=as_demo))


def test_server_lifecycle_actions(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                  as_admin: dict[str, str]) -> None:
    """lock, pause, suspend, rescue, rebuild, createImage, shelve, changePassword, resetState: each answer and
    the server in each state it reaches, against tempest's schemas."""
    server_id = create_server(client, cloud, as_demo)["id"]
    action = f"{API}/servers/{server_id}/action"

    def common(body: dict[str, Any], headers: dict[str, str] = as_demo) -> None:
        assert_schema(f"{V}.servers", "server_actions_common_schema", client.post(action, headers=headers, json=body))
        assert_schema(f"{V}.servers", "get_server", client.get(f"{API}/servers/{server_id}", headers=as_demo))

    for body in ({"lock": None}, {"unlock": None}, {"pause": None}, {"unpause": None}, {"suspend": None},
                 {"resume": None}, {"changePassword": {"adminPass": "pw-2"}}, {"unrescue": None}):
        if body == {"unrescue": None}:
            assert_schema(f"{V}.servers", "rescue_server_with_admin_pass",
                          client.post(action, headers=as_demo, json={"rescue": None}))
            assert_schema(f"{V}.servers", "get_server", client.get(f"{API}/servers/{server_id}", headers=as_demo))
        common(body)
    common({"os-resetState": {"state": "active"}}, as_admin)
    rebuilt = client.post(action, headers=as_demo, json={"rebuild": {"imageRef": _image(client, as_demo)}})
    assert_schema(f"{V}.servers", "rebuild_server_with_admin_pass", rebuilt)
    cloud.worker.run_due()
    assert_schema("compute.v2_1.images", "create_image",
                  client.post(action, headers=as_demo, json={"createImage": {"name": "snap"}}))
    cloud.worker.run_due()
    common({"shelve": None})
    cloud.worker.run_due()
    assert_schema(f"{V}.servers", "get_server", client.get(f"{API}/servers/{server_id}", headers=as_demo))
    common({"unshelve": None})
    actions = client.get(f"{API}/servers/{server_id}/os-instance-actions", headers=as_demo)
    assert_schema(f"{V}.servers", "list_instance_actions", actions)
    for item in actions.json()["instanceActions"]:
        assert_schema(f"{V}.servers", "show_instance_action", client.get(
            f"{API}/servers/{server_id}/os-instance-actions/{item['request_id']}", headers=as_demo))


def test_failed_server_shows_its_fault(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    server = create_server(client, cloud, as_demo)
    cloud.compute.set_error(server["id"], "the host caught fire")  # type: ignore[attr-defined]
    shown = client.get(f"{API}/servers/{server['id']}", headers=as_demo)
    assert_schema(f"{V}.servers", "get_server", shown)
    assert shown.json()["server"]["fault"]["message"] == "the host caught fire"


def test_flavors(client: TestClient, as_demo: dict[str, str], as_admin: dict[str, str]) -> None:
    assert_schema(f"{V}.flavors", "list_flavors", client.get(f"{API}/flavors", headers=as_demo))
    assert_schema(f"{V}.flavors", "list_flavors_details", client.get(f"{API}/flavors/detail", headers=as_demo))
    assert_schema(f"{V}.flavors", "create_update_get_flavor_details",
                  client.get(f"{API}/flavors/1", headers=as_demo))
    created = client.post(f"{API}/flavors", headers=as_admin, json={"flavor": {
        "name": "private", "ram": 64, "vcpus": 1, "disk": 0, "swap": 16, "os-flavor-access:is_public": False}})
    assert_schema(f"{V}.flavors", "create_update_get_flavor_details", created)
    flavor = f"{API}/flavors/{created.json()['flavor']['id']}"

    demo = project_id(client, as_demo)
    access = "flavors_access"
    assert_schema(f"{V}.{access}", "add_remove_list_flavor_access",
                  client.post(f"{flavor}/action", headers=as_admin, json={"addTenantAccess": {"tenant": demo}}))
    listed = client.get(f"{flavor}/os-flavor-access", headers=as_admin)
    assert_schema(f"{V}.{access}", "add_remove_list_flavor_access", listed)
    assert listed.json()["flavor_access"][0]["tenant_id"] == demo
    assert_schema(f"{V}.{access}", "add_remove_list_flavor_access",
                  client.post(f"{flavor}/action", headers=as_admin, json={"removeTenantAccess": {"tenant": demo}}))

    specs = f"{flavor}/os-extra_specs"
    assert_schema(f"{V}.flavors_extra_specs", "set_get_flavor_extra_specs",
                  client.post(specs, headers=as_admin, json={"extra_specs": {"hw:cpu_policy": "shared"}}))
    assert_schema(f"{V}.flavors_extra_specs", "set_get_flavor_extra_specs", client.get(specs, headers=as_admin))
    assert_schema(f"{V}.flavors_extra_specs", "set_get_flavor_extra_specs_key",
                  client.put(f"{specs}/hw:cpu_policy", headers=as_admin, json={"hw:cpu_policy": "dedicated"}))
    assert_schema(f"{V}.flavors_extra_specs", "set_get_flavor_extra_specs_key",
                  client.get(f"{specs}/hw:cpu_policy", headers=as_admin))
    assert_schema(f"{V}.flavors_extra_specs", "unset_flavor_extra_specs",
                  client.delete(f"{specs}/hw:cpu_policy", headers=as_admin))
    assert_schema(f"{V}.flavors", "delete_flavor", client.delete(flavor, headers=as_admin))


def test_keypairs(client: TestClient, as_demo: dict[str, str]) -> None:
    generated = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1"}})
    assert_schema(f"{V}.keypairs", "create_keypair", generated)
    assert "private_key" in generated.json()["keypair"]
    imported = client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {
        "name": "k2", "public_key": generated.json()["keypair"]["public_key"]}})
    assert_schema(f"{V}.keypairs", "create_keypair", imported)
    assert_schema(f"{V}.keypairs", "list_keypairs", client.get(f"{API}/os-keypairs", headers=as_demo))
    assert_schema(f"{V}.keypairs", "get_keypair", client.get(f"{API}/os-keypairs/k1", headers=as_demo))
    assert_schema(f"{V}.keypairs", "delete_keypair", client.delete(f"{API}/os-keypairs/k1", headers=as_demo))


def test_quotas_and_limits(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                           as_admin: dict[str, str]) -> None:
    create_server(client, cloud, as_demo)
    demo = project_id(client, as_demo)
    quotas = f"{API}/os-quota-sets/{demo}"
    assert_schema(f"{V}.quotas", "get_quota_set", client.get(quotas, headers=as_demo))
    assert_schema(f"{V}.quotas", "get_quota_set", client.get(f"{quotas}/defaults", headers=as_demo))
    detail = client.get(f"{quotas}/detail", headers=as_demo)
    assert_schema(f"{V}.quotas", "get_quota_set_details", detail)
    assert detail.json()["quota_set"]["instances"]["in_use"] == 1
    assert_schema(f"{V}.quotas", "update_quota_set",
                  client.put(quotas, headers=as_admin, json={"quota_set": {"instances": 5, "cores": 8}}))
    limits = client.get(f"{API}/limits", headers=as_demo)
    assert_schema(f"{V}.limits", "get_limit", limits)
    assert limits.json()["limits"]["absolute"]["maxTotalInstances"] == 5
    assert_schema(f"{V}.limits", "get_limit", client.get(f"{API}/limits?tenant_id={demo}", headers=as_admin))
    assert_schema(f"{V}.quotas", "delete_quota", client.delete(quotas, headers=as_admin))


def test_host_views(client: TestClient, cloud: Cloud, as_demo: dict[str, str], as_admin: dict[str, str]) -> None:
    create_server(client, cloud, as_demo)
    az = "availability_zone"
    assert_schema(f"{V}.{az}", "list_availability_zone_list",
                  client.get(f"{API}/os-availability-zone", headers=as_demo))
    assert_schema(f"{V}.{az}", "list_availability_zone_list_detail",
                  client.get(f"{API}/os-availability-zone/detail", headers=as_admin))
    hv = "hypervisors"
    assert_schema(f"{V}.{hv}", "list_search_hypervisors", client.get(f"{API}/os-hypervisors", headers=as_admin))
    assert_schema(f"{V}.{hv}", "list_hypervisors_detail",
                  client.get(f"{API}/os-hypervisors/detail", headers=as_admin))
    assert_schema(f"{V}.{hv}", "get_hypervisor", client.get(f"{API}/os-hypervisors/1", headers=as_admin))
    assert_schema(f"{V}.{hv}", "get_hypervisor_statistics",
                  client.get(f"{API}/os-hypervisors/statistics", headers=as_admin))

    demo = project_id(client, as_demo)
    usage = client.get(f"{API}/os-simple-tenant-usage/{demo}", headers=as_demo)
    assert_schema(f"{V}.tenant_usages", "get_tenant_usage", usage)
    assert len(usage.json()["tenant_usage"]["server_usages"]) == 1
    for query in ("", "?detailed=1"):
        assert_schema(f"{V}.tenant_usages", "list_tenant_usage",
                      client.get(f"{API}/os-simple-tenant-usage{query}", headers=as_demo))


def _image(client: TestClient, headers: dict[str, str]) -> Any:
    r = client.get("/image/v2/images?name=cirros", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["images"][0]["id"]
