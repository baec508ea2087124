"""Glance's interoperable image import through the API: the import info and stores, glance-direct (stage, then
import), web-download from a server on 127.0.0.1 (a real HTTP server in the test), the URL filter that keeps
web-download inside the lab, and the import tasks with a failure's reason."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud

DATA = b"stacklab-import-" * 256
OCTETS = {"Content-Type": "application/octet-stream"}


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 serving `disk.img` (what a student would run with python -m http.server)."""
    (tmp_path / "disk.img").write_bytes(DATA)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def new_image(client: TestClient, headers: dict[str, str], name: str) -> str:
    r = client.post("/image/v2/images", headers=headers, json={"name": name, "disk_format": "raw",
                                                               "container_format": "bare"})
    assert r.status_code == 201, r.text
    assert r.headers["OpenStack-image-import-methods"] == "glance-direct,web-download"
    return str(r.json()["id"])


def show(client: TestClient, headers: dict[str, str], image_id: str) -> dict[str, object]:
    return client.get(f"/image/v2/images/{image_id}", headers=headers).json()  # type: ignore[no-any-return]


def test_glance_direct_stage_then_import(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    info = client.get("/image/v2/info/import", headers=as_demo).json()
    assert info["import-methods"]["value"] == ["glance-direct", "web-download"]
    assert client.get("/image/v2/info/stores", headers=as_demo).json()["stores"][0]["id"] == "file"
    image_id = new_image(client, as_demo, "direct")
    url = f"/image/v2/images/{image_id}"
    early = client.post(f"{url}/import", headers=as_demo, json={"method": {"name": "glance-direct"}})
    assert early.status_code == 409 and "staged" in early.text
    assert client.put(f"{url}/stage", headers={**as_demo, **OCTETS}, content=DATA).status_code == 204
    assert show(client, as_demo, image_id)["status"] == "uploading"
    r = client.post(f"{url}/import", headers=as_demo, json={"method": {"name": "glance-direct"}})
    assert r.status_code == 202, r.text
    assert show(client, as_demo, image_id)["status"] == "importing"
    cloud.worker.run_due()
    shown = show(client, as_demo, image_id)
    assert (shown["status"], shown["size"]) == ("active", len(DATA))
    assert shown["checksum"] == hashlib.md5(DATA, usedforsecurity=False).hexdigest()
    assert client.get(f"{url}/file", headers=as_demo).content == DATA
    (task,) = client.get(f"{url}/tasks", headers=as_demo).json()["tasks"]
    assert (task["type"], task["status"], task["input"]["import_req"]["method"]["name"]) == (
        "api_image_import", "success", "glance-direct")



def test_tasks_api_for_operators(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                 as_admin: dict[str, str]) -> None:
    """openstacksdk's TestTask lists GET /v2/tasks as an operator: every import task, without input and
    message (shown whole by id); members are refused, as by Glance's tasks_api_access."""
    assert client.get("/image/v2/tasks", headers=as_admin).json() == {
        "tasks": [], "first": "/v2/tasks", "schema": "/v2/schemas/tasks"}
    image_id = new_image(client, as_demo, "tasked")
    url = f"/image/v2/images/{image_id}"
    client.put(f"{url}/stage", headers={**as_demo, **OCTETS}, content=DATA)
    assert client.post(f"{url}/import", headers=as_demo, json={"method": {"name": "glance-direct"}}).status_code == 202
    (listed,) = client.get("/image/v2/tasks", headers=as_admin).json()["tasks"]
    assert listed["image_id"] == image_id and listed["self"] == f"/v2/tasks/{listed['id']}"
    assert "input" not in listed and "message" not in listed
    shown = client.get(f"/image/v2/tasks/{listed['id']}", headers=as_admin).json()
    assert shown["input"]["import_req"]["method"]["name"] == "glance-direct"
    assert client.get("/image/v2/tasks/nope", headers=as_admin).status_code == 404
    assert client.get("/image/v2/tasks", headers=as_demo).status_code == 403


def test_web_download_from_the_lab_only(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                        local_server: str) -> None:
    image_id = new_image(client, as_demo, "web")
    url = f"/image/v2/images/{image_id}"
    for outside in ("http://example.com/disk.img", "ftp://127.0.0.1/disk.img", "http://10.0.0.1/disk.img"):
        r = client.post(f"{url}/import", headers=as_demo, json={"method": {"name": "web-download", "uri": outside}})
        assert r.status_code == 400 and "does not pass filtering" in r.text, outside
    assert show(client, as_demo, image_id)["status"] == "queued"
    assert client.get(f"{url}/tasks", headers=as_demo).json()["tasks"] == []
    assert client.post(f"{url}/import", headers=as_demo,
                       json={"method": {"name": "copy-image"}}).status_code == 400

    missing = {"method": {"name": "web-download", "uri": f"{local_server}/nothing.img"}}
    assert client.post(f"{url}/import", headers=as_demo, json=missing).status_code == 202
    cloud.worker.run_due()
    assert show(client, as_demo, image_id)["status"] == "queued"  # back where it started, the task says why
    (failed,) = client.get(f"{url}/tasks", headers=as_demo).json()["tasks"]
    assert failed["status"] == "failure" and "404" in failed["message"]

    good = {"method": {"name": "web-download", "uri": f"{local_server}/disk.img"}}
    assert client.post(f"{url}/import", headers=as_demo, json=good).status_code == 202
    cloud.worker.run_due()
    shown = show(client, as_demo, image_id)
    assert (shown["status"], shown["size"]) == ("active", len(DATA))
    assert sorted(t["status"] for t in client.get(f"{url}/tasks", headers=as_demo).json()["tasks"]) == [
        "failure", "success"]
