"""Microversions, as Nova and Cinder negotiate them: a service declares the range it serves (`Microversions`, in
its plugin's `ServiceSpec`); `negotiate` turns a request's `OpenStack-API-Version` header into the version the
request is served at; the middleware (lab/cloud/app.py) puts it in the request scope, where `requested(scope)`
(or lab.cloud.http.microversion(request)) finds it.

Rules (nova/api/openstack/api_version_request.py, cinder/api/openstack/api_version_request.py):
no header is the minimum; `latest` is the maximum; a version outside the range is 406 with the range in the
message; a header that does not parse is 400. A service's own package says what each version changes (e.g.
lab/cloud/volume/microversions.py): renderers and validators compare `Version`s, never strings.

How compute uses it: declare `Microversions("compute", "2.1", "2.93", legacy_header="X-OpenStack-Nova-API-Version")`
in compute's plugin, and compare `microversion(request) >= Version(2, 47)` where a body changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from lab.cloud import errors

SCOPE_KEY = "stacklab.microversion"
_HEADER = re.compile(r"^\s*(?:(\w+)\s+)?(latest|\d+\.\d+)\s*$", re.I)


class Version(NamedTuple):
    """A microversion, ordered as a tuple: Version(3, 9) < Version(3, 10)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Version:
        major, _, minor = text.strip().partition(".")
        return cls(int(major), int(minor))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class Microversions:
    """The range a service serves: `service` is the name in the header (`OpenStack-API-Version: volume 3.70`);
    `legacy_header` a service's older header also read and echoed (Nova's X-OpenStack-Nova-API-Version)."""

    service: str
    min_version: str
    max_version: str
    legacy_header: str | None = None

    @property
    def min(self) -> Version:
        return Version.parse(self.min_version)

    @property
    def max(self) -> Version:
        return Version.parse(self.max_version)


def negotiate(spec: Microversions, headers: dict[str, str]) -> Version:
    """The version a request with these (lower-cased) headers is served at. Raises BadRequest for a header that
    does not parse, NotAcceptable (406) for a version outside the range."""
    asked = headers.get("openstack-api-version")
    if asked is not None and not asked.strip().lower().startswith(spec.service):
        asked = None  # a header for another service
    if asked is None and spec.legacy_header:
        asked = headers.get(spec.legacy_header.lower())
    if asked is None:
        return spec.min
    match = _HEADER.match(asked)
    if not match:
        raise errors.BadRequest(f"Invalid API version request string {asked!r}.")
    wanted = match.group(2).lower()
    if wanted == "latest":
        return spec.max
    version = Version.parse(wanted)
    if not spec.min <= version <= spec.max:
        raise errors.NotAcceptable(f"Version {wanted} is not supported by the API. "
                                   f"Minimum is {spec.min_version} and maximum is {spec.max_version}.")
    return version


def requested(scope: dict[str, Any] | Any, default: Version | None = None) -> Version:
    """The version the middleware negotiated for this request (`default`, else 0.0, outside the middleware:
    a test calling a route directly)."""
    found = scope.get(SCOPE_KEY) if hasattr(scope, "get") else None
    if isinstance(found, Version):
        return found
    return default or Version(0, 0)
