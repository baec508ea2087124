"""Every route of the app, enumerated from its routing table, fuzzed with hypothesis: bodies, query strings, path
ids and headers (tokens of every kind, stray header bytes). Whatever arrives, the cloud answers below 500, every
4xx carries its service's OpenStack error body, and a rejected request changes nothing (the stored state,
table by table, is the same before and after).

Bounded so it stays part of every run: a few examples per route, no deadline, derandomized (the same examples
each run, so a failure reproduces), and one cloud for the whole module.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.config import Settings
from tests.cloud.compute_support import image_id
from tests.conftest import ADMIN_PASSWORD, get_token

EXAMPLES_PER_ROUTE = 5
# Derived or bookkeeping state a rejected request may legitimately touch: tokens (an auth attempt sweeps the
# expired ones), billing's rating (every billing read rates up to now first) and the job queue's timestamps.
NOT_STATE = {"tokens", "billing_charges", "billing_budget_alerts", "lab_state", "jobs", "events"}


def _routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _routes(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted(route.methods or ()):
                yield method, prefix + route.path


@dataclass
class Lab:
    cloud: Cloud
    client: TestClient
    tokens: dict[str, dict[str, str]]
    ids: list[str]
    seeds: dict[str, Any]  # resource key -> a valid body, which the fuzzing mutates


def _build(tmp: Path) -> tuple[Cloud, Any]:
    cloud = Cloud(Settings(data_dir=tmp / "lab", admin_password=ADMIN_PASSWORD, boot_seconds=0.0,
                           port=8780, host="127.0.0.1"))
    cloud.bootstrap()
    return cloud, create_app(cloud.settings, cloud=cloud, start_worker=False)


def _enumerate(app: Any) -> list[tuple[str, str]]:
    starlette = getattr(app, "app", app)
    while not hasattr(starlette, "routes"):
        starlette = starlette.app
    return sorted(set(_routes(list(starlette.routes))))


# The routing table is read once at collection, from a throw-away lab, so each route is its own test case.
def _collect() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        cloud, app = _build(Path(tmp))
        try:
            return _enumerate(app)
        finally:
            cloud.close()


ROUTES = _collect()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One cloud with a little of everything in it (a server, a volume, a network, a port, a class ...) and
    tokens of every kind."""
    cloud, app = _build(tmp_path_factory.mktemp("fuzz"))
    with TestClient(app, base_url="http://127.0.0.1:8780", raise_server_exceptions=False) as client:
        admin = {"X-Auth-Token": get_token(client, "admin", ADMIN_PASSWORD, "admin")}
        demo = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
        made = _populate(client, cloud, admin, demo)
        tokens = {"admin": admin, "demo": demo, "none": {}, "garbage": {"X-Auth-Token": "gAAAAAbogus"},
                  "domain": _domain_token(client, admin)}
        yield Lab(cloud, client, tokens, _known_ids(cloud), _seeds(made))
    cloud.close()


