"""Object storage end to end: the real `openstack container/object` commands, python-swiftclient's `swift`
CLI and openstacksdk's object_store proxy against a live cloud, two students kept apart except through ACLs,
and a public container read with no token at all."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def swift_cli(live_cloud: LiveCloud, *args: str, user: str = "demo", project: str = "demo",
              password: str | None = None, cwd: Path | None = None,
              check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run python-swiftclient's `swift` with Keystone v3 credentials from the environment (OS_*)."""
    cli = str(Path(sys.executable).with_name("swift"))
    env = live_cloud.os_env(user, project, password)
    result = subprocess.run([cli, *args], env=env, capture_output=True, text=True, timeout=300, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(f"swift {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n"
                             f"{result.stderr}")
    return result


def demo_openstack(live_cloud: LiveCloud, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return live_cloud.openstack(*args, user="demo", project="demo", check=check)


def test_openstack_container_and_object_commands(live_cloud: LiveCloud, unique: Callable[[str], str],
                                                 tmp_path: Path) -> None:
    container = unique("box")
    made = json.loads(demo_openstack(live_cloud, "container", "create", container, "-f", "json").stdout)
    assert made[0]["container"] == container
    listed = json.loads(demo_openstack(live_cloud, "container", "list", "-f", "json").stdout)
    assert container in {row["Name"] for row in listed}

    data = os.urandom(200_000)
    source = tmp_path / "notes.bin"
    source.write_bytes(data)
    created = json.loads(demo_openstack(live_cloud, "object", "create", container, str(source), "--name",
                                        "dir/notes.bin", "-f", "json").stdout)
    assert created[0]["object"] == "dir/notes.bin" and created[0]["etag"] == hashlib.md5(data).hexdigest()
    objects = json.loads(demo_openstack(live_cloud, "object", "list", container, "-f", "json").stdout)
    assert [row["Name"] for row in objects] == ["dir/notes.bin"]
    shown = json.loads(demo_openstack(live_cloud, "object", "show", container, "dir/notes.bin", "-f",
                                      "json").stdout)
    assert shown["content-length"] == str(len(data)) and shown["etag"] == hashlib.md5(data).hexdigest()
    info = json.loads(demo_openstack(live_cloud, "container", "show", container, "-f", "json").stdout)
    assert info["object_count"] == "1" and info["bytes_used"] == str(len(data))

    out = tmp_path / "saved.bin"
    demo_openstack(live_cloud, "object", "save", container, "dir/notes.bin", "--file", str(out))
    assert out.read_bytes() == data

    refused = demo_openstack(live_cloud, "container", "delete", container, check=False)
    assert refused.returncode != 0 and "409" in refused.stderr
    demo_openstack(live_cloud, "object", "delete", container, "dir/notes.bin")
    demo_openstack(live_cloud, "container", "delete", container)
    gone = demo_openstack(live_cloud, "container", "show", container, check=False)
    assert gone.returncode != 0 and "404" in gone.stderr


def test_swift_cli_upload_download_acl_and_segments(live_cloud: LiveCloud, unique: Callable[[str], str],
                                                    tmp_path: Path) -> None:
    container = unique("sw")
    files = tmp_path / "up"
    (files / "sub").mkdir(parents=True)
    (files / "a.txt").write_text("alpha\n")
    (files / "sub" / "b.txt").write_text("beta\n")
    swift_cli(live_cloud, "upload", container, "a.txt", "sub/b.txt", cwd=files)
    assert swift_cli(live_cloud, "list", container).stdout.split() == ["a.txt", "sub/b.txt"]
    stat = swift_cli(live_cloud, "stat", container).stdout
    assert "Objects: 2" in stat and f"Container: {container}" in stat

    swift_cli(live_cloud, "post", "-r", ".r:*,.rlistings", container)
    assert ".r:*,.rlistings" in swift_cli(live_cloud, "stat", container).stdout
    url = f"{live_cloud.url}/object/v1/AUTH_{demo_project_id(live_cloud)}/{container}"
    assert httpx.get(f"{url}/a.txt").text == "alpha\n"  # public: no token at all, as curl would read it
    assert httpx.get(url).text.split() == ["a.txt", "sub/b.txt"]
    swift_cli(live_cloud, "post", "-r", "", container)
    assert httpx.get(f"{url}/a.txt").status_code == 401

    big = tmp_path / "big.bin"
    data = os.urandom(300_000)
    big.write_bytes(data)
    swift_cli(live_cloud, "upload", "--segment-size", "100000", "--object-name", "big.bin", container, str(big))
    segments = swift_cli(live_cloud, "list", f"{container}_segments").stdout.split()
    assert len(segments) == 3
    down = tmp_path / "down"
    down.mkdir()
    swift_cli(live_cloud, "download", container, "big.bin", "a.txt", cwd=down)
    assert (down / "big.bin").read_bytes() == data and (down / "a.txt").read_text() == "alpha\n"

    # A temp URL from `swift tempurl` reads the large object (a static one: /info offers slo) with no token.
    swift_cli(live_cloud, "post", "-m", "Temp-URL-Key:s3cret")
    path = swift_cli(live_cloud, "tempurl", "GET", "3600", f"{url.removeprefix(live_cloud.url)}/big.bin",
                     "s3cret").stdout.strip()
    shared = httpx.get(f"{live_cloud.url}{path}")
    assert shared.content == data and shared.headers["x-static-large-object"] == "True"

    swift_cli(live_cloud, "delete", container)
    swift_cli(live_cloud, "delete", f"{container}_segments")
    assert container not in swift_cli(live_cloud, "list").stdout.split()


def demo_project_id(live_cloud: LiveCloud) -> str:
    shown = json.loads(live_cloud.openstack("project", "show", "demo", "-f", "json").stdout)
    return str(shown["id"])


def test_sdk_object_store(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    conn = live_cloud.sdk("demo", "demo")
    try:
        name = unique("sdk")
        conn.object_store.create_container(name=name)
        conn.object_store.upload_object(container=name, name="hello.txt", data=b"hello sdk",
                                        metadata={"colour": "red"})
        assert [o.name for o in conn.object_store.objects(name)] == ["hello.txt"]
        assert conn.object_store.download_object("hello.txt", container=name) == b"hello sdk"
        obj = conn.object_store.get_object_metadata("hello.txt", container=name)
        assert obj.metadata["colour"] == "red" and obj.content_length == 9
        assert conn.object_store.get_info().swift["max_file_size"] > 0
        conn.object_store.delete_object("hello.txt", container=name)
        conn.object_store.delete_container(name)
        assert name not in {c.name for c in conn.object_store.containers()}
    finally:
        conn.close()


def test_students_are_isolated_except_through_acls(live_cloud: LiveCloud, unique: Callable[[str], str],
                                                   tmp_path: Path) -> None:
    """A second project's member gets 403 on demo's account, until demo's container ACL grants them."""
    other = unique("stud")
    live_cloud.openstack("project", "create", other)
    live_cloud.openstack("user", "create", "--project", other, "--password", "pw-" + other, other)
    live_cloud.openstack("role", "add", "--project", other, "--user", other, "member")
    container = unique("shared")
    demo_openstack(live_cloud, "container", "create", container)
    (tmp_path / "s.txt").write_text("for demo only\n")
    swift_cli(live_cloud, "upload", container, "s.txt", cwd=tmp_path)
    storage_url = f"{live_cloud.url}/object/v1/AUTH_{demo_project_id(live_cloud)}"

    def as_other(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return swift_cli(live_cloud, "--os-storage-url", storage_url, *args, user=other, project=other,
                         password="pw-" + other, cwd=tmp_path, check=check)

    assert "403" in as_other("list", container).stderr
    assert "403" in as_other("download", container, "s.txt", "-o", "-").stderr
    assert "403" in as_other("delete", container, "s.txt").stderr
    assert container not in swift_cli(live_cloud, "list", user=other, project=other,
                                      password="pw-" + other).stdout  # their own account
    swift_cli(live_cloud, "post", "-r", f"{other}:{other}", container)
    assert as_other("download", container, "s.txt", "-o", "-", check=True).stdout == "for demo only\n"
    assert "403" in as_other("delete", container, "s.txt").stderr  # read, not write
    swift_cli(live_cloud, "delete", container)
