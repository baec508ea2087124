"""Every image body this cloud renders, checked against Glance's JSON schemas the way python-glanceclient checks
them: an image against Glance's own image schema (the copy glanceclient ships, `glanceclient.v2.image_schema`:
tempest has no image response schemas) and against the one the lab serves at /v2/schemas/image; members against
the member schema served at /v2/schemas/member, which glanceclient fetches to build its member model."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
from glanceclient.v2.image_schema import _BASE_SCHEMA
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.image_helpers import PATCH, add_user, create_image, project_id, upload

API = "/image/v2"
# glanceclient's offline copy predates the sha512 multihash: Glance's own schema (glance/api/v2/images.py)
# allows 64 characters of os_hash_algo and 128 of os_hash_value, which a real Glance serves and checks.
GLANCE_IMAGE_SCHEMA = copy.deepcopy(_BASE_SCHEMA)
GLANCE_IMAGE_SCHEMA["properties"]["os_hash_algo"]["maxLength"] = 64
GLANCE_IMAGE_SCHEMA["properties"]["os_hash_value"]["maxLength"] = 128


def _valid(body: dict[str, Any], schema: dict[str, Any]) -> None:
    jsonschema.validate(body, schema, cls=jsonschema.Draft4Validator)


def _served(client: TestClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    r = client.get(f"{API}/schemas/{name}", headers=headers)
    assert r.status_code == 200
    found: dict[str, Any] = r.json()
    return found


def test_images_match_glances_schema(client: TestClient, as_demo: dict[str, str]) -> None:
    """Created, uploaded, patched, shown and listed images pass Glance's image schema and the served one."""
    served = _served(client, as_demo, "image")
    img = create_image(client, as_demo, name="web", disk_format="qcow2", container_format="bare",
                       min_ram=64, tags=["a"], flavour="vanilla")
    shown: list[dict[str, Any]] = [img]
    upload(client, as_demo, img["id"], b"x" * 512)
    r = client.patch(f"{API}/images/{img['id']}", headers={**as_demo, **PATCH},
                     json=[{"op": "replace", "path": "/name", "value": "web2"},
                           {"op": "add", "path": "/os_distro", "value": "cirros"}])
    assert r.status_code == 200
    shown.append(r.json())
    shown.append(client.get(f"{API}/images/{img['id']}", headers=as_demo).json())
    listing = client.get(f"{API}/images", headers=as_demo).json()
    _valid(listing, _served(client, as_demo, "images"))
    shown.extend(listing["images"])
    assert {"queued", "active"} <= {s["status"] for s in shown}
    for body in shown:
        _valid(body, GLANCE_IMAGE_SCHEMA)
        _valid(body, served)


def test_members_match_the_served_schema(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """A member as added, updated, shown and listed passes the member schema the lab serves."""
    as_alt = add_user(cloud, client, "alt", "alt")
    member, members = _served(client, as_alt, "member"), _served(client, as_alt, "members")
    demo = project_id(cloud, "demo")
    img = create_image(client, as_alt, name="offer")
    base = f"{API}/images/{img['id']}/members"
    bodies = [client.post(base, headers=as_alt, json={"member": demo}).json(),
              client.put(f"{base}/{demo}", headers=as_demo, json={"status": "accepted"}).json(),
              client.get(f"{base}/{demo}", headers=as_demo).json()]
    listed = client.get(base, headers=as_alt).json()
    _valid(listed, members)
    for body in [*bodies, *listed["members"]]:
        _valid(body, member)
    assert [b["status"] for b in bodies] == ["pending", "accepted", "accepted"]
