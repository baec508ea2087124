"""Nova's proxy APIs (removed at 2.36; image metadata at 2.39, the floating IP actions at 2.44): os-volumes,
os-snapshots, /images, os-security-groups, os-security-group-rules, os-floating-ips, os-networks and
os-tenant-networks. Each answers tempest's schema, is the other service's own resource (a volume made through
Nova is Cinder's), refuses bad input with a 400, shows a student only their own project, and is Nova's 404 from
the version that removed it."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API
from tests.cloud.image_helpers import add_user

VOL = "compute.v2_1.volumes"
SNAP = "compute.v2_1.snapshots"
CINDER = "/volume/v3"


def at(headers: dict[str, str], version: str) -> dict[str, str]:
    return {**headers, "OpenStack-API-Version": f"compute {version}"}


def test_os_volumes_are_cinder_volumes(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    made = client.post(f"{API}/os-volumes", headers=as_demo, json={"volume": {
        "size": 1, "display_name": "v1", "display_description": "d", "metadata": {"k": "v"}}})
    assert_schema(VOL, "create_get_volume", made)
    volume = made.json()["volume"]
    assert volume["attachments"] == [{}] and volume["metadata"] == {"k": "v"}
    cloud.worker.run_due()
    shown = client.get(f"{API}/os-volumes/{volume['id']}", headers=as_demo)
    assert_schema(VOL, "create_get_volume", shown)
    assert shown.json()["volume"]["status"] == "available"
    cinder = client.get(f"{CINDER}/{cloud_project(client, as_demo)}/volumes/{volume['id']}", headers=as_demo)
    assert cinder.status_code == 200 and cinder.json()["volume"]["name"] == "v1"  # the same volume
    for path in ("os-volumes", "os-volumes/detail"):
        listed = client.get(f"{API}/{path}", headers=as_demo)
        assert_schema(VOL, "list_volumes", listed)
        assert [v["id"] for v in listed.json()["volumes"]] == [volume["id"]]
    assert client.get(f"{API}/os-volumes?offset=1", headers=as_demo).json()["volumes"] == []
    alt = add_user(cloud, client, "alt", "alt")  # another student's project sees none of it
    assert client.get(f"{API}/os-volumes", headers=alt).json()["volumes"] == []
    assert client.get(f"{API}/os-volumes/{volume['id']}", headers=alt).status_code == 404
    assert client.delete(f"{API}/os-volumes/{volume['id']}", headers=alt).status_code == 404

    snap = client.post(f"{API}/os-snapshots", headers=as_demo, json={"snapshot": {
        "volume_id": volume["id"], "display_name": "s1", "force": "true"}})
    assert_schema(SNAP, "create_get_snapshot", snap)
    snap_id = snap.json()["snapshot"]["id"]
    cloud.worker.run_due()
    assert_schema(SNAP, "create_get_snapshot", client.get(f"{API}/os-snapshots/{snap_id}", headers=as_demo))
    listed = client.get(f"{API}/os-snapshots/detail", headers=as_demo)
    assert_schema(SNAP, "list_snapshots", listed)
    assert [s["volumeId"] for s in listed.json()["snapshots"]] == [volume["id"]]
    assert_schema(SNAP, "delete_snapshot", client.delete(f"{API}/os-snapshots/{snap_id}", headers=as_demo))
    cloud.worker.run_due()
    assert client.get(f"{API}/os-snapshots/{snap_id}", headers=as_demo).status_code == 404
    assert_schema(VOL, "delete_volume", client.delete(f"{API}/os-volumes/{volume['id']}", headers=as_demo))
    cloud.worker.run_due()
    assert client.get(f"{API}/os-volumes/{volume['id']}", headers=as_demo).status_code == 404


def cloud_project(client: TestClient, headers: dict[str, str]) -> str:
    token = client.get("/identity/v3/auth/tokens", headers={**headers, "X-Subject-Token": headers["X-Auth-Token"]})
    return str(token.json()["token"]["project"]["id"])


def test_os_volumes_refuse_bad_input(client: TestClient, as_demo: dict) -> None:
    for body in ({"volume": {"size": 0}}, {"volume": {"size": "abc"}}, {"volume": {"display_name": "x"}},
                 {"volume": {"size": 1, "bogus": 1}}, {"volume": "x"}, {"nothing": {}},
                 {"volume": {"size": 1, "metadata": {"k": 1}}}, {"volume": {"size": True}}):
        r = client.post(f"{API}/os-volumes", headers=as_demo, json=body)
        assert r.status_code == 400, (body, r.text)
        assert "badRequest" in r.json()
    assert "0 is less than the minimum of 1" in client.post(
        f"{API}/os-volumes", headers=as_demo, json={"volume": {"size": 0}}).json()["badRequest"]["message"]
    r = client.post(f"{API}/os-volumes", headers=as_demo, json={"volume": {"size": 1, "snapshot_id": "nope"}})
    assert r.status_code == 404
    assert client.get(f"{API}/os-volumes/nope", headers=as_demo).status_code == 404
    r = client.post(f"{API}/os-snapshots", headers=as_demo, json={"snapshot": {"display_name": "x"}})
    assert r.status_code == 400
    assert client.post(f"{API}/os-snapshots", headers=as_demo, json={"snapshot": {"volume_id": "nope"}}
                       ).status_code == 404


def test_volume_proxies_are_gone_at_2_36(client: TestClient, as_demo: dict) -> None:
    for path in ("os-volumes", "os-volumes/detail", "os-snapshots"):
        assert client.get(f"{API}/{path}", headers=at(as_demo, "2.35")).status_code == 200
        assert client.get(f"{API}/{path}", headers=at(as_demo, "2.36")).status_code == 404
    assert client.post(f"{API}/os-volumes", headers=at(as_demo, "2.36"), json={"volume": {"size": 1}}
                       ).status_code == 404


IMG = "compute.v2_1.images"


def _glance_image(client: TestClient, headers: dict[str, str], name: str, **properties: str) -> str:
    r = client.post("/image/v2/images", headers=headers, json={
        "name": name, "disk_format": "raw", "container_format": "bare", "visibility": "private", **properties})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_images_are_glance_images(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    mine = _glance_image(client, as_demo, "mine", os_distro="cirros")
    listed = client.get(f"{API}/images", headers=as_demo)
    assert_schema(IMG, "list_images", listed)
    names = {i["name"] for i in listed.json()["images"]}
    assert {"mine", "cirros"} <= names
    detail = client.get(f"{API}/images/detail?name=mine", headers=as_demo)
    assert_schema(IMG, "list_images_details", detail)
    (image,) = detail.json()["images"]
    assert image["id"] == mine and image["status"] == "SAVING" and image["metadata"] == {"os_distro": "cirros"}
    assert client.get(f"{API}/images/detail?status=ACTIVE&name=mine", headers=as_demo).json()["images"] == []
    one = client.get(f"{API}/images?limit=1", headers=as_demo)
    assert len(one.json()["images"]) == 1 and one.json()["images_links"][0]["rel"] == "next"
    assert_schema(IMG, "get_image", client.get(f"{API}/images/{mine}", headers=as_demo))
    alt = add_user(cloud, client, "alt", "alt")  # another student's project: the private image is not theirs
    assert mine not in {i["id"] for i in client.get(f"{API}/images", headers=alt).json()["images"]}
    assert client.get(f"{API}/images/{mine}", headers=alt).status_code == 404
    assert client.delete(f"{API}/images/{mine}", headers=alt).status_code == 404
    assert client.get(f"{API}/images/{mine}/metadata", headers=alt).status_code == 404
    base = f"{API}/images/{mine}/metadata"
    assert_schema(IMG, "image_metadata", client.post(base, headers=as_demo, json={"metadata": {"a": "1"}}))
    assert client.get(base, headers=as_demo).json() == {"metadata": {"os_distro": "cirros", "a": "1"}}
    assert_schema(IMG, "image_metadata", client.put(base, headers=as_demo, json={"metadata": {"b": "2"}}))
    assert client.get(base, headers=as_demo).json() == {"metadata": {"b": "2"}}
    assert_schema(IMG, "image_meta_item", client.put(f"{base}/c", headers=as_demo, json={"meta": {"c": "3"}}))
    assert_schema(IMG, "image_meta_item", client.get(f"{base}/c", headers=as_demo))
    assert client.delete(f"{base}/b", headers=as_demo).status_code == 204
    assert client.get(base, headers=as_demo).json() == {"metadata": {"c": "3"}}
    assert client.get(f"/image/v2/images/{mine}", headers=as_demo).json()["c"] == "3"  # Glance's own property
    for bad in ({"metadata": {"k": 1}}, {"metadata": "x"}, {"meta": {"k": "v"}}, {"metadata": {"": "v"}}):
        assert client.post(base, headers=as_demo, json=bad).status_code == 400, bad
    assert client.put(f"{base}/c", headers=as_demo, json={"meta": {"d": "1"}}).status_code == 400
    assert client.put(f"{base}/c", headers=as_demo, json={"meta": {"c": "1", "d": "2"}}).status_code == 400
    assert client.get(f"{base}/zz", headers=as_demo).status_code == 404
    assert client.get(f"{API}/images/nope", headers=as_demo).status_code == 404
    assert client.delete(f"{API}/images/{mine}", headers=as_demo).status_code == 204
    assert client.get(f"/image/v2/images/{mine}", headers=as_demo).status_code == 404


def test_image_proxy_is_gone_at_2_36_and_its_metadata_at_2_39(client: TestClient, as_demo: dict) -> None:
    image = client.get(f"{API}/images", headers=as_demo).json()["images"][0]["id"]
    assert client.get(f"{API}/images", headers=at(as_demo, "2.35")).status_code == 200
    assert client.get(f"{API}/images", headers=at(as_demo, "2.36")).status_code == 404
    assert client.get(f"{API}/images/{image}", headers=at(as_demo, "2.36")).status_code == 404
    assert client.get(f"{API}/images/{image}/metadata", headers=at(as_demo, "2.38")).status_code == 200
    assert client.get(f"{API}/images/{image}/metadata", headers=at(as_demo, "2.39")).status_code == 404


SG = "compute.v2_1.security_groups"
FIP = "compute.v2_1.floating_ips"
TN = "compute.v2_1.tenant_networks"
N = "/network/v2.0"


def test_security_groups_are_neutron_groups(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    made = client.post(f"{API}/os-security-groups", headers=as_demo, json={"security_group": {
        "name": "web", "description": "web servers"}})
    assert_schema(SG, "create_security_group", made)
    group = made.json()["security_group"]
    assert client.get(f"{N}/security-groups/{group['id']}", headers=as_demo).json()["security_group"]["name"] == "web"
    listed = client.get(f"{API}/os-security-groups", headers=as_demo)
    assert_schema(SG, "list_security_groups", listed)
    assert {"web", "default"} <= {g["name"] for g in listed.json()["security_groups"]}
    rule = client.post(f"{API}/os-security-group-rules", headers=as_demo, json={"security_group_rule": {
        "parent_group_id": group["id"], "ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}})
    assert_schema(SG, "create_security_group_rule", rule)
    assert rule.json()["security_group_rule"]["ip_range"] == {"cidr": "10.0.0.0/8"}
    default = next(g for g in listed.json()["security_groups"] if g["name"] == "default")
    by_group = client.post(f"{API}/os-security-group-rules", headers=as_demo, json={"security_group_rule": {
        "parent_group_id": group["id"], "ip_protocol": "icmp", "group_id": default["id"]}})
    assert_schema(SG, "create_security_group_rule", by_group)
    assert by_group.json()["security_group_rule"]["group"] == {"name": "default", "tenant_id": default["tenant_id"]}
    shown = client.get(f"{API}/os-security-groups/{group['id']}", headers=as_demo)
    assert_schema(SG, "get_security_group", shown)
    assert len(shown.json()["security_group"]["rules"]) == 2
    duplicate = client.post(f"{API}/os-security-group-rules", headers=as_demo, json={"security_group_rule": {
        "parent_group_id": group["id"], "ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}})
    assert duplicate.status_code == 400
    for bad in ({"ip_protocol": "tcp", "from_port": 22, "to_port": 21}, {"ip_protocol": "tcp", "from_port": "a",
                "to_port": 22}, {"ip_protocol": "abc", "from_port": 1, "to_port": 2},
                {"ip_protocol": "tcp", "from_port": 0, "to_port": 70000}, {"ip_protocol": "tcp", "cidr": "x",
                "from_port": 1, "to_port": 2}, {"cidr": "10.0.0.0/8"}):
        r = client.post(f"{API}/os-security-group-rules", headers=as_demo, json={"security_group_rule": {
            "parent_group_id": group["id"], **bad}})
        assert r.status_code == 400, (bad, r.text)
    r = client.post(f"{API}/os-security-group-rules", headers=as_demo, json={"security_group_rule": {
        "parent_group_id": "00000000-0000-0000-0000-000000000000", "ip_protocol": "tcp", "from_port": 1,
        "to_port": 2}})
    assert r.status_code == 404
    updated = client.put(f"{API}/os-security-groups/{group['id']}", headers=as_demo, json={"security_group": {
        "name": "web2", "description": "d2"}})
    assert_schema(SG, "update_security_group", updated)
    assert updated.json()["security_group"]["name"] == "web2"
    rule_id = rule.json()["security_group_rule"]["id"]
    assert_schema(SG, "delete_security_group_rule",
                  client.delete(f"{API}/os-security-group-rules/{rule_id}", headers=as_demo))
    assert client.delete(f"{API}/os-security-group-rules/{rule_id}", headers=as_demo).status_code == 404
    for bad in ({"security_group": {"name": "", "description": "d"}}, {"security_group": {"name": "x"}},
                {"security_group": {"name": "x" * 256, "description": "d"}}, {"security_group": {"name": 1,
                "description": "d"}}, {"nothing": 1}):
        assert client.post(f"{API}/os-security-groups", headers=as_demo, json=bad).status_code == 400, bad
    assert client.get(f"{API}/os-security-groups/not-a-uuid", headers=as_demo).status_code == 400
    assert client.delete(f"{API}/os-security-groups/{default['id']}", headers=as_demo).status_code == 400
    alt = add_user(cloud, client, "alt", "alt")  # another student's project: none of demo's groups
    assert group["id"] not in {g["id"] for g in client.get(f"{API}/os-security-groups", headers=alt
                                                          ).json()["security_groups"]}
    assert client.get(f"{API}/os-security-groups/{group['id']}", headers=alt).status_code == 404
    assert_schema(SG, "delete_security_group", client.delete(f"{API}/os-security-groups/{group['id']}",
                                                             headers=as_demo))
    assert client.get(f"{N}/security-groups/{group['id']}", headers=as_demo).status_code == 404


def test_floating_ips_and_their_server_actions(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    from tests.cloud.compute_support import create_server

    pools = client.get(f"{API}/os-floating-ip-pools", headers=as_demo).json()["floating_ip_pools"]
    made = client.post(f"{API}/os-floating-ips", headers=as_demo, json={"pool": pools[0]["name"]})
    assert_schema(FIP, "create_get_floating_ip", made)
    fip = made.json()["floating_ip"]
    assert fip["instance_id"] is None and fip["pool"] == pools[0]["name"]
    assert client.get(f"{N}/floatingips/{fip['id']}", headers=as_demo).status_code == 200  # Neutron's
    listed = client.get(f"{API}/os-floating-ips", headers=as_demo)
    assert_schema(FIP, "list_floating_ips", listed)
    assert [f["id"] for f in listed.json()["floating_ips"]] == [fip["id"]]
    server = create_server(client, cloud, as_demo)
    action = f"{API}/servers/{server['id']}/action"
    added = client.post(action, headers=as_demo, json={"addFloatingIp": {"address": fip["ip"]}})
    assert_schema(FIP, "add_remove_floating_ip", added)
    shown = client.get(f"{API}/os-floating-ips/{fip['id']}", headers=as_demo)
    assert_schema(FIP, "create_get_floating_ip", shown)
    assert shown.json()["floating_ip"]["instance_id"] == server["id"] and shown.json()["floating_ip"]["fixed_ip"]
    assert client.post(action, headers=at(as_demo, "2.44"), json={"removeFloatingIp": {"address": fip["ip"]}}
                       ).status_code == 404
    for bad in ({"addFloatingIp": {"address": "nope"}}, {"addFloatingIp": {}}, {"addFloatingIp": {
            "address": fip["ip"], "fixed_address": "10.9.9.9"}}, {"addFloatingIp": "x"}):
        assert client.post(action, headers=as_demo, json=bad).status_code == 400, bad
    assert client.post(action, headers=as_demo, json={"addFloatingIp": {"address": "192.0.2.1"}}).status_code == 404
    assert_schema(FIP, "add_remove_floating_ip", client.post(action, headers=as_demo, json={
        "removeFloatingIp": {"address": fip["ip"]}}))
    assert client.post(action, headers=as_demo, json={"removeFloatingIp": {"address": fip["ip"]}}
                       ).status_code == 409
    assert client.post(f"{API}/os-floating-ips", headers=as_demo, json={"pool": "nope"}).status_code == 404
    assert client.get(f"{API}/os-floating-ips/not-a-uuid", headers=as_demo).status_code == 400
    assert client.get(f"{API}/os-floating-ips/00000000-0000-0000-0000-000000000000", headers=as_demo
                      ).status_code == 404
    alt = add_user(cloud, client, "alt", "alt")
    assert client.get(f"{API}/os-floating-ips", headers=alt).json()["floating_ips"] == []
    assert client.get(f"{API}/os-floating-ips/{fip['id']}", headers=alt).status_code == 404
    assert client.delete(f"{API}/os-floating-ips/{fip['id']}", headers=as_demo).status_code == 202
    assert client.get(f"{N}/floatingips/{fip['id']}", headers=as_demo).status_code == 404


def test_networks_and_tenant_networks(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    listed = client.get(f"{API}/os-tenant-networks", headers=as_demo)
    assert_schema(TN, "list_tenant_networks", listed)
    private = next(n for n in listed.json()["networks"] if n["label"] == "private")
    assert_schema(TN, "get_tenant_network", client.get(f"{API}/os-tenant-networks/{private['id']}", headers=as_demo))
    networks = client.get(f"{API}/os-networks", headers=as_admin).json()["networks"]
    assert "public" in {n["label"] for n in networks}
    shown = client.get(f"{API}/os-networks/{private['id']}", headers=as_demo).json()["network"]
    assert shown["id"] == private["id"] and shown["label"] == "private" and shown["cidr"] is None
    assert client.get(f"{API}/os-networks/nope", headers=as_demo).status_code == 404
    assert client.get(f"{API}/os-tenant-networks/nope", headers=as_demo).status_code == 404
    assert client.post(f"{API}/os-networks", headers=as_admin, json={"network": {"label": "x"}}).status_code == 410
    assert client.delete(f"{API}/os-networks/{private['id']}", headers=as_admin).status_code == 410


def test_group_names_kept_and_peer_rules_go_with_their_group(client: TestClient, as_demo: dict) -> None:
    def group(name: str) -> dict:
        r = client.post(f"{API}/os-security-groups", headers=as_demo, json={"security_group": {
            "name": name, "description": "d"}})
        return r.json()["security_group"]  # type: ignore[no-any-return]

    one, two = group(" spaced name "), group("peer")
    assert one["name"] == " spaced name "  # Nova strips it only to check it
    assert client.get(f"{API}/os-security-groups/{one['id']}", headers=as_demo).json()["security_group"] == one
    rule = client.post(f"{API}/os-security-group-rules", headers=as_demo, json={"security_group_rule": {
        "parent_group_id": one["id"], "ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.2.3.124/24"}})
    assert rule.json()["security_group_rule"]["ip_range"] == {"cidr": "10.2.3.124/24"}
    client.post(f"{API}/os-security-group-rules", headers=as_demo, json={"security_group_rule": {
        "parent_group_id": one["id"], "ip_protocol": "tcp", "from_port": 5, "to_port": 6, "group_id": two["id"]}})
    assert len(client.get(f"{API}/os-security-groups/{one['id']}", headers=as_demo).json()["security_group"]
               ["rules"]) == 2
    assert client.delete(f"{API}/os-security-groups/{two['id']}", headers=as_demo).status_code == 202
    rules = client.get(f"{API}/os-security-groups/{one['id']}", headers=as_demo).json()["security_group"]["rules"]
    assert [r["ip_range"] for r in rules] == [{"cidr": "10.2.3.0/24"}]  # the peer's rule went with the peer


def test_network_proxies_are_gone_at_2_36(client: TestClient, as_demo: dict) -> None:
    for path in ("os-security-groups", "os-floating-ips", "os-networks", "os-tenant-networks"):
        assert client.get(f"{API}/{path}", headers=at(as_demo, "2.35")).status_code == 200, path
        assert client.get(f"{API}/{path}", headers=at(as_demo, "2.36")).status_code == 404, path
