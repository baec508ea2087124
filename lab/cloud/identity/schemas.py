"""Identity's wire shapes: version documents, request validation (Keystone's limits as lab/cloud/validation.py
records, its 400 wording) and one
render function per resource, with Keystone's `links.self` on each resource and on each collection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from lab.cloud import validation as V
from lab.cloud.http import require_key, timestamp_micro
from lab.cloud.identity.models import (
    AccessRule,
    ApplicationCredential,
    CatalogService,
    Domain,
    Endpoint,
    EndpointGroup,
    Group,
    OAuthConsumer,
    PolicyBlob,
    Project,
    Region,
    Role,
    Trust,
    User,
)

VERSION_ID = "v3.14"
UPDATED = "2020-04-07T00:00:00Z"
MEDIA_TYPES = [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]


def time(dt: datetime | None) -> str | None:
    return timestamp_micro(dt)


def version(base: str) -> dict[str, Any]:
    """The v3 version entry, as Keystone's discovery documents show it."""
    return {"id": VERSION_ID, "status": "stable", "updated": UPDATED, "media-types": MEDIA_TYPES,
            "links": [{"rel": "self", "href": f"{base}/identity/v3/"}]}


# ---------------------------------------------------------------------------------------------- requests
# Keystone's parameter types (keystone/common/validation/parameter_types.py), as lab/cloud/validation.py's
# checks: names need a non-blank character. Keystone's schemas allow additional properties; projects, users,
# domains and groups keep them as extra attributes (Record.extras()).
W = V.KEYSTONE
PROJECT_NAME = V.string(1, 64, r"\S")
NAME = V.string(1, 255, r"\S")
TAGS = V.list_of(V.string(1, 255, r"^[^,/]*$"), max_items=80, index=True)
ID = V.string(1, 64)
TEXT = V.string(0, 255)
LONG_ID = V.string(1, 255)
REF = V.string(0, 255)
URL = V.string(1, 1024)
BOOL = V.boolean()
INTERFACE = V.string(pattern=r"^(public|internal|admin)$", max_len=None)
PASSWORD = V.string(max_len=None)
opt = V.nullable


@dataclass(kw_only=True)
class DomainCreate(V.Record):
    name: str = V.attr(PROJECT_NAME, required=True)
    description: str | None = V.attr(opt(TEXT))
    enabled: bool = V.attr(BOOL, default=True)
    tags: list[str] = V.attr(TAGS, default_factory=list)


@dataclass(kw_only=True)
class DomainUpdate(V.Record):
    name: str | None = V.attr(opt(PROJECT_NAME))
    description: str | None = V.attr(opt(TEXT))
    enabled: bool | None = V.attr(opt(BOOL))
    tags: list[str] | None = V.attr(opt(TAGS))


@dataclass(kw_only=True)
class ProjectCreate(V.Record):
    name: str = V.attr(PROJECT_NAME, required=True)
    domain_id: str | None = V.attr(opt(ID))
    parent_id: str | None = V.attr(opt(ID))
    description: str | None = V.attr(opt(TEXT))
    enabled: bool = V.attr(BOOL, default=True)
    is_domain: bool = V.attr(BOOL, default=False)
    tags: list[str] = V.attr(TAGS, default_factory=list)


@dataclass(kw_only=True)
class ProjectUpdate(V.Record):
    name: str | None = V.attr(opt(PROJECT_NAME))
    description: str | None = V.attr(opt(TEXT))
    enabled: bool | None = V.attr(opt(BOOL))
    tags: list[str] | None = V.attr(opt(TAGS))


@dataclass(kw_only=True)
class UserCreate(V.Record):
    name: str = V.attr(NAME, required=True)
    domain_id: str | None = V.attr(opt(ID))
    password: str | None = V.attr(opt(PASSWORD))
    enabled: bool = V.attr(BOOL, default=True)
    default_project_id: str | None = V.attr(opt(ID))
    description: str | None = V.attr(opt(TEXT))
    email: str | None = V.attr(opt(TEXT))


@dataclass(kw_only=True)
class UserUpdate(V.Record):
    name: str | None = V.attr(opt(NAME))
    password: str | None = V.attr(opt(PASSWORD))
    enabled: bool | None = V.attr(opt(BOOL))
    default_project_id: str | None = V.attr(opt(ID))
    description: str | None = V.attr(opt(TEXT))
    email: str | None = V.attr(opt(TEXT))


