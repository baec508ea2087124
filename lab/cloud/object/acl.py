"""Container ACLs, as Swift's keystoneauth middleware reads them (the v1 syntax of X-Container-Read/Write):
comma-separated elements, each one of

    .r:*            anyone may read the objects, with or without a token (a public container)
    .r:<host>       requests whose Referer is that host (`.r:.example.com`: and its subdomains; `.r:-host` denies)
    .rlistings      and the referrers allowed may list the container too
    <project>:<user>  that user of that project (ids or names; `*` for any): `demo:*`, `*:alice`, `*:*`
    <role>          any user holding that role in their token's project

Only the read ACL takes referrers; the write ACL grants object writes (never the container itself: changing a
container and its ACLs is for its account's operators)."""

from __future__ import annotations

from urllib.parse import urlparse

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest


def elements(acl: str) -> list[str]:
    return [e.strip() for e in acl.split(",") if e.strip()]


def clean(acl: str, *, write: bool) -> str:
    """The ACL as stored (elements trimmed), or Swift's 400 for a malformed one."""
    cleaned = []
    for element in elements(acl):
        if element.startswith("."):
            designator, _, value = element.partition(":")
            if write:
                raise BadRequest(f"Referrers not allowed in write ACL: {element!r}")
            if designator in (".r", ".ref", ".referer", ".referrer"):
                if not value or value == "-":
                    raise BadRequest(f"No host/domain value after referrer designation in ACL: {element!r}")
                cleaned.append(f".r:{value}")
            elif designator == ".rlistings" and not value:
                cleaned.append(element)
            else:
                raise BadRequest(f"Unknown designator {designator!r} in ACL: {element!r}")
        else:
            cleaned.append(element)
    return ",".join(cleaned)


def _referrer_allowed(acl: list[str], referrer: str | None) -> bool:
    host = (urlparse(referrer).hostname or "") if referrer else ""
    allowed = False
    for element in acl:
        if not element.startswith(".r:"):
            continue
        value = element[3:]
        deny = value.startswith("-")
        value = value.lstrip("-")
        if value == "*" or (host and (host == value or (value.startswith(".") and host.endswith(value)))):
            allowed = not deny
    return allowed


def _identity_allowed(acl: list[str], ctx: RequestContext) -> bool:
    projects = {"*", ctx.project_id or "", ctx.project_name or ""} - {""}
    users = {"*", ctx.user_id, ctx.user_name} - {""}
    roles = {r.lower() for r in ctx.roles}
    for element in acl:
        if element.startswith("."):
            continue
        project, sep, user = element.partition(":")
        if sep and project in projects and user in users:
            return True
        if not sep and element.lower() in roles:
            return True
    return False


def allows(acl: str, ctx: RequestContext | None, referrer: str | None, *, listing: bool = False) -> bool:
    """True if `acl` grants the caller (None: no token) access: object reads, or a listing when `listing`."""
    parsed = elements(acl)
    if _referrer_allowed(parsed, referrer) and (not listing or ".rlistings" in parsed):
        return True
    return ctx is not None and _identity_allowed(parsed, ctx)
