"""Nova's microversions 2.1-2.93: the bodies at each version boundary the lab serves, checked against tempest's
per-microversion schemas (`tempest.lib.api_schema.response.compute.v2_*`), and the behaviour that changes
(2.37 networks auto/none, 2.2 key pair status codes, 2.45 createImage, 2.53 services by UUID, 2.92 no generated
key pairs), with a version outside the range answered by Nova's 406."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs12
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.compute import microversions as mv
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, create_server, image_id, project_id

REFERENCE = Path(__file__).parents[2] / "course" / "reference" / "api-subset.md"
PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
              "student@lab")


def at(headers: dict[str, str], version: str) -> dict[str, str]:
    return {**headers, "OpenStack-API-Version": f"compute {version}"}


# (microversion, tempest module): each version whose server schema tempest defines up to Zed's 2.93.
SERVER_SCHEMAS = [("2.1", "v2_1"), ("2.3", "v2_3"), ("2.9", "v2_9"), ("2.16", "v2_16"), ("2.19", "v2_19"),
                  ("2.26", "v2_26"), ("2.47", "v2_47"), ("2.57", "v2_57"), ("2.63", "v2_63"),
                  ("2.71", "v2_71"), ("2.73", "v2_73"), ("2.75", "v2_75"), ("2.89", "v2_89"),
                  ("2.93", "v2_89")]


@pytest.mark.parametrize(("version", "module"), SERVER_SCHEMAS)
def test_server_bodies_per_microversion(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                        as_admin: dict[str, str], version: str, module: str) -> None:
    """show (member and admin), detail list, update and rebuild at each boundary match tempest's schema of
    that version."""
    schemas = f"compute.{module}.servers"
    served = mv.Version.parse(version)
    extra: dict[str, Any] = {"networks": "auto"} if served >= mv.AUTO_NETWORKS else {}
    server = create_server(client, cloud, at(as_demo, version), **extra)
    path = f"{API}/servers/{server['id']}"
    for headers in (as_demo, as_admin):
        assert_schema(schemas, "get_server", client.get(path, headers=at(headers, version)))
    assert_schema(schemas, "list_servers_detail",
                  client.get(f"{API}/servers/detail?all_tenants=1", headers=at(as_admin, version)))
    assert_schema(schemas, "update_server", client.put(path, headers=at(as_demo, version),
                                                       json={"server": {"name": "renamed"}}))
    rebuilt = client.post(f"{path}/action", headers=at(as_demo, version),
                          json={"rebuild": {"imageRef": image_id(client, cloud, as_demo)}})
    assert_schema(schemas, "rebuild_server_with_admin_pass", rebuilt)
    cloud.worker.run_due()
    rebuilt = client.post(f"{path}/action", headers=at(as_admin, version),  # the admin's has the host attributes
                          json={"rebuild": {"imageRef": image_id(client, cloud, as_demo)}})
    assert_schema(schemas, "rebuild_server_with_admin_pass", rebuilt)
    shown = client.get(path, headers=at(as_demo, version)).json()["server"]
    assert ("locked" in shown) == (served >= mv.LOCKED)
    assert ("tags" in shown) == (served >= mv.TAGS)
    assert ("original_name" in shown["flavor"]) == (served >= mv.EMBEDDED_FLAVOR)
    assert ("server_groups" in shown) == (served >= mv.SERVER_GROUPS_SHOWN)
    assert ("OS-EXT-SRV-ATTR:hostname" in shown) == (served >= mv.HOSTNAME)


def test_newer_server_fields_round_trip(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """description (2.19), tags at create (2.52), hostname (2.90), lock with a reason (2.73): what a request
    sets the answers show; below their version the same keys are Nova's 400."""
    headers = at(as_demo, "2.93")
    server = create_server(client, cloud, headers, networks="auto", description="web tier", tags=["web", "blue"],
                           hostname="web-1")
    assert (server["description"], server["tags"], server["OS-EXT-SRV-ATTR:hostname"]) == (
        "web tier", ["web", "blue"], "web-1")
    path = f"{API}/servers/{server['id']}"
    r = client.put(path, headers=headers, json={"server": {"description": None, "hostname": "web-2"}})
    assert r.status_code == 200 and r.json()["server"]["description"] is None
    assert r.json()["server"]["OS-EXT-SRV-ATTR:hostname"] == "web-2"
    assert r.json()["server"]["OS-EXT-STS:vm_state"] == "active"  # 2.75: the whole server
    assert client.post(f"{path}/action", headers=headers,
                       json={"lock": {"locked_reason": "exam"}}).status_code == 202
    shown = client.get(path, headers=headers).json()["server"]
    assert (shown["locked"], shown["locked_reason"]) == (True, "exam")
    r = client.put(path, headers=at(as_demo, "2.18"), json={"server": {"description": "x"}})
    assert r.status_code == 400 and "'description' was unexpected" in r.json()["badRequest"]["message"]
    r = client.post(f"{API}/servers", headers=at(as_demo, "2.51"), json={"server": {
        "name": "t", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo), "networks": "auto",
        "tags": ["a"]}})
    assert r.status_code == 400 and "'tags' was unexpected" in r.json()["badRequest"]["message"]
    assert client.get(path, headers=at(as_demo, "2.72")).json()["server"].get("locked_reason") is None