@dataclass(kw_only=True)
class PasswordChange(V.Record):
    password: str = V.attr(PASSWORD, required=True)
    original_password: str = V.attr(PASSWORD, required=True)


@dataclass(kw_only=True)
class RoleCreate(V.Record):
    name: str = V.attr(NAME, required=True)
    description: str | None = V.attr(opt(TEXT))
    domain_id: str | None = V.attr(opt(ID))


@dataclass(kw_only=True)
class RoleUpdate(V.Record):
    name: str | None = V.attr(opt(NAME))
    description: str | None = V.attr(opt(TEXT))


@dataclass(kw_only=True)
class GroupCreate(V.Record):
    name: str = V.attr(PROJECT_NAME, required=True)
    domain_id: str | None = V.attr(opt(ID))
    description: str | None = V.attr(opt(TEXT))


@dataclass(kw_only=True)
class GroupUpdate(V.Record):
    name: str | None = V.attr(opt(PROJECT_NAME))
    description: str | None = V.attr(opt(TEXT))


@dataclass(kw_only=True)
class RoleRef(V.Record):
    """A role named in an application credential request: by id or by name (global roles)."""

    id: str | None = V.attr(opt(ID))
    name: str | None = V.attr(opt(NAME))


@dataclass(kw_only=True)
class AccessRuleRef(V.Record):
    """An access rule in an application credential request: an existing one of the user's by `id`, or a new
    (service, path, method), which is the user's equal rule when it has one (Keystone's access rule schema)."""

    id: str | None = V.attr(opt(ID))
    service: str | None = V.attr(opt(V.string(1, 64)))
    path: str | None = V.attr(opt(V.string(0, 225, r"^/")))
    method: str | None = V.attr(opt(V.string(pattern=r"^(POST|GET|HEAD|PATCH|PUT|DELETE)$", max_len=None)))


@dataclass(kw_only=True)
class ApplicationCredentialCreate(V.Record):
    name: str = V.attr(NAME, required=True)
    description: str | None = V.attr(opt(TEXT))
    secret: str | None = V.attr(opt(LONG_ID))
    expires_at: datetime | None = V.attr(opt(V.timestamp))
    roles: list[RoleRef] | None = V.attr(opt(V.list_of(V.record_of(RoleRef), index=True)))
    unrestricted: bool = V.attr(BOOL, default=False)
    access_rules: list[AccessRuleRef] | None = V.attr(opt(V.list_of(V.record_of(AccessRuleRef), index=True)))


@dataclass(kw_only=True)
class RegionCreate(V.Record):
    id: str | None = V.attr(opt(LONG_ID))
    description: str | None = V.attr(opt(TEXT))
    parent_region_id: str | None = V.attr(opt(REF))


@dataclass(kw_only=True)
class RegionUpdate(V.Record):
    description: str | None = V.attr(opt(TEXT))
    parent_region_id: str | None = V.attr(opt(REF))


@dataclass(kw_only=True)
class ServiceCreate(V.Record):
    type: str = V.attr(LONG_ID, required=True)
    name: str | None = V.attr(opt(TEXT))
    description: str | None = V.attr(opt(TEXT))
    enabled: bool = V.attr(BOOL, default=True)


@dataclass(kw_only=True)
class ServiceUpdate(V.Record):
    type: str | None = V.attr(opt(LONG_ID))
    name: str | None = V.attr(opt(TEXT))
    description: str | None = V.attr(opt(TEXT))
    enabled: bool | None = V.attr(opt(BOOL))


@dataclass(kw_only=True)
class EndpointCreate(V.Record):
    service_id: str = V.attr(ID, required=True)
    interface: str = V.attr(INTERFACE, required=True)
    url: str = V.attr(URL, required=True)
    region_id: str | None = V.attr(opt(REF))
    region: str | None = V.attr(opt(REF))  # the pre-Kilo spelling
    enabled: bool = V.attr(BOOL, default=True)


