"""Small helpers for the networking API tests: create resources through the API and assert Neutron errors."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

N = "/network/v2.0"


def create(client: TestClient, headers: dict[str, str], collection: str, **attrs: Any) -> dict[str, Any]:
    key = {"security-groups": "security_group", "security-group-rules": "security_group_rule",
           "rbac-policies": "rbac_policy", "address-scopes": "address_scope"}.get(
        collection, collection.rstrip("s"))
    r = client.post(f"{N}/{collection}", json={key: attrs}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()[key]  # type: ignore[no-any-return]


def network_with_subnet(client: TestClient, headers: dict[str, str], cidr: str = "192.168.10.0/24",
                        name: str = "net1", **subnet: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    net = create(client, headers, "networks", name=name)
    sub = create(client, headers, "subnets", network_id=net["id"], cidr=cidr, ip_version=4, name=f"{name}-sub",
                 **subnet)
    return net, sub


def assert_neutron_error(response: Any, status: int, kind: str, message: str | None = None) -> None:
    """The response is Neutron's error body with this status and type (and message, when given)."""
    assert response.status_code == status, response.text
    body = response.json()["NeutronError"]
    assert body["type"] == kind, body
    assert body["detail"] == ""
    if message is not None:
        assert body["message"] == message, body["message"]


def names(client: TestClient, headers: dict[str, str], collection: str, **params: Any) -> list[str]:
    r = client.get(f"{N}/{collection}", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [item["name"] for item in r.json()[collection.replace("-", "_")]]


def public_network(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    r = client.get(f"{N}/networks", params={"name": "public"}, headers=headers)
    return r.json()["networks"][0]  # type: ignore[no-any-return]
