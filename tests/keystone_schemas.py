"""Response bodies checked against Keystone's own response schemas (`keystone/<area>/schema.py`, the JSON schemas
Keystone's API describes its answers with; tempest has no identity response schemas).

Keystone's schema modules import its configuration and server libraries, so scripts/setup.sh installs Keystone
with its dependencies into a folder of its own (.venv-keystone-schemas); a subprocess reads the schemas there
and hands them over as JSON (kept in that folder for the next run), so none of Keystone's libraries enter the
test process.

    assert_keystone_schema("resource.project_get_response_body", response)
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import jsonschema

TARGET = Path(__file__).resolve().parents[1] / ".venv-keystone-schemas"
CACHE = TARGET / "response-schemas.json"
AREAS = ("resource", "identity", "assignment", "catalog", "application_credential", "trust")
_READ = """
import importlib, json, sys
found = {}
for area in sys.argv[1:]:
    for name, value in vars(importlib.import_module(f"keystone.{area}.schema")).items():
        if name.endswith("response_body"):
            found[f"{area}.{name}"] = value
print(json.dumps(found))
"""


@functools.cache
def keystone_schemas() -> dict[str, dict[str, Any]]:
    """Every `*_response_body` schema of Keystone's AREAS, by `area.name`. Importing Keystone takes seconds, so
    the JSON is kept beside the installed package (CACHE) and read from there while it is newer than it."""
    assert TARGET.is_dir(), f"{TARGET} is missing: run scripts/setup.sh"
    installed = (TARGET / ".stacklab-installed").stat().st_mtime
    if CACHE.exists() and CACHE.stat().st_mtime >= installed:
        cached: dict[str, dict[str, Any]] = json.loads(CACHE.read_text())
        if all(any(name.startswith(f"{area}.") for name in cached) for area in AREAS):  # made with every area
            return cached
    env = {**os.environ, "PYTHONPATH": str(TARGET), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", _READ, *AREAS], env=env, capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found: dict[str, dict[str, Any]] = json.loads(done.stdout)
    partial = CACHE.with_name(f"{CACHE.name}.{os.getpid()}")
    partial.write_text(done.stdout)
    partial.replace(CACHE)  # whole or absent: test processes running side by side may read it meanwhile
    return found


def assert_keystone_schema(name: str, response: httpx.Response, status: int = 200) -> None:
    """`response` is `status` with the body Keystone's `name` schema describes."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    # Keystone validates with JSON schema 2020-12 and its format checkers (keystone/api/validation/validators.py)
    jsonschema.validate(response.json(), keystone_schemas()[name], cls=jsonschema.Draft202012Validator,
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
