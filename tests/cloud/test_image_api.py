"""Glance v2 images through HTTP: discovery, create, upload/download, JSON-patch, delete, actions, tags."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.events import Event
from tests.cloud.image_helpers import (
    OCTET,
    PATCH,
    add_user,
    create_image,
    glance_error,
    project_id,
    show,
    upload,
)

CORE_KEYS = {"id", "name", "status", "visibility", "protected", "checksum", "os_hash_algo", "os_hash_value",
             "size", "virtual_size", "min_disk", "min_ram", "disk_format", "container_format", "owner",
             "created_at", "updated_at", "tags", "self", "file", "schema", "os_hidden"}


def image_file(cloud: Cloud, image_id: str):  # noqa: ANN201 - a Path
    return cloud.settings.data_dir / "images" / image_id


# ------------------------------------------------------------------------------------------------ discovery
def test_discovery_is_300_listing_v2_0_to_v2_16(client: TestClient) -> None:
    """GET /image answers 300 with every v2 version, the newest CURRENT, each linking to /image/v2/."""
    r = client.get("/image")
    assert r.status_code == 300
    versions = r.json()["versions"]
    assert [v["id"] for v in versions] == [f"v2.{m}" for m in range(16, -1, -1)]
    assert [v["status"] for v in versions] == ["CURRENT"] + ["SUPPORTED"] * 16
    assert all(v["links"] == [{"rel": "self", "href": "http://127.0.0.1:8780/image/v2/"}] for v in versions)
    assert client.get("/image/versions").json() == r.json()


def test_schemas_and_import_info(client: TestClient, as_demo: dict[str, str]) -> None:
    image_schema = client.get("/image/v2/schemas/image", headers=as_demo).json()
    assert image_schema["name"] == "image" and "disk_format" in image_schema["properties"]
    assert client.get("/image/v2/schemas/images", headers=as_demo).json()["name"] == "images"
    assert client.get("/image/v2/schemas/members", headers=as_demo).json()["name"] == "members"
    assert client.get("/image/v2/info/import", headers=as_demo).json()["import-methods"]["value"] == [
        "glance-direct", "web-download"]  # tests/cloud/test_image_import.py tries them


# ------------------------------------------------------------------------------------------------ bootstrap
def test_bootstrap_makes_a_public_cirros_with_a_valid_qcow2_file(client: TestClient, cloud: Cloud,
                                                                 as_demo: dict[str, str]) -> None:
    r = client.get("/image/v2/images?name=cirros", headers=as_demo)
    [cirros] = r.json()["images"]
    assert (cirros["status"], cirros["visibility"], cirros["disk_format"], cirros["container_format"]) == (
        "active", "public", "qcow2", "bare")
    assert cirros["owner"] == project_id(cloud, "admin")
    data = image_file(cloud, cirros["id"]).read_bytes()
    assert data[:4] == b"QFI\xfb"
    assert cirros["size"] == len(data) and cirros["virtual_size"] == 112 * 1024 * 1024
    assert cirros["checksum"] == hashlib.md5(data).hexdigest()
    assert cirros["os_hash_value"] == hashlib.sha512(data).hexdigest()


def test_bootstrap_is_idempotent(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    before = client.get("/image/v2/images?name=cirros", headers=as_demo).json()["images"]
    cloud.bootstrap()
    assert client.get("/image/v2/images?name=cirros", headers=as_demo).json()["images"] == before


# ---------------------------------------------------------------------------------------------------- create
def test_create_is_201_queued_with_every_field_and_custom_properties(client: TestClient, cloud: Cloud,
                                                                     as_demo: dict[str, str]) -> None:
    """OSC's create body: custom `owner_specified.*` keys come back as top-level keys."""
    body = {"name": "img1", "disk_format": "qcow2", "container_format": "bare",
            "owner_specified.openstack.md5": "", "owner_specified.openstack.object": "images/img1"}
    r = client.post("/image/v2/images", headers=as_demo, json=body)
    assert r.status_code == 201
    img = r.json()
    assert set(img) >= CORE_KEYS
    assert img["status"] == "queued" and img["visibility"] == "shared" and img["protected"] is False
    assert img["size"] is None and img["checksum"] is None and img["tags"] == []
    assert img["owner"] == project_id(cloud, "demo")
    assert img["owner_specified.openstack.object"] == "images/img1"
    assert img["self"] == f"/v2/images/{img['id']}" and img["file"] == f"/v2/images/{img['id']}/file"
    assert r.headers["location"].endswith(f"/image/v2/images/{img['id']}")
    assert show(client, as_demo, img["id"]) == img


