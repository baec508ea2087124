"""The image service's contract with compute (`image_for_boot`, `get_image_summary`) and its repairs at start
(uploads cut short by a killed process, a missing bootstrap file)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest
from lab.cloud.image.models import Image
from tests.cloud.image_helpers import add_user, create_image, project_id, show, upload


def ctx_for(cloud: Cloud, project: str, roles: tuple[str, ...] = ("member", "reader")) -> RequestContext:
    return RequestContext(user_id="u", user_name="u", project_id=project_id(cloud, project),
                          project_name=project, roles=roles)


def test_image_for_boot_describes_an_active_image(client: TestClient, cloud: Cloud,
                                                  as_demo: dict[str, str]) -> None:
    img = create_image(client, as_demo, name="bootable", disk_format="qcow2", min_ram=64, hw_disk_bus="virtio")
    upload(client, as_demo, img["id"], b"QFI\xfb" + b"\0" * 100)
    spec = cloud.image.image_for_boot(ctx_for(cloud, "demo"), img["id"])
    assert (spec.id, spec.name, spec.disk_format) == (img["id"], "bootable", "qcow2")
    assert spec.path == cloud.settings.data_dir / "images" / img["id"] and spec.path.stat().st_size == 104
    assert spec.properties == {"hw_disk_bus": "virtio", "min_ram": 64, "min_disk": 0, "size": 104}


def test_image_for_boot_of_the_public_cirros(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    [cirros] = client.get("/image/v2/images?name=cirros", headers=as_demo).json()["images"]
    spec = cloud.image.image_for_boot(ctx_for(cloud, "demo"), cirros["id"])
    assert spec.name == "cirros" and spec.path is not None and spec.path.read_bytes()[:4] == b"QFI\xfb"


def test_image_for_boot_refuses_unknown_invisible_and_inactive(client: TestClient, cloud: Cloud,
                                                               as_demo: dict[str, str]) -> None:
    as_alt = add_user(cloud, client, "alt", "alt")
    private = create_image(client, as_alt, name="alt-only", visibility="private")
    upload(client, as_alt, private["id"], b"x")
    queued = create_image(client, as_demo, name="queued")
    demo = ctx_for(cloud, "demo")
    for ref in ("no-such-image", private["id"]):
        with pytest.raises(BadRequest) as err:
            cloud.image.image_for_boot(demo, ref)
        assert err.value.message == f"Image {ref} could not be found." and err.value.code == 400
    with pytest.raises(BadRequest) as err:
        cloud.image.image_for_boot(demo, queued["id"])
    assert err.value.message == f"Image {queued['id']} is not active."


def test_get_image_summary(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    as_alt = add_user(cloud, client, "alt", "alt")
    mine = create_image(client, as_demo, name="mine")
    theirs = create_image(client, as_alt, name="theirs", visibility="private")
    with cloud.db.read() as db:
        demo = ctx_for(cloud, "demo")
        assert cloud.image.get_image_summary(db, demo, mine["id"]) == {"id": mine["id"], "name": "mine"}
        assert cloud.image.get_image_summary(db, demo, theirs["id"]) is None
        assert cloud.image.get_image_summary(db, demo, "gone") is None


def test_restart_repairs_an_upload_cut_short(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """An image left `saving` by a killed process is queued again and its partial file removed."""
    img = create_image(client, as_demo, name="cut")
    with cloud.db.write() as db:
        row = db.get(Image, img["id"])
        assert row is not None
        row.status = "saving"
    part = cloud.settings.data_dir / "images" / f"{img['id']}.part"
    part.write_bytes(b"half")
    cloud.bootstrap()
    assert show(client, as_demo, img["id"])["status"] == "queued" and not part.exists()
    upload(client, as_demo, img["id"], b"whole")
    assert show(client, as_demo, img["id"])["size"] == 5


def test_restart_restores_a_missing_cirros_file(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    [cirros] = client.get("/image/v2/images?name=cirros", headers=as_demo).json()["images"]
    path = cloud.settings.data_dir / "images" / cirros["id"]
    path.unlink()
    cloud.bootstrap()
    assert path.stat().st_size == cirros["size"]
    assert client.get(f"/image/v2/images/{cirros['id']}/file", headers=as_demo).status_code == 200