def test_networks_auto_and_none_from_2_37(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """From 2.37 `networks` is required: "auto" is the project's network, "none" no port at all; before 2.37
    a string is refused and the key may be left out."""
    body = {"name": "n", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo)}
    r = client.post(f"{API}/servers", headers=at(as_demo, "2.37"), json={"server": body})
    assert r.status_code == 400 and "'networks' is a required property" in r.json()["badRequest"]["message"]
    auto = create_server(client, cloud, at(as_demo, "2.37"), name="auto", networks="auto")
    assert auto["addresses"]
    none = create_server(client, cloud, at(as_demo, "2.37"), name="none", networks="none")
    assert none["addresses"] == {} and none["status"] == "ACTIVE"
    r = client.post(f"{API}/servers", headers=at(as_demo, "2.36"), json={"server": {**body, "networks": "auto"}})
    assert r.status_code == 400
    r = client.post(f"{API}/servers", headers=at(as_demo, "2.37"), json={"server": {**body, "networks": "all"}})
    assert r.status_code == 400 and "is not one of ['none', 'auto']" in r.json()["badRequest"]["message"]


def test_keypairs_per_microversion(client: TestClient, as_demo: dict[str, str]) -> None:
    """2.1 answers 200/202 without `type`; 2.2 201/204 with it (tempest's v2_2 schemas); 2.35 pages by name;
    2.92 refuses a key pair without public_key."""
    for name, version, created, deleted in (("k21", "2.1", 200, 202), ("k22", "2.2", 201, 204)):
        module = "compute.v2_2.keypairs" if version == "2.2" else "compute.v2_1.keypairs"
        r = client.post(f"{API}/os-keypairs", headers=at(as_demo, version), json={"keypair": {"name": name}})
        assert r.status_code == created
        assert_schema(module, "create_keypair", r)
        assert_schema(module, "get_keypair", client.get(f"{API}/os-keypairs/{name}", headers=at(as_demo, version)))
        assert_schema(module, "list_keypairs", client.get(f"{API}/os-keypairs", headers=at(as_demo, version)))
        r = client.delete(f"{API}/os-keypairs/{name}", headers=at(as_demo, version))
        assert r.status_code == deleted
    for name in ("a", "b", "c"):
        client.post(f"{API}/os-keypairs", headers=at(as_demo, "2.92"),
                    json={"keypair": {"name": name, "public_key": PUBLIC_KEY}})
    page = client.get(f"{API}/os-keypairs?limit=2&marker=a", headers=at(as_demo, "2.35")).json()
    assert [k["keypair"]["name"] for k in page["keypairs"]] == ["b", "c"]
    r = client.post(f"{API}/os-keypairs", headers=at(as_demo, "2.92"), json={"keypair": {"name": "gen"}})
    assert r.status_code == 400 and "'public_key' is a required property" in r.json()["badRequest"]["message"]
    r = client.post(f"{API}/os-keypairs", headers=at(as_demo, "2.1"), json={"keypair": {"name": "t", "type": "ssh"}})
    assert r.status_code == 400


