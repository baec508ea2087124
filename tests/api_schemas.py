"""Response bodies checked against tempest's own response schemas (`tempest.lib.api_schema`), the JSON
schemas tempest validates every real OpenStack answer with. `scripts/setup.sh` installs tempest's package
without its dependencies into .venv for these data modules alone (the tempest runs use .venv-tempest).

    assert_schema("compute.v2_1.servers", "get_server", response)

checks the status code against the schema's `status_code` list and the body against its `response_body`,
with tempest's own format checkers (date-time, ipv4, ...)."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import jsonschema


def schema(module: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = getattr(importlib.import_module(f"tempest.lib.api_schema.response.{module}"), name)
    return found


def assert_schema(module: str, name: str, response: httpx.Response) -> None:
    """`response` is what tempest's `module.name` schema says a real cloud answers."""
    wanted = schema(module, name)
    assert response.status_code in wanted["status_code"], (response.status_code, response.text[:500])
    if "response_body" in wanted:
        checker = jsonschema.Draft4Validator.FORMAT_CHECKER
        jsonschema.validate(response.json(), wanted["response_body"], cls=jsonschema.Draft4Validator,
                            format_checker=checker)
