"""Helpers for the object storage tests: a project's Swift account URL and callers of it."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def account_path(client: TestClient, token: str) -> str:
    """The object-store endpoint of the token's catalog, as a path (what every client starts from)."""
    r = client.get("/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    assert r.status_code == 200, r.text
    entry = next(e for e in r.json()["token"]["catalog"] if e["type"] == "object-store")
    url = next(ep["url"] for ep in entry["endpoints"] if ep["interface"] == "public")
    return str(url).removeprefix("http://127.0.0.1:8780")


class Swift:
    """Requests to one account as one caller (no token: anonymous)."""

    def __init__(self, client: TestClient, account: str, token: str | None):
        self.client, self.account, self.token = client, account, token

    def __call__(self, method: str, path: str = "", headers: dict[str, str] | None = None, **kw: Any) -> Any:
        h = dict(headers or {})
        if self.token:
            h["X-Auth-Token"] = self.token
        return self.client.request(method, self.account + path, headers=h, **kw)
