"""Inputs that once answered 500, each now OpenStack's 4xx with its error body and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient


@pytest.mark.parametrize("body", [
    {"class": {"name": 1, "students": 2}},
    {"class": {"name": ["c"], "students": 2}},
    {"class": {"name": "c1", "students": 2, "prefix": {"p": 1}}},
    {"class": {"name": "c1", "students": 2, "balance": [1]}},
    {"class": {"name": "c1", "students": 2, "balance": "1e40"}},
])
def test_class_create_with_wrong_types_is_400(client: TestClient, as_admin: dict[str, str],
                                              body: dict[str, Any]) -> None:
    """A number or a list as the class name, prefix or balance is Keystone-style 400; no class is recorded."""
    r = client.post("/lab/v1/classes", json=body, headers=as_admin)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == 400
    assert client.get("/lab/v1/classes", headers=as_admin).json()["classes"] == []
