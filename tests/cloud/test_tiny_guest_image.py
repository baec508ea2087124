"""Under the libvirt driver the default `cirros` image is the tiny guest StackLab built (direct kernel boot), and a
server booted from it gets a domain that boots that kernel and initrd; without a built guest the placeholder stays
and the cloud says how to build one. libvirt runs on its test driver (`test:///<file>.xml`)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import libvirt
from starlette.testclient import TestClient

from lab.cloud import guest_image
from lab.cloud.app import Cloud, create_app
from lab.cloud.drivers import libvirt_xml
from lab.config import Settings
from tests.cloud.compute_support import create_server
from tests.conftest import ADMIN_PASSWORD, get_token


def built_guest(data_dir: Path, version: str, mtime: float) -> tuple[Path, Path]:
    """Files as `stacklab image build-tiny` leaves them (their content does not matter to the cloud)."""
    out = guest_image.default_cache_dir(data_dir) / version
    out.mkdir(parents=True)
    kernel, initrd = out / "vmlinux", out / "initrd.img"
    kernel.write_bytes(b"kernel")
    initrd.write_bytes(b"initrd")
    os.utime(initrd, (mtime, mtime))
    return kernel, initrd


def libvirt_settings(settings: Settings, tmp_path: Path) -> Settings:
    node = tmp_path / "node.xml"
    node.write_text("<node>\n</node>\n")
    return dataclasses.replace(settings, compute_driver="libvirt", libvirt_uri=f"test://{node}")


def cirros(client: TestClient) -> dict:
    headers = {"X-Auth-Token": get_token(client, "admin", ADMIN_PASSWORD, "admin")}
    images = client.get("/image/v2/images?name=cirros", headers=headers).json()["images"]
    assert len(images) == 1
    return dict(images[0])


def start(settings: Settings) -> tuple[Cloud, TestClient]:
    cloud = Cloud(settings)
    cloud.bootstrap()
    return cloud, TestClient(create_app(settings, cloud=cloud, start_worker=False), base_url="http://127.0.0.1:8780")


def test_find_built_takes_the_newest_complete_build(tmp_path: Path) -> None:
    cache = tmp_path / "tiny"
    assert guest_image.find_built(cache) is None
    (cache / "6.0-incomplete").mkdir(parents=True)
    (cache / "6.0-incomplete" / "vmlinux").write_bytes(b"k")  # no initrd: not a build
    assert guest_image.find_built(cache) is None
    built_guest(tmp_path, "6.1.0-old", 1_000_000)
    _, initrd = built_guest(tmp_path, "6.1.0-new", 2_000_000)
    found = guest_image.find_built(guest_image.default_cache_dir(tmp_path))
    assert found is not None and found.initrd == initrd and found.kernel_version == "6.1.0-new"
    assert found.properties["stacklab_initrd"] == str(initrd)


def test_libvirt_cloud_registers_the_built_guest_as_cirros_and_boots_its_kernel(settings: Settings,
                                                                                 tmp_path: Path) -> None:
    # First a fake-driver lab (the placeholder cirros), then the same lab under libvirt with a built guest.
    cloud, client = start(settings)
    before = cirros(client)
    assert "stacklab_kernel" not in before and cloud.image.boot_note is None
    cloud.close()
    kernel, initrd = built_guest(settings.data_dir, "6.1.0-99-amd64", 1_000_000)

    cloud, client = start(libvirt_settings(settings, tmp_path))
    try:
        image = cirros(client)
        assert image["id"] == before["id"]  # the same image, now booting the tiny guest
        assert image["stacklab_kernel"] == str(kernel) and image["stacklab_initrd"] == str(initrd)
        assert image["stacklab_ready_marker"] == guest_image.READY_MARKER
        assert image["min_ram"] == guest_image.MIN_RAM_MB
        assert cloud.image.boot_note == "cirros boots the tiny guest (Linux 6.1.0-99-amd64, busybox)"

        headers = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
        server = create_server(client, cloud, headers, name="tiny", flavor="42")  # m1.nano: 128 MB
        assert server["status"] == "ACTIVE"
        dom = cloud.compute_driver.conn.lookupByName(libvirt_xml.domain_name(server["id"]))
        xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        assert f"<kernel>{kernel}</kernel>" in xml and f"<initrd>{initrd}</initrd>" in xml
        assert f"<cmdline>{guest_image.COMMAND_LINE}" in xml
    finally:
        cloud.close()


def test_libvirt_cloud_without_a_built_guest_keeps_the_placeholder_and_says_how(settings: Settings,
                                                                                 tmp_path: Path) -> None:
    cloud, client = start(libvirt_settings(settings, tmp_path))
    try:
        image = cirros(client)
        assert "stacklab_kernel" not in image and image["min_ram"] == 0
        assert cloud.image.boot_note is not None and "stacklab image build-tiny" in cloud.image.boot_note
    finally:
        cloud.close()


def test_fake_cloud_ignores_a_built_guest(settings: Settings) -> None:
    built_guest(settings.data_dir, "6.1.0-99-amd64", 1_000_000)
    cloud, client = start(settings)
    try:
        assert "stacklab_kernel" not in cirros(client) and cloud.image.boot_note is None
    finally:
        cloud.close()