@dataclass(kw_only=True)
class EndpointUpdate(V.Record):
    service_id: str | None = V.attr(opt(ID))
    interface: str | None = V.attr(opt(INTERFACE))
    url: str | None = V.attr(opt(URL))
    region_id: str | None = V.attr(opt(REF))
    region: str | None = V.attr(opt(REF))
    enabled: bool | None = V.attr(opt(BOOL))


@dataclass(kw_only=True)
class PolicyCreate(V.Record):
    """A /v3/policies blob (keystone/policy/schema.py: blob and type required, more properties allowed)."""

    blob: str = V.attr(V.string(max_len=None), required=True)
    type: str = V.attr(V.string(max_len=255), required=True)


@dataclass(kw_only=True)
class PolicyUpdate(V.Record):
    blob: str | None = V.attr(V.string(max_len=None))
    type: str | None = V.attr(V.string(max_len=255))


@dataclass(kw_only=True)
class EndpointGroupCreate(V.Record):
    """An OS-EP-FILTER endpoint group (keystone/catalog/schema.py)."""

    name: str = V.attr(NAME, required=True)
    description: str | None = V.attr(opt(V.string(max_len=None)))
    filters: dict[str, Any] = V.attr(V.obj, required=True)


@dataclass(kw_only=True)
class EndpointGroupUpdate(V.Record):
    name: str | None = V.attr(NAME)
    description: str | None = V.attr(opt(V.string(max_len=None)))
    filters: dict[str, Any] | None = V.attr(V.obj)


@dataclass(kw_only=True)
class ConsumerCreate(V.Record):
    """An OS-OAUTH1 consumer (keystone/oauth1/schema.py: a description; more properties allowed)."""

    description: str | None = V.attr(opt(V.string(max_len=None)))


@dataclass(kw_only=True)
class TrustRoleRef(V.Record):
    id: str | None = V.attr(opt(ID))
    name: str | None = V.attr(opt(NAME))


@dataclass(kw_only=True)
class TrustCreate(V.Record):
    """An OS-TRUST trust (keystone/trust/schema.py)."""

    trustor_user_id: str = V.attr(V.string(1, 64, r"\S"), required=True)
    trustee_user_id: str = V.attr(V.string(1, 64, r"\S"), required=True)
    impersonation: bool = V.attr(BOOL, required=True)
    project_id: str | None = V.attr(opt(ID))
    roles: list[TrustRoleRef] = V.attr(V.list_of(V.record_of(TrustRoleRef, extra="allow"), index=True),
                                       default_factory=list)
    expires_at: str | None = V.attr(opt(V.string(max_len=None)))
    remaining_uses: int | None = V.attr(opt(V.integer(1)))
    allow_redelegation: bool | None = V.attr(opt(BOOL))
    redelegation_count: int | None = V.attr(opt(V.integer(0)))


Model = TypeVar("Model", bound=V.Record)


def parse(model: type[Model], body: dict[str, Any], key: str) -> Model:
    """`body[key]` validated as `model`, or Keystone's 400 ("Invalid input for field 'name': ...")."""
    return V.parse_record(W, model, require_key(body, key), key)


# ---------------------------------------------------------------------------------------------- responses
def collection(key: str, items: list[dict[str, Any]], self_url: str) -> dict[str, Any]:
    """Keystone's list body: `{"projects": [...], "links": {"self", "previous", "next"}}`."""
    return {key: items, "links": {"self": self_url, "previous": None, "next": None}}


def _link(base: str, path: str) -> dict[str, str]:
    return {"self": f"{base}/identity/v3/{path}"}


def domain(base: str, d: Domain) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "description": d.description, "enabled": d.enabled,
            "tags": list(d.tags or []), "options": {}, "links": _link(base, f"domains/{d.id}")}


def project(base: str, p: Project) -> dict[str, Any]:
    """A project. A project acting as a domain (`is_domain`, kept in `extra`) has no parent."""
    body = {k: v for k, v in (p.extra or {}).items() if k != "is_domain"}
    is_domain = bool((p.extra or {}).get("is_domain"))
    body.update({"id": p.id, "name": p.name, "domain_id": None if is_domain else p.domain_id,
                 "description": p.description, "enabled": p.enabled,
                 "parent_id": None if is_domain else (p.parent_id or p.domain_id),
                 "is_domain": is_domain, "tags": list(p.tags or []), "options": {},
                 "links": _link(base, f"projects/{p.id}")})
    return body


