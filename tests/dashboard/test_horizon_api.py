"""What Horizon asks of the lab's APIs that other clients do not (found by running the real Horizon against the
lab: see course/dashboard.md's gap log). In-process, with the requests Horizon's libraries send."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD

PASSWORD_IDENTITY = {"methods": ["password"], "password": {"user": {
    "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}}


def test_explicitly_unscoped_login_is_unscoped(client: TestClient) -> None:
    """keystoneauth's `unscoped=True` (openstack_auth's first step) sends "scope": "unscoped": Keystone then
    issues an unscoped token even for a user with a default project."""
    r = client.post("/identity/v3/auth/tokens", json={"auth": {"identity": PASSWORD_IDENTITY, "scope": "unscoped"}})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert "project" not in token and "catalog" not in token
    assert token["user"]["name"] == "admin"
    # Any other string is not a scope.
    r = client.post("/identity/v3/auth/tokens", json={"auth": {"identity": PASSWORD_IDENTITY, "scope": "project"}})
    assert r.status_code == 400
    assert "unscoped" in r.json()["error"]["message"]


def _project_of(client: TestClient, headers: dict[str, str]) -> str:
    r = client.get("/identity/v3/auth/tokens", headers={**headers, "X-Subject-Token": headers["X-Auth-Token"]})
    return str(r.json()["token"]["project"]["id"])


def test_volume_extensions_and_groups_as_horizon_reads_them(client: TestClient, as_demo: dict[str, str]) -> None:
    """Horizon's Volumes page asks whether "AvailabilityZones" is among Cinder's extensions."""
    project = _project_of(client, as_demo)
    r = client.get(f"/volume/v3/{project}/extensions", headers=as_demo)
    assert r.status_code == 200
    names = {e["name"]: e for e in r.json()["extensions"]}
    assert names["AvailabilityZones"]["alias"] == "os-availability-zone"
    assert set(names["Backups"]) == {"alias", "description", "links", "name", "updated"}

    # Generic volume groups: none in the lab, listed empty from the microversion that brought each.
    at = {**as_demo, "OpenStack-API-Version": "volume 3.60"}
    for path, key in (("groups/detail", "groups"), ("groups", "groups"), ("group_snapshots/detail", "group_snapshots"),
                      ("group_types", "group_types")):
        r = client.get(f"/volume/v3/{project}/{path}", headers=at)
        assert r.status_code == 200, (path, r.text)
        assert r.json() == {key: []}
    old = client.get(f"/volume/v3/{project}/groups/detail", headers={**as_demo, "OpenStack-API-Version": "volume 3.12"})
    assert old.status_code == 404
    other = client.get("/volume/v3/someone-else/groups", headers=at)
    assert other.status_code == 403


def test_metadata_definitions_catalog_is_empty(client: TestClient, as_demo: dict[str, str]) -> None:
    """Horizon's metadata steps (Create Image, the launch wizard) list Glance's metadefs namespaces through
    glanceclient, which first builds its model from the namespace schema: the lab loads no definitions, so the
    list is empty, and both answer only a caller with a token."""
    schema = client.get("/image/v2/schemas/metadefs/namespace", headers=as_demo)
    assert schema.status_code == 200
    body = schema.json()
    assert body["name"] == "namespace" and body["required"] == ["namespace"]
    props = body["properties"]
    assert props["visibility"]["enum"] == ["public", "private"] and props["protected"]["type"] == "boolean"
    assert all("type" in prop for prop in props.values())  # warlock builds its model from these
    plural = client.get("/image/v2/schemas/metadefs/namespaces", headers=as_demo).json()
    assert plural["properties"]["namespaces"]["items"] == body
    listed = client.get("/image/v2/metadefs/namespaces?limit=1000&sort_key=namespace&sort_dir=asc"
                        "&resource_types=OS::Glance::Image", headers=as_demo)
    assert listed.status_code == 200
    assert listed.json() == {"namespaces": [], "first": "/v2/metadefs/namespaces",
                             "schema": "/v2/schemas/metadefs/namespaces"}
    assert client.get("/image/v2/metadefs/namespaces").status_code == 401
    assert client.get("/image/v2/schemas/metadefs/namespace").status_code == 401
