"""Identity's wire shapes: version documents, request validation (Keystone's limits, its 400 wording) and one
render function per resource, with Keystone's `links.self` on each resource and on each collection."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, ValidationError

from lab.cloud.errors import BadRequest
from lab.cloud.http import require_key, timestamp_micro
from lab.cloud.identity.models import (
    ApplicationCredential,
    CatalogService,
    Domain,
    Endpoint,
    Group,
    Project,
    Region,
    Role,
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
# Keystone's parameter types (keystone/common/validation/parameter_types.py): names need a non-blank character.
ProjectName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"\S")]
UserName = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"\S")]
RoleName = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"\S")]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^,/]*$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(max_length=255)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class _Request(BaseModel):
    # Keystone's schemas allow additional properties; projects and users keep them as extra attributes.
    model_config = ConfigDict(extra="allow")

    def extras(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class DomainCreate(_Request):
    name: ProjectName
    description: Text | None = None
    enabled: StrictBool = True
    tags: list[Tag] = Field(default_factory=list, max_length=80)


class DomainUpdate(_Request):
    name: ProjectName | None = None
    description: Text | None = None
    enabled: StrictBool | None = None
    tags: list[Tag] | None = Field(default=None, max_length=80)


class ProjectCreate(_Request):
    name: ProjectName
    domain_id: Id | None = None
    parent_id: Id | None = None
    description: Text | None = None
    enabled: StrictBool = True
    is_domain: StrictBool = False
    tags: list[Tag] = Field(default_factory=list, max_length=80)


class ProjectUpdate(_Request):
    name: ProjectName | None = None
    description: Text | None = None
    enabled: StrictBool | None = None
    tags: list[Tag] | None = Field(default=None, max_length=80)


class UserCreate(_Request):
    name: UserName
    domain_id: Id | None = None
    password: str | None = None
    enabled: StrictBool = True
    default_project_id: Id | None = None
    description: Text | None = None
    email: Text | None = None


class UserUpdate(_Request):
    name: UserName | None = None
    password: str | None = None
    enabled: StrictBool | None = None
    default_project_id: Id | None = None
    description: Text | None = None
    email: Text | None = None


class PasswordChange(_Request):
    password: str
    original_password: str


class RoleCreate(_Request):
    name: RoleName
    description: Text | None = None
    domain_id: Id | None = None


class RoleUpdate(_Request):
    name: RoleName | None = None
    description: Text | None = None


class GroupCreate(_Request):
    name: ProjectName
    domain_id: Id | None = None
    description: Text | None = None


class GroupUpdate(_Request):
    name: ProjectName | None = None
    description: Text | None = None


class RoleRef(BaseModel):
    """A role named in an application credential request: by id or by name (global roles)."""

    model_config = ConfigDict(extra="forbid")
    id: Id | None = None
    name: RoleName | None = None


class ApplicationCredentialCreate(_Request):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"\S")]
    description: Text | None = None
    secret: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    expires_at: datetime | None = None
    roles: list[RoleRef] | None = None
    unrestricted: StrictBool = False
    access_rules: list[dict[str, Any]] | None = None


class RegionCreate(_Request):
    id: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    description: Text | None = None
    parent_region_id: Annotated[str, StringConstraints(max_length=255)] | None = None


class RegionUpdate(_Request):
    description: Text | None = None
    parent_region_id: Annotated[str, StringConstraints(max_length=255)] | None = None


class ServiceCreate(_Request):
    type: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    name: Text | None = None
    description: Text | None = None
    enabled: StrictBool = True


class ServiceUpdate(_Request):
    type: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    name: Text | None = None
    description: Text | None = None
    enabled: StrictBool | None = None


Interface = Annotated[str, StringConstraints(pattern=r"^(public|internal|admin)$")]


class EndpointCreate(_Request):
    service_id: Id
    interface: Interface
    url: Url
    region_id: Annotated[str, StringConstraints(max_length=255)] | None = None
    region: Annotated[str, StringConstraints(max_length=255)] | None = None  # the pre-Kilo spelling
    enabled: StrictBool = True


class EndpointUpdate(_Request):
    service_id: Id | None = None
    interface: Interface | None = None
    url: Url | None = None
    region_id: Annotated[str, StringConstraints(max_length=255)] | None = None
    region: Annotated[str, StringConstraints(max_length=255)] | None = None
    enabled: StrictBool | None = None


Model = TypeVar("Model", bound=_Request)


def parse(model: type[Model], body: dict[str, Any], key: str) -> Model:
    """`body[key]` validated as `model`, or Keystone's 400 ("Invalid input for field 'name': ...")."""
    data = require_key(body, key)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = "/".join(str(part) for part in error["loc"]) or key
        raise BadRequest(f"Invalid input for field '{field}': {error['msg']}") from None


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


def hierarchy_ids(project_id: str, found: list[Project], parents: bool) -> dict[str, Any] | None:
    """Keystone's `parents_as_ids` ({parent: {grandparent: None}}) or `subtree_as_ids` ({child: {...}})."""
    if parents:
        tree: dict[str, Any] | None = None
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


def application_credential(base: str, a: ApplicationCredential, roles: list[Role],
                           secret: str | None = None) -> dict[str, Any]:
    """An application credential; `secret` only in the answer to its creation (it is stored hashed)."""
    body: dict[str, Any] = {
        "id": a.id, "name": a.name, "description": a.description, "user_id": a.user_id,
        "project_id": a.project_id,
        # As given (naive UTC, isoformat): tempest compares it with the `expires_at` it sent.
        "expires_at": a.expires_at.isoformat() if a.expires_at else None, "unrestricted": a.unrestricted,
        "roles": [{"id": r.id, "name": r.name, "domain_id": r.domain_id} for r in roles],
        "access_rules": list(a.access_rules or []),
        "links": _link(base, f"users/{a.user_id}/application_credentials/{a.id}")}
    if secret is not None:
        body["secret"] = secret
    return body


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
    links = {"assignment": f"{base}/identity/v3/{target}/{actor}/roles/{a.get('prior_role') or a['role']['id']}"}
    if a.get("prior_role"):
        links["prior_role"] = f"{base}/identity/v3/roles/{a['prior_role']}"
    if a.get("membership"):
        links["membership"] = f"{base}/identity/v3/groups/{a['membership']}/users/{a['user']['id']}"
    body = {"role": a["role"], "scope": {scope_kind: scope}, "links": links}
    body["group" if a.get("group") else "user"] = a.get("group") or a["user"]
    return body
