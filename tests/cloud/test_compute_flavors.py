"""Flavors: DevStack-like defaults, filters, sorting, paging, admin create/delete, access lists, extra specs."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.cloud.compute_support import API, project_id

FLAVOR_KEYS = {"id", "name", "ram", "vcpus", "disk", "swap", "links", "OS-FLV-EXT-DATA:ephemeral",
               "OS-FLV-DISABLED:disabled", "os-flavor-access:is_public", "rxtx_factor"}


def test_defaults_are_devstack_sizes(client: TestClient, as_demo: dict) -> None:
    """m1.tiny .. m1.xlarge exist with DevStack's sizes; detail items have exactly Nova's keys."""
    r = client.get(f"{API}/flavors/detail?is_public=True", headers=as_demo)
    assert r.status_code == 200
    flavors = {f["name"]: f for f in r.json()["flavors"]}
    assert (flavors["m1.tiny"]["ram"], flavors["m1.tiny"]["vcpus"], flavors["m1.tiny"]["disk"]) == (512, 1, 1)
    assert (flavors["m1.small"]["ram"], flavors["m1.medium"]["vcpus"], flavors["m1.large"]["disk"]) == (2048, 2, 80)
    assert (flavors["m1.xlarge"]["id"], flavors["m1.xlarge"]["ram"], flavors["m1.xlarge"]["vcpus"],
            flavors["m1.xlarge"]["disk"]) == ("5", 16384, 8, 160)
    assert all(set(f) == FLAVOR_KEYS for f in flavors.values())
    assert flavors["m1.tiny"]["swap"] == ""


def test_brief_list_has_id_name_links(client: TestClient, as_demo: dict) -> None:
    r = client.get(f"{API}/flavors", headers=as_demo)
    assert all(set(f) == {"id", "name", "links"} for f in r.json()["flavors"])


def test_min_ram_and_min_disk_filter(client: TestClient, as_demo: dict) -> None:
    """minRam/minDisk keep flavors at least that large (tempest's filter tests)."""
    r = client.get(f"{API}/flavors/detail?minRam=2048&minDisk=40", headers=as_demo)
    assert {f["name"] for f in r.json()["flavors"]} == {"m1.medium", "m1.large", "m1.xlarge"}
    bad = client.get(f"{API}/flavors?minRam=lots", headers=as_demo)
    assert bad.status_code == 400
    assert bad.json() == {"badRequest": {"code": 400, "message": "Invalid minRam filter [lots]"}}


def test_sort_and_pagination_with_links(client: TestClient, as_demo: dict) -> None:
    """limit gives a page and a flavors_links next link; following it yields the rest, in order."""
    r = client.get(f"{API}/flavors?sort_key=memory_mb&sort_dir=desc&limit=2", headers=as_demo)
    page = r.json()
    assert [f["name"] for f in page["flavors"]] == ["m1.xlarge", "m1.large"]
    nxt = page["flavors_links"][0]
    assert nxt["rel"] == "next" and "marker=4" in nxt["href"]
    rest = client.get(nxt["href"].replace("http://127.0.0.1:8780", ""), headers=as_demo).json()
    assert rest["flavors"][0]["name"] == "m1.medium"
    r = client.get(f"{API}/flavors?marker=nope", headers=as_demo)
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == "marker [nope] not found"


def test_show_by_id_and_404_for_a_name(client: TestClient, as_demo: dict) -> None:
    """GET by id works; a name at GET-by-id is a 404 (the SDK then lists), never a 400."""
    assert client.get(f"{API}/flavors/1", headers=as_demo).json()["flavor"]["name"] == "m1.tiny"
    r = client.get(f"{API}/flavors/m1.tiny", headers=as_demo)
    assert r.status_code == 404
    assert r.json() == {"itemNotFound": {"code": 404, "message": "Flavor m1.tiny could not be found."}}


def test_admin_creates_and_deletes_a_flavor(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    r = client.post(f"{API}/flavors", headers=as_admin, json={"flavor": {
        "name": "m1.custom", "ram": 1024, "vcpus": 2, "disk": 10, "id": "custom"}})
    assert r.status_code == 200, r.text
    assert r.json()["flavor"]["id"] == "custom" and set(r.json()["flavor"]) == FLAVOR_KEYS
    dup = client.post(f"{API}/flavors", headers=as_admin, json={"flavor": {
        "name": "m1.custom", "ram": 1, "vcpus": 1, "disk": 1}})
    assert dup.status_code == 409
    assert dup.json()["conflictingRequest"]["message"] == "Flavor with name m1.custom already exists."
    assert client.delete(f"{API}/flavors/custom", headers=as_admin).status_code == 202
    assert client.get(f"{API}/flavors/custom", headers=as_demo).status_code == 404


def test_member_cannot_create_or_delete_flavors(client: TestClient, as_demo: dict) -> None:
    r = client.post(f"{API}/flavors", headers=as_demo, json={"flavor": {
        "name": "mine", "ram": 1, "vcpus": 1, "disk": 1}})
    assert r.status_code == 403
    assert r.json() == {"forbidden": {
        "code": 403, "message": "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed."}}
    assert client.delete(f"{API}/flavors/1", headers=as_demo).status_code == 403
    assert client.get(f"{API}/flavors/1", headers=as_demo).status_code == 200


def test_malformed_flavor_is_400(client: TestClient, as_admin: dict) -> None:
    r = client.post(f"{API}/flavors", headers=as_admin, json={"flavor": {"name": "x", "ram": "lots", "vcpus": 1,
                                                                        "disk": 1}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"].startswith("Invalid input for field/attribute ram.")
    assert client.get(f"{API}/flavors/detail?is_public=None", headers=as_admin).json()["flavors"][-1]["name"] != "x"


def test_private_flavor_access(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """A private flavor is invisible to a project until the admin adds the project to its access list."""
    r = client.post(f"{API}/flavors", headers=as_admin, json={"flavor": {
        "name": "secret", "ram": 256, "vcpus": 1, "disk": 1, "id": "p1", "os-flavor-access:is_public": False}})
    assert r.status_code == 200
    assert client.get(f"{API}/flavors/p1", headers=as_demo).status_code == 404
    assert "secret" not in {f["name"] for f in client.get(f"{API}/flavors", headers=as_demo).json()["flavors"]}
    demo_project = project_id(client, as_demo)
    r = client.post(f"{API}/flavors/p1/action", headers=as_admin, json={"addTenantAccess": {"tenant": demo_project}})
    assert r.status_code == 200
    assert r.json() == {"flavor_access": [{"flavor_id": "p1", "tenant_id": demo_project}]}
    assert client.get(f"{API}/flavors/p1", headers=as_demo).status_code == 200
    again = client.post(f"{API}/flavors/p1/action", headers=as_admin,
                        json={"addTenantAccess": {"tenant": demo_project}})
    assert again.status_code == 409
    assert client.get(f"{API}/flavors/p1/os-flavor-access", headers=as_admin).json()["flavor_access"] == [
        {"flavor_id": "p1", "tenant_id": demo_project}]
    r = client.post(f"{API}/flavors/p1/action", headers=as_admin,
                    json={"removeTenantAccess": {"tenant": demo_project}})
    assert r.status_code == 200 and r.json() == {"flavor_access": []}
    assert client.get(f"{API}/flavors/p1", headers=as_demo).status_code == 404
    public = client.get(f"{API}/flavors/1/os-flavor-access", headers=as_admin)
    assert public.status_code == 404
    assert public.json()["itemNotFound"]["message"] == "Access list not available for public flavors."


def test_admin_lists_private_flavors_with_is_public_none(client: TestClient, as_admin: dict) -> None:
    client.post(f"{API}/flavors", headers=as_admin, json={"flavor": {
        "name": "hidden", "ram": 256, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": False}})
    public = {f["name"] for f in client.get(f"{API}/flavors?is_public=True", headers=as_admin).json()["flavors"]}
    both = {f["name"] for f in client.get(f"{API}/flavors?is_public=None", headers=as_admin).json()["flavors"]}
    private = {f["name"] for f in client.get(f"{API}/flavors?is_public=false", headers=as_admin).json()["flavors"]}
    assert "hidden" not in public and "hidden" in both and private == {"hidden"}


def test_extra_specs(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    r = client.post(f"{API}/flavors/1/os-extra_specs", headers=as_admin,
                    json={"extra_specs": {"hw:cpu_policy": "shared"}})
    assert r.status_code == 200 and r.json() == {"extra_specs": {"hw:cpu_policy": "shared"}}
    assert client.get(f"{API}/flavors/1/os-extra_specs", headers=as_demo).json() == {
        "extra_specs": {"hw:cpu_policy": "shared"}}
    assert client.get(f"{API}/flavors/1/os-extra_specs/hw:cpu_policy", headers=as_demo).json() == {
        "hw:cpu_policy": "shared"}
    denied = client.post(f"{API}/flavors/1/os-extra_specs", headers=as_demo, json={"extra_specs": {"a": "b"}})
    assert denied.status_code == 403
    assert client.delete(f"{API}/flavors/1/os-extra_specs/hw:cpu_policy", headers=as_admin).status_code == 200
    assert client.get(f"{API}/flavors/1/os-extra_specs/hw:cpu_policy", headers=as_demo).status_code == 404