def test_x509_keypairs(client: TestClient, as_demo: dict[str, str]) -> None:
    """2.2's type=x509 as Nova's: generated, a WinRM client certificate for the user (CN and UPN) with the key
    as a base64 PKCS#12 and the certificate's SHA-1 fingerprint; imported, a PEM certificate's fingerprint; a
    public_key that is no certificate is 400 (issue 26 #4)."""
    r = client.post(f"{API}/os-keypairs", headers=at(as_demo, "2.2"), json={"keypair": {"name": "w", "type": "x509"}})
    assert r.status_code == 201
    assert_schema("compute.v2_2.keypairs", "create_keypair", r)
    made = r.json()["keypair"]
    cert = x509.load_pem_x509_certificate(made["public_key"].encode())
    user = made["user_id"]
    assert cert.subject.rfc4514_string() == f"CN={user}"
    assert made["fingerprint"] == ":".join(f"{b:02x}" for b in cert.fingerprint(hashes.SHA1()))
    key, bundled, _ = pkcs12.load_key_and_certificates(base64.b64decode(made["private_key"]), b"")
    assert bundled == cert and key is not None
    shown = client.get(f"{API}/os-keypairs/w", headers=at(as_demo, "2.2")).json()["keypair"]
    assert shown["type"] == "x509" and shown["fingerprint"] == made["fingerprint"]
    listed = client.get(f"{API}/os-keypairs", headers=at(as_demo, "2.2")).json()["keypairs"]
    assert [k["keypair"]["type"] for k in listed if k["keypair"]["name"] == "w"] == ["x509"]
    r = client.post(f"{API}/os-keypairs", headers=at(as_demo, "2.92"), json={"keypair": {
        "name": "imported", "type": "x509", "public_key": made["public_key"]}})
    assert r.status_code == 201 and r.json()["keypair"]["fingerprint"] == made["fingerprint"]
    r = client.post(f"{API}/os-keypairs", headers=at(as_demo, "2.2"), json={"keypair": {
        "name": "bad", "type": "x509", "public_key": PUBLIC_KEY}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"].startswith(
        "Keypair data is invalid: failed to generate X509 fingerprint. Error message: ")


def test_flavors_per_microversion(client: TestClient, as_admin: dict[str, str]) -> None:
    """description (2.55), extra_specs (2.61), swap 0 rather than "" (2.75)."""
    for version, module in (("2.55", "v2_55"), ("2.61", "v2_61"), ("2.75", "v2_61")):
        schemas = f"compute.{module}.flavors"
        assert_schema(schemas, "list_flavors", client.get(f"{API}/flavors", headers=at(as_admin, version)))
        assert_schema(schemas, "list_flavors_details",
                      client.get(f"{API}/flavors/detail", headers=at(as_admin, version)))
        assert_schema(schemas, "create_update_get_flavor_details",
                      client.get(f"{API}/flavors/1", headers=at(as_admin, version)))
    r = client.post(f"{API}/flavors", headers=at(as_admin, "2.55"), json={"flavor": {
        "name": "described", "ram": 64, "vcpus": 1, "disk": 0, "description": "for the exam"}})
    assert_schema("compute.v2_55.flavors", "create_update_get_flavor_details", r)
    assert r.json()["flavor"]["description"] == "for the exam"
    assert client.get(f"{API}/flavors/1", headers=at(as_admin, "2.74")).json()["flavor"]["swap"] == ""
    assert client.get(f"{API}/flavors/1", headers=at(as_admin, "2.75")).json()["flavor"]["swap"] == 0


def test_operator_bodies_per_microversion(client: TestClient, as_admin: dict[str, str]) -> None:
    """Services (2.11 forced_down, 2.53 UUIDs and PUT by id), hypervisors (2.28, 2.53), quotas and limits
    (2.36, 2.39, 2.57), server groups (2.13, 2.64), each against tempest's schema of its version."""
    assert_schema("compute.v2_11.services", "list_services",
                  client.get(f"{API}/os-services", headers=at(as_admin, "2.11")))
    services = client.get(f"{API}/os-services", headers=at(as_admin, "2.53"))
    assert_schema("compute.v2_53.services", "list_services", services)
    compute = next(s for s in services.json()["services"] if s["binary"] == "nova-compute")
    r = client.put(f"{API}/os-services/{compute['id']}", headers=at(as_admin, "2.53"),
                   json={"status": "disabled", "disabled_reason": "maintenance"})
    assert_schema("compute.v2_53.services", "update_service", r)
    assert (r.json()["service"]["status"], r.json()["service"]["disabled_reason"]) == ("disabled", "maintenance")
    client.put(f"{API}/os-services/{compute['id']}", headers=at(as_admin, "2.53"), json={"status": "enabled"})
    for version, module in (("2.28", "v2_28"), ("2.53", "v2_53")):
        schemas = f"compute.{module}.hypervisors"
        found = client.get(f"{API}/os-hypervisors/detail", headers=at(as_admin, version))
        assert_schema(schemas, "list_hypervisors_detail", found)
        one = found.json()["hypervisors"][0]["id"]
        assert_schema(schemas, "get_hypervisor", client.get(f"{API}/os-hypervisors/{one}",
                                                            headers=at(as_admin, version)))
    assert client.get(f"{API}/os-hypervisors/statistics", headers=at(as_admin, "2.88")).status_code == 404
    project = project_id(client, as_admin)
    for version, module in (("2.36", "v2_36"), ("2.57", "v2_57")):
        assert_schema(f"compute.{module}.quotas", "get_quota_set",
                      client.get(f"{API}/os-quota-sets/{project}", headers=at(as_admin, version)))
        assert_schema(f"compute.{module}.limits", "get_limit", client.get(f"{API}/limits",
                                                                          headers=at(as_admin, version)))
    assert_schema("compute.v2_39.limits", "get_limit", client.get(f"{API}/limits", headers=at(as_admin, "2.39")))
    r = client.put(f"{API}/os-quota-sets/{project}", headers=at(as_admin, "2.36"),
                   json={"quota_set": {"floating_ips": 3}})
    assert r.status_code == 400
    for version, module, body in (("2.13", "v2_13", {"policies": ["affinity"]}),
                                  ("2.64", "v2_64", {"policy": "soft-anti-affinity"})):
        r = client.post(f"{API}/os-server-groups", headers=at(as_admin, version),
                        json={"server_group": {"name": f"g{module}", **body}})
        assert_schema(f"compute.{module}.server_groups", "create_show_server_group", r)
        assert_schema(f"compute.{module}.server_groups", "list_server_groups",
                      client.get(f"{API}/os-server-groups", headers=at(as_admin, version)))
    r = client.post(f"{API}/os-server-groups", headers=at(as_admin, "2.14"),
                    json={"server_group": {"name": "soft", "policies": ["soft-affinity"]}})
    assert r.status_code == 400


def test_create_image_and_attachments(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """2.45 createImage answers the image id in the body; 2.70 interface tags; 2.89 volume attachment ids."""
    server = create_server(client, cloud, at(as_demo, "2.93"), networks="auto")
    path = f"{API}/servers/{server['id']}"
    r = client.post(f"{path}/action", headers=at(as_demo, "2.45"), json={"createImage": {"name": "snap"}})
    assert_schema("compute.v2_45.images", "create_image", r)
    assert "Location" not in r.headers and r.json()["image_id"]
    assert_schema("compute.v2_70.interfaces", "list_interfaces",
                  client.get(f"{path}/os-interface", headers=at(as_demo, "2.70")))
    volume = client.post(f"/volume/v3/{project_id(client, as_demo)}/volumes", headers=as_demo,
                         json={"volume": {"size": 1}}).json()["volume"]
    cloud.worker.run_due()
    r = client.post(f"{path}/os-volume_attachments", headers=at(as_demo, "2.89"),
                    json={"volumeAttachment": {"volumeId": volume["id"]}})
    assert_schema("compute.v2_79.servers", "attach_volume", r)
    cloud.worker.run_due()
    listed = client.get(f"{path}/os-volume_attachments", headers=at(as_demo, "2.89"))
    assert_schema("compute.v2_89.servers", "list_volume_attachments", listed)
    assert_schema("compute.v2_89.servers", "show_volume_attachment",
                  client.get(f"{path}/os-volume_attachments/{volume['id']}", headers=at(as_demo, "2.89")))



def test_instance_actions_per_microversion(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                           as_admin: dict[str, str]) -> None:
    """updated_at (2.58), the events' hostId and host (2.62), their details (2.84), as tempest's schemas say;
    the create action carries the request id of the create's answer (x-compute-request-id, as tempest reads)."""
    r = client.post(f"{API}/servers", headers=at(as_demo, "2.93"), json={"server": {
        "name": "acts", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo), "networks": "auto"}})
    assert r.headers["x-compute-request-id"] == r.headers["x-openstack-request-id"]
    cloud.worker.run_due()
    path = f"{API}/servers/{r.json()['server']['id']}/os-instance-actions"
    shown = client.get(f"{path}/{r.headers['x-compute-request-id']}", headers=as_demo)
    assert shown.status_code == 200 and shown.json()["instanceAction"]["action"] == "create"
    for version, module in (("2.58", "v2_58"), ("2.62", "v2_62"), ("2.84", "v2_84")):
        listed = client.get(path, headers=at(as_demo, version))
        assert_schema(f"compute.{module}.servers", "list_instance_actions", listed)
        request_id = listed.json()["instanceActions"][0]["request_id"]
        for headers in (as_demo, as_admin):
            assert_schema(f"compute.{module}.servers", "show_instance_action",
                          client.get(f"{path}/{request_id}", headers=at(headers, version)))


def test_remote_consoles_and_quota_classes(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                           as_admin: dict[str, str]) -> None:
    """2.6 remote-consoles (what `openstack console url show` asks) answers a console URL (404 below 2.6);
    quota classes leave out the network quotas from 2.50 and the injected files from 2.57."""
    server = create_server(client, cloud, at(as_demo, "2.93"), networks="auto")
    path = f"{API}/servers/{server['id']}/remote-consoles"
    body = {"remote_console": {"protocol": "vnc", "type": "novnc"}}
    r = client.post(path, headers=at(as_demo, "2.6"), json=body)
    assert_schema("compute.v2_6.servers", "get_remote_consoles", r)
    assert r.json()["remote_console"]["url"].startswith(f"{cloud.settings.endpoint}/compute/console?token=")
    assert client.post(path, headers=at(as_demo, "2.5"), json=body).status_code == 404
    r = client.post(path, headers=at(as_demo, "2.6"), json={"remote_console": {"protocol": "spice",
                                                                               "type": "spice-html5"}})
    assert r.status_code == 400 and "Unavailable console type" in r.json()["badRequest"]["message"]
    for version, module in (("2.50", "v2_50"), ("2.57", "v2_57")):
        got = client.get(f"{API}/os-quota-class-sets/default", headers=at(as_admin, version))
        assert_schema(f"compute.{module}.quota_classes", "get_quota_class_set", got)
        assert "floating_ips" not in got.json()["quota_class_set"]
    assert "injected_files" not in got.json()["quota_class_set"]


def test_version_negotiation(client: TestClient, as_demo: dict[str, str]) -> None:
    """The version document advertises 2.1-2.93; no header is 2.1, `latest` 2.93, echoed in both headers;
    outside the range is Nova's 406, an unparsable version 400."""
    doc = client.get("/compute/v2.1").json()["version"]
    assert (doc["min_version"], doc["version"]) == ("2.1", "2.93")
    r = client.get(f"{API}/flavors", headers=as_demo)
    assert r.headers["openstack-api-version"] == "compute 2.1"
    r = client.get(f"{API}/flavors", headers=at(as_demo, "latest"))
    assert (r.headers["openstack-api-version"], r.headers["x-openstack-nova-api-version"]) == ("compute 2.93", "2.93")
    r = client.get(f"{API}/flavors", headers={**as_demo, "X-OpenStack-Nova-API-Version": "2.47"})
    assert r.headers["x-openstack-nova-api-version"] == "2.47"
    r = client.get(f"{API}/flavors", headers=at(as_demo, "2.94"))
    assert r.status_code == 406 and "Minimum is 2.1 and maximum is 2.93" in r.text
    assert client.get(f"{API}/flavors", headers=at(as_demo, "2.x")).status_code == 400


def test_every_microversion_is_documented() -> None:
    """microversions.CHANGES names every version of the range, and api-subset.md shows each."""
    assert list(mv.CHANGES) == [f"2.{minor}" for minor in range(mv.MIN.minor, mv.MAX.minor + 1)]
    page = REFERENCE.read_text()
    missing = [v for v in mv.CHANGES if not re.search(rf"^\| {re.escape(v)} \|", page, re.M)]
    assert not missing, f"api-subset.md lacks microversions {missing}"