def _populate(client: TestClient, cloud: Cloud, admin: dict[str, str], demo: dict[str, str]) -> dict[str, str]:
    """Resources of every service for the demo project; their ids by kind."""
    def ok(r: Any) -> Any:
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    net = ok(client.post("/network/v2.0/networks", json={"network": {"name": "fz"}}, headers=demo))["network"]
    ok(client.post("/network/v2.0/subnets", json={"subnet": {"network_id": net["id"], "cidr": "10.9.0.0/24",
                                                             "ip_version": 4}}, headers=demo))
    ok(client.post("/network/v2.0/ports", json={"port": {"network_id": net["id"]}}, headers=demo))
    sg = ok(client.post("/network/v2.0/security-groups", json={"security_group": {"name": "fz"}}, headers=demo))
    image = image_id(client, cloud, demo)
    ok(client.post("/compute/v2.1/servers", json={"server": {"name": "fz", "flavorRef": "1", "imageRef": image,
                                                             "networks": [{"uuid": net["id"]}]}}, headers=demo))
    ok(client.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": "fz"}}, headers=demo))
    volume = ok(client.post(f"/volume/v3/{_project_id(client, demo)}/volumes", json={"volume": {"size": 1}},
                            headers=demo))
    ok(client.post("/billing/v1/coupons", json={"coupon": {"code": "FZ", "amount": "5"}}, headers=admin))
    ok(client.put(f"/identity/v3/projects/{_project_id(client, demo)}/tags/fz", headers=admin))
    public = ok(client.get("/network/v2.0/networks", params={"router:external": "True"}, headers=demo))
    cloud.worker.run_due()
    return {"network": net["id"], "security_group": sg["security_group"]["id"], "image": image,
            "volume": volume["volume"]["id"], "public": public["networks"][0]["id"] if public["networks"] else ""}


def _seeds(made: dict[str, str]) -> dict[str, Any]:
    """A valid body per resource key (the wrapper included): mutating one field of a valid body reaches the
    validation and the service code behind it, where a random body stops at the first check."""
    password = {"user": {"name": "demo", "password": "demo", "domain": {"name": "Default"}}}
    return {
        "server": {"server": {"name": "fz2", "flavorRef": "1", "imageRef": made["image"],
                              "networks": [{"uuid": made["network"]}]}},
        "network": {"network": {"name": "n2"}},
        "subnet": {"subnet": {"network_id": made["network"], "cidr": "10.8.0.0/24", "ip_version": 4}},
        "port": {"port": {"network_id": made["network"], "fixed_ips": [{"ip_address": "10.9.0.50"}]}},
        "router": {"router": {"name": "r", "external_gateway_info": {"network_id": made["public"]}}},
        "floatingip": {"floatingip": {"floating_network_id": made["public"]}},
        "security_group": {"security_group": {"name": "sg2"}},
        "security_group_rule": {"security_group_rule": {
            "security_group_id": made["security_group"], "direction": "ingress", "protocol": "tcp",
            "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"}},
        "volume": {"volume": {"size": 1, "name": "v2"}},
        "snapshot": {"snapshot": {"volume_id": made["volume"], "name": "s"}},
        "keypair": {"keypair": {"name": "k2"}},
        "flavor": {"flavor": {"name": "f2", "ram": 64, "vcpus": 1, "disk": 1}},
        "image": {"name": "i2", "disk_format": "raw", "container_format": "bare", "visibility": "private"},
        "class": {"class": {"name": "c1", "students": 2, "prefix": "s", "balance": "10"}},
        "student": {"student": {"name": "s03"}},
        "topup": {"topup": {"amount": "5"}},
        "budget": {"budget": {"amount": "20", "thresholds": [50, 100]}},
        "coupon": {"coupon": {"code": "C2", "amount": "5", "max_uses": 2}},
        "redeem": {},
        "account": {"account": {"mode": "prepaid"}},
        "progress": {"lab_id": "1.1", "passed": 1, "total": 2},
        "advance": {"by": "1h"},
        "project": {"project": {"name": "p2", "tags": ["a"]}},
        "user": {"user": {"name": "u2", "password": "pw"}},
        "domain": {"domain": {"name": "d2"}},
        "role": {"role": {"name": "r2"}},
        "token": {"auth": {"identity": {"methods": ["password"], "password": password},
                           "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}},
        "action": {"os-stop": None},
        "quota_set": {"quota_set": {"instances": 5}},
        "tag": {"tags": ["a", "b"]},
        "metadata": {"metadata": {"k": "v"}},
    }

def _project_id(client: TestClient, headers: dict[str, str]) -> str:
    r = client.get("/identity/v3/auth/tokens", headers={**headers, "X-Subject-Token": headers["X-Auth-Token"]})
    return str(r.json()["token"]["project"]["id"])


def _domain_token(client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    """A member of the Default domain itself, scoped to the domain (no project)."""
    r = client.post("/identity/v3/users", json={"user": {"name": "fz-domain", "password": "pw"}}, headers=admin)
    user = r.json()["user"]["id"]
    role = client.get("/identity/v3/roles", params={"name": "member"}, headers=admin).json()["roles"][0]["id"]
    assert client.put(f"/identity/v3/domains/default/users/{user}/roles/{role}", headers=admin).status_code == 204
    r = client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": user, "password": "pw"}}},
        "scope": {"domain": {"id": "default"}}}})
    assert r.status_code == 201, r.text
    return {"X-Auth-Token": r.headers["x-subject-token"]}


def _known_ids(cloud: Cloud) -> list[str]:
    """Ids and names of what exists, so path ids hit real resources too; the bootstrap admin's own user,
    project and the Default domain are left out (deleting them would end the fuzzing's admin session)."""
    keep_out: set[str] = set()
    found: set[str] = set()
    with cloud.db.engine.connect() as conn:
        keep_out |= {row[0] for row in conn.execute(text("SELECT id FROM users WHERE name = 'admin'"))}
        keep_out |= {row[0] for row in conn.execute(text("SELECT id FROM projects WHERE name = 'admin'"))}
        keep_out.add("default")
        for table in inspect(conn).get_table_names():
            columns = {c["name"] for c in inspect(conn).get_columns(table)}
            for column in ("id", "name", "code"):
                if column in columns and table != "tokens":
                    found |= {str(v) for (v,) in conn.execute(text(f'SELECT "{column}" FROM "{table}"'))
                              if v is not None}
    return sorted(found - keep_out - {"admin"})


def _fingerprint(cloud: Cloud) -> dict[str, str]:
    """A digest of every stored table but the bookkeeping ones: equal digests, unchanged state."""
    digests = {}
    with cloud.db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table in NOT_STATE:
                continue
            rows = sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{table}"')))
            digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


# ---------------------------------------------------------------------------------------------- strategies
FIELDS = ["name", "description", "size", "flavorRef", "imageRef", "networks", "network_id", "cidr", "ip_version",
          "enabled", "password", "amount", "code", "students", "lab_id", "by", "metadata", "tags", "protocol",
          "direction", "port_range_min", "security_group_id", "volume_type", "admin_state_up", "disk_format",
          "container_format", "visibility", "fixed_ips", "floating_network_id", "domain_id", "project_id", "id",
          "mode", "thresholds", "prices", "balance", "passed", "total", "key_name", "min_disk", "status",
          "volume_id", "server_id", "port_id", "subnet_id", "router_id", "extra_specs", "ram", "vcpus", "disk"]
JUNK_TEXT = st.one_of(st.text(max_size=12), st.sampled_from(
    ["", " ", "%00", "\x00", "é", "../..", "a" * 300, "1e400", "-1", "None", "null", "0", "in:a,b", "\u202e",
     "99999999999999999999999999"]))
SCALARS = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), JUNK_TEXT, st.none(), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False))
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), inner,
                                                 max_size=4)), max_leaves=8)


