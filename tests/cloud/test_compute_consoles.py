"""Remote consoles: os-getVNCConsole / os-getSerialConsole answer a URL on the lab's own port (tempest's schema);
the page it opens shows the server's console; the token is bound to its server, expires, and is useless once
the server is gone; SPICE is Nova's 400."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, create_server


def console_url(client: TestClient, headers: dict, server_id: str, action: str = "os-getVNCConsole",
                kind: str = "novnc") -> str:
    r = client.post(f"{API}/servers/{server_id}/action", headers=headers, json={action: {"type": kind}})
    assert_schema("compute.v2_1.servers", "get_vnc_console", r)
    return str(r.json()["console"]["url"])


def test_console_url_opens_the_servers_console(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo, name="con-1")
    url = console_url(client, as_demo, server["id"])
    assert url.startswith("http://127.0.0.1:8780/compute/console?token=")
    parts = urlsplit(url)
    page = client.get(f"{parts.path}?{parts.query}")  # no X-Auth-Token: the token in the URL is the credential
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "con-1 login:" in page.text and server["id"] in page.text
    serial = console_url(client, as_demo, server["id"], "os-getSerialConsole", "serial")
    assert client.get(urlsplit(serial).path + "?" + urlsplit(serial).query).status_code == 200

    assert client.get("/compute/console?token=forged").status_code == 401
    cloud.clock.advance(timedelta(minutes=11))
    assert client.get(f"{parts.path}?{parts.query}").status_code == 401  # expired


def test_console_refusals(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    url = console_url(client, as_demo, server["id"])
    spice = client.post(f"{API}/servers/{server['id']}/action", headers=as_demo,
                        json={"os-getSPICEConsole": {"type": "spice-html5"}})
    assert spice.status_code == 400
    assert spice.json()["badRequest"]["message"] == "Unavailable console type spice-html5."
    building = create_server(client, cloud, as_demo, name="b", run=False)
    r = client.post(f"{API}/servers/{building['id']}/action", headers=as_demo,
                    json={"os-getVNCConsole": {"type": "novnc"}})
    assert r.status_code == 409
    client.delete(f"{API}/servers/{server['id']}", headers=as_demo)
    parts = urlsplit(url)
    assert client.get(f"{parts.path}?{parts.query}").status_code == 401  # bound to a server that is gone