def test_create_with_a_given_id_and_a_duplicate_is_409(client: TestClient, as_demo: dict[str, str]) -> None:
    image_id = "6d7e8f9a-1b2c-4d3e-8f4a-5b6c7d8e9f0a"
    create_image(client, as_demo, id=image_id, name="given")
    r = client.post("/image/v2/images", headers=as_demo, json={"id": image_id, "name": "again"})
    assert r.status_code == 409
    assert r.json() == glance_error(409, "Conflict", f"Image with identifier {image_id} already exists!")
    assert show(client, as_demo, image_id)["name"] == "given"


@pytest.mark.parametrize(("body", "code", "message"), [
    ({"name": "x", "status": "active"}, 403, "Attribute 'status' is read-only."),
    ({"name": "x", "checksum": "abc"}, 403, "Attribute 'checksum' is read-only."),
    ({"name": "x", "os_glance_import_task": "t"}, 403, "Attribute 'os_glance_import_task' is reserved."),
    ({"name": "x", "disk_format": "floppy"}, 400, None),
    ({"name": "x", "min_ram": "lots"}, 400, None),
    ({"name": "x", "protected": "yes"}, 400, None),
    ({"name": "x" * 256}, 400, None),
    ({"name": "x", "hw_disk_bus": 3}, 400, None),
    ({"name": "x", "id": "not-a-uuid"}, 400, None),
])
def test_bad_create_bodies_are_refused_and_create_nothing(client: TestClient, as_demo: dict[str, str],
                                                          body: dict, code: int, message: str | None) -> None:
    before = client.get("/image/v2/images", headers=as_demo).json()["images"]
    r = client.post("/image/v2/images", headers=as_demo, json=body)
    assert r.status_code == code
    if message is not None:
        assert r.json()["message"] == message
    else:
        assert r.json()["message"].startswith("Provided object does not match schema 'image': ")
    assert r.json()["code"] == f"{code} {'Forbidden' if code == 403 else 'Bad Request'}"
    assert client.get("/image/v2/images", headers=as_demo).json()["images"] == before


def test_malformed_json_is_400(client: TestClient, as_demo: dict[str, str]) -> None:
    r = client.post("/image/v2/images", headers={**as_demo, "Content-Type": "application/json"}, content=b"{nope")
    assert r.status_code == 400 and r.json()["message"].startswith("Malformed JSON in request body")