def _resource_key(template: str) -> str:
    """The wrapper key a body of this route most likely has: `server` for .../servers, `class` for classes."""
    static = [p for p in template.split("/") if p and not p.startswith("{")]
    key = (static[-1] if static else "body").replace("-", "_").removeprefix("os_")
    key = {"tokens": "token", "quota_sets": "quota_set", "tags": "tag"}.get(key, key)
    if key.endswith("sses"):
        return key[:-2]
    return key[:-1] if key.endswith("s") else key


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as a path of keys and indexes (the root included)."""
    places = [path]
    if isinstance(value, dict):
        for key, sub in value.items():
            places += _leaves(sub, (*path, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            places += _leaves(sub, (*path, index))
    return places


def _mutate(seed: Any, draw: Any) -> Any:
    """The seed with one place replaced by a junk value, removed, or given an extra field."""
    doc = json.loads(json.dumps(seed))
    places = _leaves(doc)[1:]
    if not places:
        return draw(JSON)
    place = draw(st.sampled_from(places), label="place")
    parent = doc
    for step in place[:-1]:
        parent = parent[step]
    how = draw(st.sampled_from(["replace", "replace", "drop", "extra"]), label="mutation")
    if how == "drop" and isinstance(parent, dict):
        del parent[place[-1]]
    elif how == "extra" and isinstance(parent, dict):
        parent[draw(st.sampled_from(FIELDS))] = draw(JSON)
    else:
        parent[place[-1]] = draw(JSON)
    return doc


def _body(lab: Lab, template: str, draw: Any) -> bytes | None:
    seed = lab.seeds.get(_resource_key(template), {_resource_key(template): {"name": "fz3"}})
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "valid", "random", "raw", "none"]), label="body")
    if kind == "none":
        return None
    if kind == "raw":
        return draw(st.sampled_from([b"", b"{", b"[]", b"\xff\xfe", b'{"a": 1}' * 3, b"null", b'"x"']))
    value = seed if kind == "valid" else draw(JSON) if kind == "random" else _mutate(seed, draw)
    return json.dumps(value, default=str).encode()


QUERY_KEYS = ["limit", "marker", "name", "all_tenants", "all_projects", "fields", "sort_key", "sort_dir", "status",
              "tags", "tags-any", "changes-since", "project_id", "is_public", "detail", "id", "month", "csv",
              "cascade", "force", "owner", "visibility", "user_id", "domain_id", "enabled", "deleted"]
HEADER_EXTRAS = st.dictionaries(
    st.sampled_from(["OpenStack-API-Version", "X-OpenStack-Nova-API-Version", "Content-Type", "X-Subject-Token",
                     "X-Roles", "X-Project-Id", "Accept", "X-Junk"]),
    st.one_of(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
              st.sampled_from([b"\xff\xfe", b"compute \xff", b"volume 9.99", b"compute latest", b"application/json",
                               b"application/openstack-images-v2.1-json-patch", b"text/plain"])),
    max_size=3)


def _path(lab: Lab, template: str, draw: Any) -> str:
    def value(match: re.Match[str]) -> str:
        picked = draw(st.one_of(st.sampled_from(lab.ids), JUNK_TEXT))
        return quote(str(picked), safe="")

    return re.sub(r"{[^}]*}", value, template)


def _openstack_api(path: str) -> bool:
    """Everything but the web pages (the classroom's /lab/, /lab/progress, ...; the remote console page
    /compute/console and its terminal's files, /compute/console/static/: for a browser) and object storage
    (Swift answers its errors in plain text or small HTML pages, as real Swift does) is an API whose errors
    carry an OpenStack JSON body."""
    if (path.startswith(("/object/", "/compute/console/static/"))
            or path.split("?")[0] == "/compute/console"):
        return False
    return not path.startswith("/lab/") or path.startswith("/lab/v1/")


def _style_ok(body: Any, status: int) -> bool:
    """One of OpenStack's error bodies: Keystone's, Nova/Cinder's, Neutron's, Glance's, Octavia's, Heat's,
    Gnocchi's or Aodh's, with this status."""
    if not isinstance(body, dict):
        return False
    if set(body) == {"code", "description", "title"}:  # Gnocchi's (webob's JSON error)
        return body["code"] == status and isinstance(body["description"], str)
    if set(body) == {"error_message"}:  # Aodh's (WSME's fault in ParsableErrorMiddleware's wrapper)
        inner = body["error_message"]
        return isinstance(inner, dict) and inner.get("faultcode") == ("Client" if status < 500 else "Server")
    if set(body) == {"code", "title", "explanation", "error"}:  # Heat's (heat/api/middleware/fault.py)
        return body["code"] == status and {"message", "type"} <= set(body["error"])
    if set(body) == {"faultcode", "faultstring", "debuginfo"}:  # Octavia's (WSME's)
        return body["faultcode"] == ("Client" if status < 500 else "Server")
    if set(body) == {"error"}:
        return body["error"].get("code") == status and "message" in body["error"]
    if set(body) == {"NeutronError"}:
        return {"type", "message", "detail"} <= set(body["NeutronError"])
    if set(body) == {"message", "code", "title"}:
        return str(body["code"]).startswith(str(status))
    if len(body) == 1:
        inner = next(iter(body.values()))
        return isinstance(inner, dict) and inner.get("code") == status and "message" in inner
    return False


@pytest.mark.parametrize("method, template", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_survives_fuzzing(lab: Lab, method: str, template: str) -> None:
    """Below 500 for any input; an OpenStack error body on every 4xx; nothing changed by a rejected request."""

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def probe(data: st.DataObject) -> None:
        path = _path(lab, template, data.draw)
        who = data.draw(st.sampled_from(["admin", "demo", "domain", "admin", "demo", "none", "garbage"]),
                        label="token")
        headers: dict[str, Any] = {**lab.tokens[who], **data.draw(HEADER_EXTRAS, label="headers")}
        query = data.draw(st.dictionaries(st.sampled_from(QUERY_KEYS), JUNK_TEXT, max_size=3), label="query")
        body = _body(lab, template, data.draw) if method in ("POST", "PUT", "PATCH") else None
        before = _fingerprint(lab.cloud)
        r = lab.client.request(method, path, params=query, content=body, headers=headers)
        assert r.status_code < 500, f"{method} {path} {query} -> {r.status_code} {r.text[:300]}"
        if 400 <= r.status_code < 500:
            if method != "HEAD" and _openstack_api(path):
                assert _style_ok(r.json(), r.status_code), f"{method} {path}: {r.status_code} {r.text[:300]}"
            after = _fingerprint(lab.cloud)
            changed = sorted(t for t in before if before[t] != after.get(t))
            assert not changed, f"{method} {path} answered {r.status_code} but changed {changed}"

    probe()


CONFUSIONS: list[Any] = [7, ["x"], {"x": 1}, "x" * 300]
WRITES = [(m, p) for m, p in ROUTES if m in ("POST", "PUT", "PATCH")]


def _check(lab: Lab, method: str, path: str, **request: Any) -> None:
    before = _fingerprint(lab.cloud)
    r = lab.client.request(method, path, **request)
    assert r.status_code < 500, f"{method} {path} {request.get('content', b'')[:200]!r} -> {r.text[:300]}"
    if 400 <= r.status_code < 500:
        assert method == "HEAD" or not _openstack_api(path) or _style_ok(r.json(), r.status_code), \
            f"{method} {path}: {r.text[:300]}"
        after = _fingerprint(lab.cloud)
        changed = sorted(t for t in before if before[t] != after.get(t))
        assert not changed, f"{method} {path} answered {r.status_code} but changed {changed}"


@pytest.mark.parametrize("method, template", WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_route_survives_type_confusion(lab: Lab, method: str, template: str) -> None:
    """Every field of a valid body, in turn, as a number, a list, an object and a long string (the bugs a random
    body rarely reaches), as the admin and as a domain-scoped member; and a stray byte in the version header."""
    path = re.sub(r"{[^}]*}", lambda _m: quote(lab.ids[0], safe=""), template)
    seed = lab.seeds.get(_resource_key(template))
    for who in ("admin", "domain"):
        _check_raw_header(lab, method, path, lab.tokens[who]["X-Auth-Token"].encode())
        if seed is None:
            continue
        for place in _leaves(seed)[1:]:
            for junk in CONFUSIONS:
                doc = json.loads(json.dumps(seed))
                parent = doc
                for step in place[:-1]:
                    parent = parent[step]
                parent[place[-1]] = junk
                _check(lab, method, path, headers=lab.tokens[who], content=json.dumps(doc).encode())


def _check_raw_header(lab: Lab, method: str, path: str, token: bytes) -> None:
    """Bytes that are not UTF-8 in the microversion header and another header, sent straight to the ASGI app
    (the test client would re-encode them): OpenStack's 4xx body or a success, never a crash."""
    import asyncio

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "server": ("127.0.0.1", 8780), "client": ("127.0.0.1", 50000),
             "headers": [(b"host", b"127.0.0.1:8780"), (b"x-auth-token", token), (b"content-type", b"application/json"),
                         (b"openstack-api-version", b"compute \xff\xfe"), (b"x-junk", b"\xc3\x28")]}
    asyncio.run(lab.client.app(scope, receive, send))  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert status < 500, f"{method} {path} with stray header bytes -> {status} {body[:300]!r}"
    if 400 <= status < 500 and method != "HEAD" and _openstack_api(path):
        assert _style_ok(json.loads(body), status), f"{method} {path}: {body[:300]!r}"