def hierarchy_ids(project: Project, found: list[Project], parents: bool) -> dict[str, Any] | None:
    """Keystone's `parents_as_ids` ({parent: {grandparent: {domain: None}}}) or `subtree_as_ids` ({child: {...}}).
    A project's chain of parents ends at its domain, the project acting as a domain at the top of every
    hierarchy (Keystone's test_get_project_with_parents_as_ids); a domain itself has no parents (None)."""
    project_id = project.id
    if parents:
        tree: dict[str, Any] | None = None
        if not (project.extra or {}).get("is_domain") and project.domain_id:
            tree = {project.domain_id: None}
        for p in reversed(found):
            tree = {p.id: tree}
        return tree
    children: dict[str, list[str]] = {}
    for p in found:
        children.setdefault(p.parent_id or "", []).append(p.id)

    def below(node: str) -> dict[str, Any] | None:
        return {c: below(c) for c in children[node]} if node in children else None

    return below(project_id)


def group(base: str, g: Group) -> dict[str, Any]:
    body = dict(g.extra or {})
    body.update({"id": g.id, "name": g.name, "domain_id": g.domain_id, "description": g.description,
                 "links": _link(base, f"groups/{g.id}")})
    return body


def user_group(base: str, g: Group) -> dict[str, Any]:
    """A group in GET /users/{id}/groups: Keystone adds when the membership ends (null: never; only
    federated memberships expire)."""
    return {**group(base, g), "membership_expires_at": None}


def application_credential(base: str, a: ApplicationCredential, roles: list[Role],
                           secret: str | None = None) -> dict[str, Any]:
    """An application credential; `secret` only in the answer to its creation (it is stored hashed)."""
    body: dict[str, Any] = {
        "id": a.id, "name": a.name, "description": a.description, "user_id": a.user_id,
        "project_id": a.project_id,
        # As given (naive UTC, isoformat): tempest compares it with the `expires_at` it sent.
        "expires_at": a.expires_at.isoformat() if a.expires_at else None, "unrestricted": a.unrestricted,
        "system": None,
        "roles": [{"id": r.id, "name": r.name, "domain_id": r.domain_id, "description": r.description,
                   "options": {}} for r in roles],
        # Keystone's own (odd) self link, without the user.
        "links": _link(base, f"application_credentials/{a.id}")}
    if a.access_rules:  # only for a credential made with access rules, as Keystone
        body["access_rules"] = list(a.access_rules)
    if secret is not None:
        body["secret"] = secret
    return body


def access_rule(base: str, r: AccessRule) -> dict[str, Any]:
    """An access rule as GET /v3/users/{user_id}/access_rules shows it."""
    return {"id": r.id, "service": r.service, "path": r.path, "method": r.method,
            "links": _link(base, f"users/{r.user_id}/access_rules/{r.id}")}


def role_ref(base: str, r: Role) -> dict[str, Any]:
    """A role as an inference rule names it: id, name and its link."""
    return {"id": r.id, "name": r.name, "links": _link(base, f"roles/{r.id}")}


def role_inference(base: str, prior: Role, implied: list[Role]) -> dict[str, Any]:
    """`{"prior_role": {...}, "implies": [...]}`: one prior role and the roles it implies directly."""
    return {"prior_role": role_ref(base, prior), "implies": [role_ref(base, r) for r in implied]}


def user(base: str, u: User) -> dict[str, Any]:
    body = dict(u.extra or {})
    body.update({"id": u.id, "name": u.name, "domain_id": u.domain_id, "enabled": u.enabled,
                 "password_expires_at": time(u.password_expires_at), "options": {},
                 "links": _link(base, f"users/{u.id}")})
    for key in ("default_project_id", "description", "email"):
        if getattr(u, key) is not None:
            body[key] = getattr(u, key)
    return body


def role(base: str, r: Role) -> dict[str, Any]:
    body: dict[str, Any] = {"id": r.id, "name": r.name, "domain_id": r.domain_id, "options": {},
                            "links": _link(base, f"roles/{r.id}")}
    if r.description is not None:
        body["description"] = r.description
    return body


