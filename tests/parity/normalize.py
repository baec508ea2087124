"""From raw exchanges to recorded ones: the URL becomes (service type, path template) with ids as `{id}`, and
volatile values (ids, timestamps, addresses, keys, secrets, URLs) become typed placeholders such as `<uuid>` or
`<datetime>`, so a recording is stable across re-recordings and comparable with the lab's answers.

Services are found from the catalog: each endpoint's root is its URL without the version (`.../v2.1`,
`.../v3/<project>`), so `http://127.0.0.1:29403/v2.1/servers` (the real cloud) and
`http://127.0.0.1:8780/compute/v2.1/servers` (the lab) both read `compute /v2.1/servers`."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.parity.capture import Record

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ID_SEGMENT = re.compile(rf"^(?:{UUID}|[0-9a-f]{{32}}|req-{UUID})$")
# Substrings replaced inside any string (messages name ids), then whole-string kinds, in this order.
INLINE = [(re.compile(rf"req-{UUID}"), "<request-id>"), (re.compile(UUID), "<uuid>"),
          (re.compile(r"\b[0-9a-f]{32}\b"), "<id>"), (re.compile(r"https?://[^\s\"'<>]+"), "<url>")]
KINDS = [
    (re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$"), "<datetime>"),
    (re.compile(r"^(\d{1,3}\.){3}\d{1,3}$"), "<ipv4>"),
    (re.compile(r"^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$", re.I), "<ipv6>"),
    (re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$"), "<mac>"),
    (re.compile(r"^([0-9a-f]{2}:){15}[0-9a-f]{2}$"), "<fingerprint>"),
    (re.compile(r"^[0-9a-f]{40,}$"), "<hex>"),
    (re.compile(r"^(ssh-(rsa|ed25519)|ecdsa-sha2-\S+) "), "<public-key>"),
    (re.compile(r"^-----BEGIN"), "<private-key>"),
    (re.compile(r"^[A-Za-z0-9_-]{100,}$"), "<token>"),
]
# Keys whose values are secrets or are generated per call, whatever they look like.
SECRET_KEYS = {"password", "adminPass", "secret", "original_password", "auth_key"}
VOLATILE_KEYS = {"mac_address", "os_hash_value", "checksum", "size", "virtual_size", "OS-EXT-SRV-ATTR:hostname",
                 "hostId", "host_id", "OS-EXT-SRV-ATTR:reservation_id", "reservation_id", "serial",
                 "OS-EXT-SRV-ATTR:instance_name", "instance_name", "expires_at", "issued_at", "audit_ids",
                 "revision_number", "key_name_fp"}


def placeholder(value: str) -> str:
    """A string with its volatile parts replaced (see INLINE and KINDS)."""
    for pattern, kind in KINDS:
        if pattern.search(value):
            return kind
    for pattern, name in INLINE:
        value = pattern.sub(name, value)
    return value


def scrub(value: Any, key: str = "") -> Any:
    """A JSON value with placeholders for volatile values, recursively."""
    if key in SECRET_KEYS and value is not None:
        return "<secret>"
    if isinstance(value, dict):
        return {k: scrub(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    if key in VOLATILE_KEYS and value is not None and not isinstance(value, bool):
        return f"<{type(value).__name__}>"
    if isinstance(value, str):
        return placeholder(value)
    return value


def endpoint_root(url: str) -> str:
    """An endpoint URL without its version and project part: what keystoneauth discovers versions under."""
    url = url.rstrip("/")
    return re.sub(r"/v\d+(\.\d+)?(/.*)?$", "", url)


class Normaliser:
    """Turns raw records into recorded exchanges, with the service roots of one cloud."""

    def __init__(self, roots: dict[str, str]) -> None:
        # longest root first, so `/identity` does not swallow a longer root on the same host
        self.roots = sorted(roots.items(), key=lambda item: -len(item[1]))

    def service_path(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        service, path = next(((name, url[len(root):]) for name, root in self.roots
                              if url == root or url.startswith(root + "/") or url.startswith(root + "?")),
                             ("unknown", url[len(base):]))
        path = urlsplit(path or "/").path or "/"
        segments = ["{id}" if ID_SEGMENT.match(s) else s for s in path.split("/")]
        template = "/".join(segments)
        query = sorted((k, "{id}" if ID_SEGMENT.match(v) else v) for k, v in parse_qsl(parts.query, True))
        if query:
            template += "?" + "&".join(f"{k}={v}" for k, v in query)
        return service, template

    def exchange(self, record: Record, step: str) -> dict[str, Any]:
        service, template = self.service_path(record["url"])
        headers = dict(record["headers"])
        if "location" in headers:
            headers["location"] = self.service_path(headers["location"])[1] if "://" in headers["location"] \
                else headers["location"]
        if "x-openstack-request-id" in headers:
            headers["x-openstack-request-id"] = "<request-id>"
        content_type = headers.get("content-type")
        if content_type:
            headers["content-type"] = content_type.split(";")[0].strip()
        return {"step": step, "service": service, "method": record["method"], "path": template,
                "microversion": record.get("microversion"), "request": scrub(record["request"]),
                "status": record["status"], "headers": headers, "response": scrub(record["response"])}