def test_reader_cannot_create(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    as_reader = add_user(cloud, client, "demo", "watcher", role="reader")
    r = client.post("/image/v2/images", headers=as_reader, json={"name": "nope"})
    assert r.status_code == 403
    assert r.json() == glance_error(403, "Forbidden", "You are not authorized to complete add_image action.")
    assert client.get("/image/v2/images?name=nope", headers=as_demo).json()["images"] == []


def test_no_token_is_401(client: TestClient) -> None:
    r = client.get("/image/v2/images")
    assert r.status_code == 401 and r.json()["code"] == "401 Unauthorized"


# ------------------------------------------------------------------------------------------------ show, 404
def test_unknown_id_and_a_name_are_404(client: TestClient, as_demo: dict[str, str]) -> None:
    """The SDK's name lookup needs 404 (never 400) for a name in the id's place."""
    for ref in ("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "cirros"):
        r = client.get(f"/image/v2/images/{ref}", headers=as_demo)
        assert r.status_code == 404
        assert r.json() == glance_error(404, "Not Found", f"No image found with ID {ref}")


def test_unknown_route_is_404_in_glance_style(client: TestClient, as_demo: dict[str, str]) -> None:
    r = client.get("/image/v2/nothing", headers=as_demo)
    assert r.status_code == 404 and r.json()["code"] == "404 Not Found"


# ----------------------------------------------------------------------------------------- upload, download
def test_upload_stores_the_file_and_activates(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="data", disk_format="raw")
    data = bytes(range(256)) * 1000
    upload(client, as_demo, img["id"], data)
    shown = show(client, as_demo, img["id"])
    assert shown["status"] == "active" and shown["size"] == len(data) == shown["virtual_size"]
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    assert (shown["os_hash_algo"], shown["os_hash_value"]) == ("sha512", hashlib.sha512(data).hexdigest())
    assert image_file(cloud, img["id"]).read_bytes() == data
    r = client.get(f"/image/v2/images/{img['id']}/file", headers=as_demo)
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-md5"] == shown["checksum"]


def test_chunked_upload_is_streamed(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """A body without Content-Length (chunked) is streamed chunk by chunk into the file."""
    img = create_image(client, as_demo, name="chunked")
    chunks = [b"a" * 65536, b"b" * 65536, b"c" * 10]

    def body() -> Iterator[bytes]:
        yield from chunks

    r = client.put(f"/image/v2/images/{img['id']}/file", headers={**as_demo, **OCTET}, content=body())
    assert r.status_code == 204
    assert image_file(cloud, img["id"]).read_bytes() == b"".join(chunks)
    assert show(client, as_demo, img["id"])["size"] == 131082


def test_zero_length_upload_is_fine(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="empty")
    upload(client, as_demo, img["id"], b"")
    shown = show(client, as_demo, img["id"])
    assert (shown["status"], shown["size"], shown["checksum"]) == ("active", 0, hashlib.md5(b"").hexdigest())


def test_download_without_data_is_204(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="nodata")
    r = client.get(f"/image/v2/images/{img['id']}/file", headers=as_demo)
    assert r.status_code == 204 and r.content == b""


def test_second_upload_is_409_and_keeps_the_data(client: TestClient, cloud: Cloud,
                                                 as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="twice")
    upload(client, as_demo, img["id"], b"first")
    r = client.put(f"/image/v2/images/{img['id']}/file", headers={**as_demo, **OCTET}, content=b"second")
    assert r.status_code == 409
    assert r.json() == glance_error(409, "Conflict", "Image status transition from active to saving is not allowed")
    assert image_file(cloud, img["id"]).read_bytes() == b"first"
    assert show(client, as_demo, img["id"])["checksum"] == hashlib.md5(b"first").hexdigest()


def test_upload_with_a_wrong_content_type_is_415(client: TestClient, cloud: Cloud,
                                                 as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="json-upload")
    r = client.put(f"/image/v2/images/{img['id']}/file", headers=as_demo, json={"data": "x"})
    assert r.status_code == 415
    assert r.json() == glance_error(415, "Unsupported Media Type",
                                    "The request media type application/json is not supported by this server.")
    assert show(client, as_demo, img["id"])["status"] == "queued"
    assert not image_file(cloud, img["id"]).exists()


@pytest.mark.parametrize("chunked", [False, True])
def test_upload_over_the_size_cap_is_413_and_leaves_the_image_queued(client: TestClient, cloud: Cloud,
                                                                     as_demo: dict[str, str], chunked: bool) -> None:
    cloud.settings.image_size_cap = 100
    img = create_image(client, as_demo, name="big")
    content = iter([b"x" * 60, b"x" * 60]) if chunked else b"x" * 120
    r = client.put(f"/image/v2/images/{img['id']}/file", headers={**as_demo, **OCTET}, content=content)
    assert r.status_code == 413
    assert r.json() == glance_error(413, "Request Entity Too Large",
                                    "Denying attempt to upload image larger than 100 bytes.")
    assert show(client, as_demo, img["id"])["status"] == "queued"
    assert list((cloud.settings.data_dir / "images").glob(f"{img['id']}*")) == []
    upload(client, as_demo, img["id"], b"x" * 100)  # still uploadable, up to the cap
    assert show(client, as_demo, img["id"])["status"] == "active"


# ------------------------------------------------------------------------------------------------ JSON patch
def patch(client: TestClient, headers: dict[str, str], image_id: str, ops: object):  # noqa: ANN201
    return client.patch(f"/image/v2/images/{image_id}", headers={**headers, **PATCH}, json=ops)


def test_patch_adds_replaces_and_removes(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="before", color="red", shape="round")
    r = patch(client, as_demo, img["id"], [
        {"op": "replace", "path": "/name", "value": "after"},
        {"op": "add", "path": "/min_ram", "value": 256},
        {"op": "replace", "path": "/color", "value": "blue"},
        {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
        {"op": "remove", "path": "/shape"},
        {"op": "replace", "path": "/tags", "value": ["a", "b", "a"]},
        {"op": "replace", "path": "/protected", "value": True},
    ])
    assert r.status_code == 200
    updated = r.json()
    assert (updated["name"], updated["min_ram"], updated["color"], updated["hw_disk_bus"]) == (
        "after", 256, "blue", "virtio")
    assert "shape" not in updated and updated["tags"] == ["a", "b"] and updated["protected"] is True
    assert show(client, as_demo, img["id"]) == updated


@pytest.mark.parametrize(("ops", "code", "message"), [
    ([{"op": "replace", "path": "/name", "value": "x"}, {"op": "replace", "path": "/status", "value": "active"}],
     403, "Attribute 'status' is read-only."),
    ([{"op": "replace", "path": "/id", "value": "x"}], 403, "Attribute 'id' is read-only."),
    ([{"op": "remove", "path": "/name"}], 403, "Property name may not be removed."),
    ([{"op": "remove", "path": "/nothing"}], 409, "Property nothing does not exist."),
    ([{"op": "replace", "path": "/nothing", "value": "v"}], 409, "Property nothing does not exist."),
    ([{"op": "move", "path": "/name", "from": "/x"}], 400, None),
    ([{"op": "replace", "path": "/name/first", "value": "x"}], 400, None),
    ([{"op": "replace", "path": "/name"}], 400, None),
    ([{"op": "replace", "path": "/min_disk", "value": -1}], 400, None),
    ({"op": "replace", "path": "/name", "value": "x"}, 400, None),
])
def test_bad_patches_are_refused_and_change_nothing(client: TestClient, as_demo: dict[str, str], ops: object,
                                                    code: int, message: str | None) -> None:
    img = create_image(client, as_demo, name="stable")
    r = patch(client, as_demo, img["id"], ops)
    assert r.status_code == code, r.text
    if message is not None:
        assert r.json()["message"] == message
    assert r.json()["code"].startswith(str(code))
    assert show(client, as_demo, img["id"]) == img


def test_patch_with_a_wrong_content_type_is_415(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="stable")
    r = client.patch(f"/image/v2/images/{img['id']}", headers=as_demo,
                     json=[{"op": "replace", "path": "/name", "value": "x"}])
    assert r.status_code == 415 and r.json()["code"] == "415 Unsupported Media Type"
    assert show(client, as_demo, img["id"])["name"] == "stable"


def test_patch_malformed_json_is_400(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="stable")
    r = client.patch(f"/image/v2/images/{img['id']}", headers={**as_demo, **PATCH}, content=b"[{")
    assert r.status_code == 400 and r.json()["message"].startswith("Malformed JSON")


def test_disk_format_is_fixed_once_data_is_uploaded(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="fmt", disk_format="raw")
    assert patch(client, as_demo, img["id"], [{"op": "replace", "path": "/disk_format", "value": "qcow2"}]
                 ).status_code == 200
    upload(client, as_demo, img["id"], b"data")
    r = patch(client, as_demo, img["id"], [{"op": "replace", "path": "/disk_format", "value": "raw"}])
    assert r.status_code == 403
    assert r.json()["message"] == "Attribute disk_format can be only replaced for a queued image."
    assert show(client, as_demo, img["id"])["disk_format"] == "qcow2"


# ---------------------------------------------------------------------------------------------------- delete
def test_delete_removes_the_image_and_its_file_and_records_events(client: TestClient, cloud: Cloud,
                                                                  as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="gone")
    upload(client, as_demo, img["id"], b"12345")
    assert image_file(cloud, img["id"]).exists()
    r = client.delete(f"/image/v2/images/{img['id']}", headers=as_demo)
    assert r.status_code == 204
    assert client.get(f"/image/v2/images/{img['id']}", headers=as_demo).status_code == 404
    assert not image_file(cloud, img["id"]).exists()
    with cloud.db.read() as db:
        events = db.scalars(select(Event).where(Event.resource_id == img["id"]).order_by(Event.id)).all()
    assert [(e.action, e.attributes["size"]) for e in events] == [("create", 0), ("upload", 5), ("delete", 5)]
    assert {e.project_id for e in events} == {project_id(cloud, "demo")}


def test_protected_image_cannot_be_deleted(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="keep", protected=True)
    upload(client, as_demo, img["id"], b"keep")
    r = client.delete(f"/image/v2/images/{img['id']}", headers=as_demo)
    assert r.status_code == 403
    assert r.json() == glance_error(403, "Forbidden", f"Image {img['id']} is protected and cannot be deleted.")
    assert show(client, as_demo, img["id"])["status"] == "active" and image_file(cloud, img["id"]).exists()
    patch(client, as_demo, img["id"], [{"op": "replace", "path": "/protected", "value": False}])
    assert client.delete(f"/image/v2/images/{img['id']}", headers=as_demo).status_code == 204


def test_delete_unknown_is_404(client: TestClient, as_demo: dict[str, str]) -> None:
    r = client.delete("/image/v2/images/cirros", headers=as_demo)
    assert r.status_code == 404 and r.json()["message"] == "No image found with ID cirros"


# ---------------------------------------------------------------------------------------------- actions, tags
def test_deactivate_blocks_download_until_reactivated(client: TestClient, cloud: Cloud,
                                                      as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="paused")
    upload(client, as_demo, img["id"], b"bits")
    assert client.post(f"/image/v2/images/{img['id']}/actions/deactivate", headers=as_demo).status_code == 204
    assert show(client, as_demo, img["id"])["status"] == "deactivated"
    r = client.get(f"/image/v2/images/{img['id']}/file", headers=as_demo)
    assert r.status_code == 403
    assert r.json()["message"] == "The requested image has been deactivated. Image data download is forbidden."
    assert client.post(f"/image/v2/images/{img['id']}/actions/reactivate", headers=as_demo).status_code == 204
    assert show(client, as_demo, img["id"])["status"] == "active"
    assert client.get(f"/image/v2/images/{img['id']}/file", headers=as_demo).content == b"bits"


def test_deactivate_a_queued_image_is_403(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="queued")
    r = client.post(f"/image/v2/images/{img['id']}/actions/deactivate", headers=as_demo)
    assert r.status_code == 403 and r.json()["message"] == "Not allowed to deactivate image in status 'queued'"
    assert show(client, as_demo, img["id"])["status"] == "queued"


def test_tags_put_and_delete(client: TestClient, as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="tagged")
    for tag in ("web", "web", "db"):
        assert client.put(f"/image/v2/images/{img['id']}/tags/{tag}", headers=as_demo).status_code == 204
    assert show(client, as_demo, img["id"])["tags"] == ["web", "db"]
    assert client.delete(f"/image/v2/images/{img['id']}/tags/web", headers=as_demo).status_code == 204
    r = client.delete(f"/image/v2/images/{img['id']}/tags/web", headers=as_demo)
    assert r.status_code == 404 and r.json()["code"] == "404 Not Found"
    assert show(client, as_demo, img["id"])["tags"] == ["db"]


def test_policy_rule_get_images_is_enforced(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                           as_admin: dict[str, str]) -> None:
    """An instructor's policy.yaml can make reading images admin-only (rules are looked up per request)."""
    cloud.policy.override("get_images", "rule:context_is_admin")
    r = client.get("/image/v2/images", headers=as_demo)
    assert r.status_code == 403
    assert r.json() == glance_error(403, "Forbidden", "You are not authorized to complete get_images action.")
    assert client.get("/image/v2/images", headers=as_admin).status_code == 200