def region(base: str, r: Region) -> dict[str, Any]:
    return {"id": r.id, "description": r.description, "parent_region_id": r.parent_region_id,
            "links": _link(base, f"regions/{r.id}")}


def service(base: str, s: CatalogService) -> dict[str, Any]:
    body: dict[str, Any] = {"id": s.id, "type": s.type, "name": s.name, "enabled": s.enabled,
                            "links": _link(base, f"services/{s.id}")}
    if s.description is not None:
        body["description"] = s.description
    return body


def endpoint(base: str, e: Endpoint, url: str) -> dict[str, Any]:
    """An endpoint; `url` is the stored URL made absolute (relative URLs follow the lab's public URL)."""
    return {"id": e.id, "interface": e.interface, "region_id": e.region_id, "region": e.region_id,
            "service_id": e.service_id, "url": url, "enabled": e.enabled,
            "links": _link(base, f"endpoints/{e.id}")}


def role_assignment(base: str, a: dict[str, Any]) -> dict[str, Any]:
    """One entry of GET /v3/role_assignments, from the service's plain description of it:
    {role, user or group, project, domain or system (a dict), prior_role (implied entries), membership (the
    group an effective entry came through)}."""
    scope_kind = "project" if a.get("project") else "domain" if a.get("domain") else "system"
    scope = a[scope_kind]
    target = "system" if scope_kind == "system" else f"{scope_kind}s/{scope['id']}"
    actor = f"groups/{a['membership']}" if a.get("membership") else (
        f"groups/{a['group']['id']}" if a.get("group") else f"users/{a['user']['id']}")
    role_path = f"{actor}/roles/{a.get('prior_role') or a['role']['id']}"
    links = {"assignment": f"{base}/identity/v3/{target}/{role_path}"}
    if a.get("inherited") or a.get("inherited_from"):  # OS-INHERIT: the grant's own path
        links["assignment"] = (f"{base}/identity/v3/OS-INHERIT/{a.get('inherited_from') or target}/{role_path}"
                               "/inherited_to_projects")
    if a.get("prior_role"):
        links["prior_role"] = f"{base}/identity/v3/roles/{a['prior_role']}"
    if a.get("membership"):
        links["membership"] = f"{base}/identity/v3/groups/{a['membership']}/users/{a['user']['id']}"
    body = {"role": a["role"], "scope": {scope_kind: scope}, "links": links}
    if a.get("inherited"):
        body["scope"]["OS-INHERIT:inherited_to"] = "projects"
    body["group" if a.get("group") else "user"] = a.get("group") or a["user"]
    return body


def policy_blob(base: str, p: PolicyBlob) -> dict[str, Any]:
    return {**(p.extra or {}), "id": p.id, "type": p.type, "blob": p.blob, "links": _link(base, f"policies/{p.id}")}


def endpoint_group(base: str, g: EndpointGroup) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "description": g.description, "filters": dict(g.filters or {}),
            "links": _link(base, f"OS-EP-FILTER/endpoint_groups/{g.id}")}


def consumer(base: str, c: OAuthConsumer, secret: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {**(c.extra or {}), "id": c.id, "description": c.description,
                            "links": _link(base, f"OS-OAUTH1/consumers/{c.id}")}
    if secret is not None:
        body["secret"] = secret
    return body


def trust(base: str, t: Trust, roles: list[Role] | None) -> dict[str, Any]:
    """A trust; `roles` None for the summary a listing shows (Keystone lists trusts without their roles)."""
    body: dict[str, Any] = {
        "id": t.id, "trustor_user_id": t.trustor_user_id, "trustee_user_id": t.trustee_user_id,
        "project_id": t.project_id, "impersonation": t.impersonation,
        "expires_at": time(t.expires_at), "remaining_uses": t.remaining_uses,
        "redelegated_trust_id": t.redelegated_trust_id, "redelegation_count": t.redelegation_count,
        "links": _link(base, f"OS-TRUST/trusts/{t.id}")}
    if roles is not None:
        body["roles"] = [{"id": r.id, "name": r.name, "domain_id": r.domain_id, "links": _link(base, f"roles/{r.id}")}
                         for r in roles]
        body["roles_links"] = {"self": f"{base}/identity/v3/OS-TRUST/trusts/{t.id}/roles", "previous": None,
                               "next": None}
    return body
