"""Who sees which image (public, private, shared with members, community), and listing: filters, sorting,
pagination."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.image_helpers import (
    PATCH,
    add_user,
    create_image,
    glance_error,
    list_ids,
    project_id,
    show,
    upload,
)


@pytest.fixture
def as_alt(cloud: Cloud, client: TestClient) -> dict[str, str]:
    """A member of a third project, `alt`."""
    return add_user(cloud, client, "alt", "alt")


# ---------------------------------------------------------------------------------------------------- public
def test_only_admin_may_create_a_public_image(client: TestClient, as_demo: dict[str, str],
                                              as_admin: dict[str, str]) -> None:
    r = client.post("/image/v2/images", headers=as_demo, json={"name": "pub", "visibility": "public"})
    assert r.status_code == 403
    assert r.json() == glance_error(403, "Forbidden", "You are not authorized to complete publicize_image action.")
    assert list_ids(client, as_demo, "?name=pub") == []
    assert create_image(client, as_admin, name="pub", visibility="public")["visibility"] == "public"


def test_member_cannot_make_an_image_public(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="mine", visibility="private")
    r = client.patch(f"/image/v2/images/{img['id']}", headers={**as_demo, **PATCH},
                     json=[{"op": "replace", "path": "/visibility", "value": "public"}])
    assert r.status_code == 403 and r.json()["message"].endswith("publicize_image action.")
    assert show(client, as_demo, img["id"])["visibility"] == "private"


def test_public_image_of_another_project_is_readable_not_writable(client: TestClient, as_demo: dict[str, str]
                                                                  ) -> None:
    [cirros] = client.get("/image/v2/images?name=cirros", headers=as_demo).json()["images"]
    r = client.patch(f"/image/v2/images/{cirros['id']}", headers={**as_demo, **PATCH},
                     json=[{"op": "replace", "path": "/name", "value": "mine"}])
    assert r.status_code == 403
    assert r.json() == glance_error(403, "Forbidden", "You are not authorized to complete modify_image action.")
    r = client.delete(f"/image/v2/images/{cirros['id']}", headers=as_demo)
    assert r.status_code == 403 and r.json()["message"] == "You are not authorized to complete delete_image action."
    assert show(client, as_demo, cirros["id"]) == cirros
    assert client.get(f"/image/v2/images/{cirros['id']}/file", headers=as_demo).status_code == 200


# --------------------------------------------------------------------------------------------------- private
def test_another_projects_private_image_is_404_everywhere(client: TestClient, as_demo: dict[str, str],
                                                          as_alt: dict[str, str]) -> None:
    img = create_image(client, as_alt, name="secret", visibility="private")
    upload(client, as_alt, img["id"], b"secret")
    base = f"/image/v2/images/{img['id']}"
    not_found = glance_error(404, "Not Found", f"No image found with ID {img['id']}")
    for method, path, kwargs in (("GET", base, {}), ("GET", f"{base}/file", {}), ("DELETE", base, {}),
                                 ("PATCH", base, {"json": [{"op": "replace", "path": "/name", "value": "x"}],
                                                  "headers": PATCH}),
                                 ("PUT", f"{base}/tags/t", {}), ("POST", f"{base}/actions/deactivate", {})):
        headers = {**as_demo, **kwargs.pop("headers", {})}
        r = client.request(method, path, headers=headers, **kwargs)
        assert (r.status_code, r.json()) == (404, not_found), (method, path)
    assert img["id"] not in list_ids(client, as_demo, "?visibility=all")
    assert show(client, as_alt, img["id"])["name"] == "secret"


def test_admin_sees_and_manages_every_image(client: TestClient, as_admin: dict[str, str],
                                            as_alt: dict[str, str]) -> None:
    img = create_image(client, as_alt, name="alt-private", visibility="private")
    assert img["id"] in list_ids(client, as_admin)
    assert client.delete(f"/image/v2/images/{img['id']}", headers=as_admin).status_code == 204
    assert client.get(f"/image/v2/images/{img['id']}", headers=as_alt).status_code == 404


# ------------------------------------------------------------------------------------------------- community
def test_community_image_is_listed_only_when_asked_but_shown_by_id(client: TestClient, as_demo: dict[str, str],
                                                                   as_alt: dict[str, str]) -> None:
    img = create_image(client, as_alt, name="comm", visibility="community")
    assert img["id"] not in list_ids(client, as_demo)
    assert img["id"] in list_ids(client, as_demo, "?visibility=community")
    assert img["id"] in list_ids(client, as_demo, "?visibility=all")
    assert img["id"] in list_ids(client, as_alt)  # the owner sees its own
    assert show(client, as_demo, img["id"])["visibility"] == "community"


# ---------------------------------------------------------------------------------------------------- shared
def test_shared_image_membership_flow(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                      as_alt: dict[str, str]) -> None:
    """Owner adds a member (pending: visible by id, not listed); the member accepts: listed."""
    demo = project_id(cloud, "demo")
    img = create_image(client, as_alt, name="offer")
    assert img["visibility"] == "shared"
    base = f"/image/v2/images/{img['id']}"
    assert client.get(base, headers=as_demo).status_code == 404

    r = client.post(f"{base}/members", headers=as_alt, json={"member": demo})
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("image_id", "member_id", "status", "schema")} == {
        "image_id": img["id"], "member_id": demo, "status": "pending", "schema": "/v2/schemas/member"}
    assert show(client, as_demo, img["id"])["name"] == "offer"
    assert img["id"] not in list_ids(client, as_demo)
    assert img["id"] in list_ids(client, as_demo, "?member_status=pending")

    r = client.put(f"{base}/members/{demo}", headers=as_alt, json={"status": "accepted"})
    assert r.status_code == 403  # only the member decides
    r = client.put(f"{base}/members/{demo}", headers=as_demo, json={"status": "accepted"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert img["id"] in list_ids(client, as_demo)
    assert img["id"] in list_ids(client, as_demo, "?visibility=shared")

    assert [m["member_id"] for m in client.get(f"{base}/members", headers=as_alt).json()["members"]] == [demo]
    assert client.get(f"{base}/members/{demo}", headers=as_demo).json()["status"] == "accepted"
    r = client.delete(f"{base}/members/{demo}", headers=as_demo)
    assert r.status_code == 403  # a member cannot remove itself; the owner can
    assert client.delete(f"{base}/members/{demo}", headers=as_alt).status_code == 204
    assert client.get(base, headers=as_demo).status_code == 404


def test_member_errors(client: TestClient, cloud: Cloud, as_demo: dict[str, str], as_alt: dict[str, str]) -> None:
    demo = project_id(cloud, "demo")
    private = create_image(client, as_alt, name="priv", visibility="private")
    r = client.post(f"/image/v2/images/{private['id']}/members", headers=as_alt, json={"member": demo})
    assert r.status_code == 403 and r.json()["message"] == "Only shared images have members."
    shared = create_image(client, as_alt, name="shr")
    base = f"/image/v2/images/{shared['id']}/members"
    assert client.post(base, headers=as_alt, json={"member": demo}).status_code == 200
    r = client.post(base, headers=as_alt, json={"member": demo})
    assert r.status_code == 409
    assert r.json()["message"] == f"Member {demo} is duplicated for image {shared['id']}"
    r = client.post(base, headers=as_alt, json={"who": demo})
    assert r.status_code == 400 and r.json()["message"] == "Member to be added not specified"
    r = client.put(f"{base}/{demo}", headers=as_demo, json={"status": "maybe"})
    assert r.status_code == 400
    r = client.post(base, headers=as_demo, json={"member": "someone"})
    assert r.status_code == 403
    assert [m["status"] for m in client.get(base, headers=as_alt).json()["members"]] == ["pending"]


# ------------------------------------------------------------------------------------------------------ list
def test_list_filters(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    a = create_image(client, as_demo, name="f-a", disk_format="qcow2", tags=["x", "y"], arch="arm")
    b = create_image(client, as_demo, name="f-b", disk_format="raw", container_format="ovf", arch="x86",
                     visibility="private")
    upload(client, as_demo, a["id"], b"a" * 10)
    upload(client, as_demo, b["id"], b"b" * 100)
    mine = f"&owner={project_id(cloud, 'demo')}"
    assert set(list_ids(client, as_demo, f"?id=in:{a['id']},{b['id']}")) == {a["id"], b["id"]}
    assert list_ids(client, as_demo, "?name=f-a") == [a["id"]]
    assert set(list_ids(client, as_demo, "?name=in:f-a,f-b")) == {a["id"], b["id"]}
    assert list_ids(client, as_demo, f"?disk_format=raw{mine}") == [b["id"]]
    assert list_ids(client, as_demo, f"?container_format=ovf{mine}") == [b["id"]]
    assert list_ids(client, as_demo, "?tag=x&tag=y") == [a["id"]]
    assert list_ids(client, as_demo, "?tag=x&tag=z") == []
    assert list_ids(client, as_demo, "?arch=x86") == [b["id"]]
    assert list_ids(client, as_demo, f"?size_min=50&size_max=200{mine}") == [b["id"]]
    assert list_ids(client, as_demo, "?visibility=private") == [b["id"]]
    assert set(list_ids(client, as_demo, f"?status=active{mine}")) == {a["id"], b["id"]}
    assert list_ids(client, as_demo, f"?status=queued{mine}") == []
    assert list_ids(client, as_demo, "?created_at=lt:2000-01-01T00:00:00Z") == []
    assert client.get("/image/v2/images?size_min=big", headers=as_demo).status_code == 400
    assert client.get("/image/v2/images?visibility=everyone", headers=as_demo).status_code == 400


def test_hidden_images_are_listed_only_when_asked(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="hid", os_hidden=True)
    assert img["id"] not in list_ids(client, as_demo)
    assert list_ids(client, as_demo, "?os_hidden=true") == [img["id"]]


def test_pagination_follows_next_links(client: TestClient, as_demo: dict[str, str]) -> None:
    """Pages of 2 with a top-level `next` (relative to the endpoint) cover every image exactly once."""
    ids = {create_image(client, as_demo, name=f"page-{i}")["id"] for i in range(5)}
    everything = list_ids(client, as_demo)
    url, seen, pages = "/v2/images?limit=2", [], 0
    for _ in range(20):
        body = client.get(f"/image{url}", headers=as_demo).json()
        assert len(body["images"]) <= 2
        seen += [i["id"] for i in body["images"]]
        pages += 1
        if "next" not in body:
            break
        url = body["next"]
    assert seen == everything and ids <= set(seen) and pages == 3


def test_sorting(client: TestClient, as_demo: dict[str, str]) -> None:
    for name in ("s-b", "s-c", "s-a"):
        create_image(client, as_demo, name=name)
    for query in ("?sort=name:asc", "?sort_key=name&sort_dir=asc"):
        r = client.get(f"/image/v2/images{query}&name=in:s-a,s-b,s-c", headers=as_demo)
        assert [i["name"] for i in r.json()["images"]] == ["s-a", "s-b", "s-c"]
    r = client.get("/image/v2/images?sort=name:desc&name=in:s-a,s-b,s-c", headers=as_demo)
    assert [i["name"] for i in r.json()["images"]] == ["s-c", "s-b", "s-a"]


@pytest.mark.parametrize(("query", "message"), [
    ("?sort_key=color", "Invalid sort key: color."),
    ("?sort_dir=sideways", "Invalid sort direction: sideways"),
    ("?sort=name&sort_key=id", "Old and new sorting syntax cannot be combined"),
    ("?marker=0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "Invalid marker."),
    ("?limit=-1", "limit param must be positive"),
    ("?limit=ten", "limit param must be an integer"),
])
def test_bad_list_queries_are_400(client: TestClient, as_demo: dict[str, str], query: str, message: str) -> None:
    r = client.get(f"/image/v2/images{query}", headers=as_demo)
    assert r.status_code == 400 and r.json()["code"] == "400 Bad Request"
    assert r.json()["message"].startswith(message)


def test_tolerated_client_parameters(client: TestClient, as_demo: dict[str, str]) -> None:
    """Query habits of other clients (`None` values, `fields`, `deleted`) do not filter anything out."""
    everything = list_ids(client, as_demo)
    assert list_ids(client, as_demo, "?name=None&deleted=False&fields=id&fields=name") == everything
