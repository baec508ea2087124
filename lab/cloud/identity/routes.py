"""Identity's HTTP routes (Keystone v3): parse, call the service, render. No logic here."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.errors import BadRequest, Unauthorized
from lab.cloud.http import cloud_of, context_of, no_content, read_json, require_key, respond, service_of
from lab.cloud.identity import schemas
from lab.cloud.identity.base import SYSTEM_ALL
from lab.cloud.identity.service import IdentityService


def _identity(request: Request) -> IdentityService:
    identity: IdentityService = service_of(request, "identity", IdentityService)
    return identity


def _base(request: Request) -> str:
    return cloud_of(request).settings.endpoint


def _list(request: Request, key: str, items: list[dict[str, Any]]) -> Response:
    return respond(schemas.collection(key, items, str(request.url)))


def _flag(request: Request, name: str) -> bool | None:
    """Keystone's boolean query filters: present with any value but '0'/'false' is true (`?effective` too)."""
    if name not in request.query_params:
        return None
    return request.query_params[name].lower() not in ("0", "false", "no", "off")


def _filters(request: Request, *names: str) -> dict[str, Any]:
    found: dict[str, Any] = {n: request.query_params.get(n) for n in names if n in request.query_params}
    if "enabled" in request.query_params:
        found["enabled"] = _flag(request, "enabled")
    return found


# ---------------------------------------------------------------------------------------------- discovery, auth
async def root(request: Request) -> Response:
    """GET /identity: the versions list (Keystone answers 300 Multiple Choices, Location naming v3)."""
    base = _base(request)
    return respond({"versions": {"values": [schemas.version(base)]}}, 300, headers={"Location": f"{base}/identity/v3/"})


async def v3(request: Request) -> Response:
    return respond({"version": schemas.version(_base(request))})


async def issue_token(request: Request) -> Response:
    body = await read_json(request)
    auth = require_key(body, "auth")
    issued = _identity(request).authenticate(auth, request.headers.get("x-auth-token"))
    return respond(issued.body, 201, {"X-Subject-Token": issued.value})


def _subject(request: Request) -> str:
    subject = request.headers.get("x-subject-token")
    if not subject:
        raise Unauthorized("The request you have made requires authentication.")
    return subject


async def validate_token(request: Request) -> Response:
    """GET (validate, `identity:validate_token`) and HEAD (check, `identity:check_token`) /v3/auth/tokens."""
    issued = _identity(request).validate(_subject(request), context_of(request),
                                         check_only=request.method == "HEAD")
    if request.method == "HEAD":
        return no_content(200, {"X-Subject-Token": issued.value})
    return respond(issued.body, 200, {"X-Subject-Token": issued.value})


async def revoke_token(request: Request) -> Response:
    _identity(request).revoke(_subject(request), context_of(request))
    return no_content()


async def auth_catalog(request: Request) -> Response:
    return _list(request, "catalog", _identity(request).catalog.auth_catalog(context_of(request)))


async def auth_projects(request: Request) -> Response:
    projects = _identity(request).roles.auth_projects(context_of(request))
    return _list(request, "projects", [schemas.project(_base(request), p) for p in projects])


async def auth_domains(request: Request) -> Response:
    domains = _identity(request).roles.auth_domains(context_of(request))
    return _list(request, "domains", [schemas.domain(_base(request), d) for d in domains])


async def auth_system(request: Request) -> Response:
    return _list(request, "system", _identity(request).roles.auth_system(context_of(request)))


# ---------------------------------------------------------------------------------------------- domains
async def list_domains(request: Request) -> Response:
    domains = _identity(request).domains.list_domains(context_of(request), request.query_params.get("name"),
                                              _flag(request, "enabled"))
    return _list(request, "domains", [schemas.domain(_base(request), d) for d in domains])


async def create_domain(request: Request) -> Response:
    req = schemas.parse(schemas.DomainCreate, await read_json(request), "domain")
    domain = _identity(request).domains.create_domain(context_of(request), req)
    return respond({"domain": schemas.domain(_base(request), domain)}, 201)


async def get_domain(request: Request) -> Response:
    domain = _identity(request).domains.get_domain(context_of(request), request.path_params["domain_id"])
    return respond({"domain": schemas.domain(_base(request), domain)})


async def update_domain(request: Request) -> Response:
    req = schemas.parse(schemas.DomainUpdate, await read_json(request), "domain")
    domain = _identity(request).domains.update_domain(context_of(request), request.path_params["domain_id"], req)
    return respond({"domain": schemas.domain(_base(request), domain)})


async def delete_domain(request: Request) -> Response:
    _identity(request).domains.delete_domain(context_of(request), request.path_params["domain_id"])
    return no_content()


# ---------------------------------------------------------------------------------------------- projects
async def list_projects(request: Request) -> Response:
    filters = _filters(request, "name", "domain_id", "parent_id", "tags", "tags-any", "not-tags", "not-tags-any")
    filters["is_domain"] = _flag(request, "is_domain")
    projects = _identity(request).projects.list_projects(context_of(request), filters)
    return _list(request, "projects", [schemas.project(_base(request), p) for p in projects])


async def create_project(request: Request) -> Response:
    req = schemas.parse(schemas.ProjectCreate, await read_json(request), "project")
    project = _identity(request).projects.create_project(context_of(request), req)
    return respond({"project": schemas.project(_base(request), project)}, 201)


async def get_project(request: Request) -> Response:
    """GET /v3/projects/{id}; `parents_as_list`/`subtree_as_list` add the hierarchy as project lists,
    `parents_as_ids`/`subtree_as_ids` as nested id maps (Keystone)."""
    identity, ctx, base = _identity(request), context_of(request), _base(request)
    project = identity.projects.get_project(ctx, request.path_params["project_id"])
    body = schemas.project(base, project)
    for key, parents in (("parents", True), ("subtree", False)):
        as_list, as_ids = _flag(request, f"{key}_as_list"), _flag(request, f"{key}_as_ids")
        if as_list and as_ids:
            raise BadRequest(f"Cannot use {key}_as_list and {key}_as_ids query params at the same time.")
        if as_list or as_ids:
            found = identity.projects.hierarchy(ctx, project, parents, filtered=bool(as_list))
            body[key] = ([{"project": schemas.project(base, p)} for p in found] if as_list
                         else schemas.hierarchy_ids(project, found, parents))
    return respond({"project": body})


async def update_project(request: Request) -> Response:
    req = schemas.parse(schemas.ProjectUpdate, await read_json(request), "project")
    project = _identity(request).projects.update_project(context_of(request), request.path_params["project_id"], req)
    return respond({"project": schemas.project(_base(request), project)})


async def delete_project(request: Request) -> Response:
    _identity(request).projects.delete_project(context_of(request), request.path_params["project_id"])
    return no_content()


async def project_tags(request: Request) -> Response:
    """GET (list) and PUT (replace: `{"tags": [...]}`) /v3/projects/{id}/tags; DELETE removes them all."""
    identity, ctx, project_id = _identity(request), context_of(request), request.path_params["project_id"]
    if request.method == "PUT":
        body = await read_json(request)
        return respond({"tags": identity.projects.set_project_tags(ctx, project_id, body.get("tags"))})
    if request.method == "DELETE":
        identity.projects.delete_project_tags(ctx, project_id)
        return no_content()
    return respond({"tags": identity.projects.list_project_tags(ctx, project_id)})


async def project_tag(request: Request) -> Response:
    """GET/HEAD (check), PUT (add, 201) and DELETE /v3/projects/{id}/tags/{tag}."""
    identity, ctx = _identity(request), context_of(request)
    project_id, tag = request.path_params["project_id"], request.path_params["tag"]
    if request.method == "PUT":
        identity.projects.add_project_tag(ctx, project_id, tag)
        # Quoted: a header carries no raw unicode, NUL or edge spaces (the tag may hold any of them).
        location = f"{_base(request)}/identity/v3/projects/{quote(project_id, safe='')}/tags/{quote(tag, safe='')}"
        return no_content(201, {"Location": location})
    if request.method == "DELETE":
        identity.projects.remove_project_tag(ctx, project_id, tag)
        return no_content()
    identity.projects.check_project_tag(ctx, project_id, tag)
    return no_content()


# ---------------------------------------------------------------------------------------------- users
async def list_users(request: Request) -> Response:
    users = _identity(request).users.list_users(context_of(request), _filters(request, "name", "domain_id"))
    return _list(request, "users", [schemas.user(_base(request), u) for u in users])


async def create_user(request: Request) -> Response:
    req = schemas.parse(schemas.UserCreate, await read_json(request), "user")
    user = _identity(request).users.create_user(context_of(request), req)
    return respond({"user": schemas.user(_base(request), user)}, 201)


async def get_user(request: Request) -> Response:
    user = _identity(request).users.get_user(context_of(request), request.path_params["user_id"])
    return respond({"user": schemas.user(_base(request), user)})


async def update_user(request: Request) -> Response:
    req = schemas.parse(schemas.UserUpdate, await read_json(request), "user")
    user = _identity(request).users.update_user(context_of(request), request.path_params["user_id"], req)
    return respond({"user": schemas.user(_base(request), user)})


async def delete_user(request: Request) -> Response:
    _identity(request).users.delete_user(context_of(request), request.path_params["user_id"])
    return no_content()


async def change_password(request: Request) -> Response:
    req = schemas.parse(schemas.PasswordChange, await read_json(request), "user")
    _identity(request).users.change_password(request.path_params["user_id"], req)
    return no_content()


async def list_user_groups(request: Request) -> Response:
    groups = _identity(request).groups.list_user_groups(context_of(request), request.path_params["user_id"])
    return _list(request, "groups", [schemas.user_group(_base(request), g) for g in groups])


async def list_user_projects(request: Request) -> Response:
    projects = _identity(request).users.list_user_projects(context_of(request), request.path_params["user_id"])
    return _list(request, "projects", [schemas.project(_base(request), p) for p in projects])


# ---------------------------------------------------------------------------------------------- groups
async def list_groups(request: Request) -> Response:
    groups = _identity(request).groups.list_groups(context_of(request), _filters(request, "name", "domain_id"))
    return _list(request, "groups", [schemas.group(_base(request), g) for g in groups])


async def create_group(request: Request) -> Response:
    req = schemas.parse(schemas.GroupCreate, await read_json(request), "group")
    group = _identity(request).groups.create_group(context_of(request), req)
    return respond({"group": schemas.group(_base(request), group)}, 201)


async def get_group(request: Request) -> Response:
    group = _identity(request).groups.get_group(context_of(request), request.path_params["group_id"])
    return respond({"group": schemas.group(_base(request), group)})


async def update_group(request: Request) -> Response:
    req = schemas.parse(schemas.GroupUpdate, await read_json(request), "group")
    group = _identity(request).groups.update_group(context_of(request), request.path_params["group_id"], req)
    return respond({"group": schemas.group(_base(request), group)})


async def delete_group(request: Request) -> Response:
    _identity(request).groups.delete_group(context_of(request), request.path_params["group_id"])
    return no_content()


async def list_group_users(request: Request) -> Response:
    users = _identity(request).groups.list_group_users(context_of(request), request.path_params["group_id"])
    return _list(request, "users", [schemas.user(_base(request), u) for u in users])


async def group_member(request: Request) -> Response:
    """PUT (add), GET/HEAD (check: 204 or 404) and DELETE (remove) /v3/groups/{group}/users/{user}."""
    groups, ctx = _identity(request).groups, context_of(request)
    group_id, user_id = request.path_params["group_id"], request.path_params["user_id"]
    if request.method == "PUT":
        groups.add_user(ctx, group_id, user_id)
    elif request.method == "DELETE":
        groups.remove_user(ctx, group_id, user_id)
    else:
        groups.check_user(ctx, group_id, user_id)
    return no_content()


# ---------------------------------------------------------------------------------------------- credentials
def _credential(request: Request, row: Any) -> dict[str, Any]:
    base = _base(request)
    return {"id": row.id, "user_id": row.user_id, "project_id": row.project_id, "type": row.type,
            "blob": _identity(request).credentials.blob(row), "links": {"self": f"{base}/v3/credentials/{row.id}"}}


def _ec2(request: Request, row: Any, blob: dict[str, Any]) -> dict[str, Any]:
    base = _base(request)
    return {"user_id": row.user_id, "tenant_id": row.project_id, "access": blob["access"],
            "secret": blob.get("secret"), "trust_id": blob.get("trust_id"),
            "links": {"self": f"{base}/v3/users/{row.user_id}/credentials/OS-EC2/{blob['access']}"}}


async def credentials(request: Request) -> Response:
    """GET /v3/credentials (?user_id, ?type), POST /v3/credentials."""
    ctx, found = context_of(request), _identity(request).credentials
    if request.method == "POST":
        body = await read_json(request)
        row = found.create(ctx, body.get("credential") if isinstance(body, dict) else None)
        return respond({"credential": _credential(request, row)}, 201)
    rows = found.list(ctx, request.query_params.get("user_id"), request.query_params.get("type"))
    return _list(request, "credentials", [_credential(request, r) for r in rows])


async def credential(request: Request) -> Response:
    """GET/PATCH/DELETE /v3/credentials/{credential_id}."""
    ctx, found, credential_id = context_of(request), _identity(request).credentials, \
        request.path_params["credential_id"]
    if request.method == "DELETE":
        found.delete(ctx, credential_id)
        return no_content()
    if request.method == "PATCH":
        body = await read_json(request)
        row = found.update(ctx, credential_id, body.get("credential") if isinstance(body, dict) else None)
    else:
        row = found.get(ctx, credential_id)
    return respond({"credential": _credential(request, row)})


async def ec2_credentials(request: Request) -> Response:
    """GET/POST /v3/users/{user_id}/credentials/OS-EC2 (`openstack ec2 credentials list/create`)."""
    ctx, found, user_id = context_of(request), _identity(request).credentials, request.path_params["user_id"]
    if request.method == "POST":
        row, blob = found.ec2_create(ctx, user_id, await read_json(request))
        return respond({"credential": _ec2(request, row, blob)}, 201)
    return _list(request, "credentials", [_ec2(request, r, b) for r, b in found.ec2_list(ctx, user_id)])


async def ec2_credential(request: Request) -> Response:
    """GET/DELETE /v3/users/{user_id}/credentials/OS-EC2/{access}."""
    ctx, found = context_of(request), _identity(request).credentials
    user_id, access = request.path_params["user_id"], request.path_params["credential_id"]
    if request.method == "DELETE":
        found.ec2_delete(ctx, user_id, access)
        return no_content()
    row, blob = found.ec2_get(ctx, user_id, access)
    return respond({"credential": _ec2(request, row, blob)})


# ---------------------------------------------------------------------------------------------- application credentials
async def list_application_credentials(request: Request) -> Response:
    found = _identity(request).application_credentials.list_application_credentials(
        context_of(request), request.path_params["user_id"], request.query_params.get("name"))
    return _list(request, "application_credentials",
                 [schemas.application_credential(_base(request), c, roles) for c, roles in found])


async def create_application_credential(request: Request) -> Response:
    req = schemas.parse(schemas.ApplicationCredentialCreate, await read_json(request), "application_credential")
    cred, roles, secret = _identity(request).application_credentials.create_application_credential(
        context_of(request), request.path_params["user_id"], req)
    return respond({"application_credential": schemas.application_credential(_base(request), cred, roles, secret)},
                   201)


async def get_application_credential(request: Request) -> Response:
    cred, roles = _identity(request).application_credentials.get_application_credential(
        context_of(request), request.path_params["user_id"], request.path_params["application_credential_id"])
    return respond({"application_credential": schemas.application_credential(_base(request), cred, roles)})


async def delete_application_credential(request: Request) -> Response:
    _identity(request).application_credentials.delete_application_credential(
        context_of(request), request.path_params["user_id"], request.path_params["application_credential_id"])
    return no_content()


async def list_access_rules(request: Request) -> Response:
    rules = _identity(request).application_credentials.list_access_rules(context_of(request),
                                                                         request.path_params["user_id"])
    return _list(request, "access_rules", [schemas.access_rule(_base(request), r) for r in rules])


async def get_access_rule(request: Request) -> Response:
    rule = _identity(request).application_credentials.get_access_rule(
        context_of(request), request.path_params["user_id"], request.path_params["access_rule_id"])
    return respond({"access_rule": schemas.access_rule(_base(request), rule)})


async def delete_access_rule(request: Request) -> Response:
    _identity(request).application_credentials.delete_access_rule(
        context_of(request), request.path_params["user_id"], request.path_params["access_rule_id"])
    return no_content()


# ---------------------------------------------------------------------------------------------- roles
async def list_roles(request: Request) -> Response:
    roles = _identity(request).roles.list_roles(context_of(request), request.query_params.get("name"),
                                          request.query_params.get("domain_id"))
    return _list(request, "roles", [schemas.role(_base(request), r) for r in roles])


async def create_role(request: Request) -> Response:
    req = schemas.parse(schemas.RoleCreate, await read_json(request), "role")
    role = _identity(request).roles.create_role(context_of(request), req)
    return respond({"role": schemas.role(_base(request), role)}, 201)


async def get_role(request: Request) -> Response:
    role = _identity(request).roles.get_role(context_of(request), request.path_params["role_id"])
    return respond({"role": schemas.role(_base(request), role)})


async def update_role(request: Request) -> Response:
    req = schemas.parse(schemas.RoleUpdate, await read_json(request), "role")
    role = _identity(request).roles.update_role(context_of(request), request.path_params["role_id"], req)
    return respond({"role": schemas.role(_base(request), role)})


async def delete_role(request: Request) -> Response:
    _identity(request).roles.delete_role(context_of(request), request.path_params["role_id"])
    return no_content()


async def implied_role(request: Request) -> Response:
    """PUT (201), GET (200), HEAD (204) and DELETE (204) /v3/roles/{prior_role_id}/implies/{implied_role_id}."""
    roles, ctx, base = _identity(request).roles, context_of(request), _base(request)
    prior_id, implied_id = request.path_params["prior_role_id"], request.path_params["implied_role_id"]
    if request.method == "DELETE":
        roles.delete_implied_role(ctx, prior_id, implied_id)
        return no_content()
    if request.method == "HEAD":
        roles.get_implied_role(ctx, prior_id, implied_id, "identity:check_implied_role")
        return no_content()
    if request.method == "PUT":
        prior, implied = roles.create_implied_role(ctx, prior_id, implied_id)
    else:
        prior, implied = roles.get_implied_role(ctx, prior_id, implied_id)
    body = {"role_inference": {"prior_role": schemas.role_ref(base, prior), "implies": schemas.role_ref(base, implied)},
            "links": {"self": f"{base}/identity/v3/roles/{prior.id}/implies/{implied.id}"}}
    return respond(body, 201 if request.method == "PUT" else 200)


async def list_implied_roles(request: Request) -> Response:
    prior, implied = _identity(request).roles.list_implied_roles(context_of(request),
                                                                request.path_params["prior_role_id"])
    return respond({"role_inference": schemas.role_inference(_base(request), prior, implied),
                    "links": {"self": str(request.url)}})


async def list_role_inferences(request: Request) -> Response:
    found = _identity(request).roles.list_role_inferences(context_of(request))
    return respond({"role_inferences": [schemas.role_inference(_base(request), p, i) for p, i in found],
                    "links": {"self": str(request.url)}})


def _grant_target(request: Request) -> tuple[Literal["project", "domain", "system"], str]:
    if "project_id" in request.path_params:
        return "project", request.path_params["project_id"]
    if "domain_id" in request.path_params:
        return "domain", request.path_params["domain_id"]
    return "system", SYSTEM_ALL


def _actor(request: Request) -> tuple[Literal["user", "group"], str]:
    if "group_id" in request.path_params:
        return "group", request.path_params["group_id"]
    return "user", request.path_params["user_id"]


async def grant(request: Request) -> Response:
    """PUT (grant), GET/HEAD (check) and DELETE (revoke)
    /v3/{projects|domains}/{id}/{users|groups}/{actor}/roles/{role}."""
    identity, ctx = _identity(request), context_of(request)
    kind, target = _grant_target(request)
    actor, actor_id = _actor(request)
    role_id = request.path_params["role_id"]
    if request.method == "PUT":
        identity.roles.grant_role(ctx, kind, target, actor_id, role_id, actor)
    elif request.method == "DELETE":
        identity.roles.revoke_role(ctx, kind, target, actor_id, role_id, actor)
    else:
        identity.roles.check_grant(ctx, kind, target, actor_id, role_id, actor)
    return no_content()


async def list_grants(request: Request) -> Response:
    kind, target = _grant_target(request)
    actor, actor_id = _actor(request)
    roles = _identity(request).roles.list_grants(context_of(request), kind, target, actor_id, actor)
    return _list(request, "roles", [schemas.role(_base(request), r) for r in roles])


async def list_role_assignments(request: Request) -> Response:
    filters = _filters(request, "user.id", "group.id", "role.id", "scope.project.id", "scope.domain.id",
                       "scope.system", "scope.OS-INHERIT:inherited_to")
    filters["effective"] = _flag(request, "effective")
    filters["include_names"] = _flag(request, "include_names")
    entries = _identity(request).roles.list_role_assignments(context_of(request), filters)
    return _list(request, "role_assignments", [schemas.role_assignment(_base(request), e) for e in entries])


# ---------------------------------------------------------------------------------------------- catalog
async def list_regions(request: Request) -> Response:
    regions = _identity(request).catalog.list_regions(context_of(request), request.query_params.get("parent_region_id"))
    return _list(request, "regions", [schemas.region(_base(request), r) for r in regions])


async def create_region(request: Request) -> Response:
    """POST /v3/regions, or PUT /v3/regions/{id} to choose the id."""
    req = schemas.parse(schemas.RegionCreate, await read_json(request), "region")
    region = _identity(request).catalog.create_region(context_of(request), req, request.path_params.get("region_id"))
    return respond({"region": schemas.region(_base(request), region)}, 201)


async def get_region(request: Request) -> Response:
    region = _identity(request).catalog.get_region(context_of(request), request.path_params["region_id"])
    return respond({"region": schemas.region(_base(request), region)})


async def update_region(request: Request) -> Response:
    req = schemas.parse(schemas.RegionUpdate, await read_json(request), "region")
    region = _identity(request).catalog.update_region(context_of(request), request.path_params["region_id"], req)
    return respond({"region": schemas.region(_base(request), region)})


async def delete_region(request: Request) -> Response:
    _identity(request).catalog.delete_region(context_of(request), request.path_params["region_id"])
    return no_content()


async def list_services(request: Request) -> Response:
    services = _identity(request).catalog.list_services(context_of(request), request.query_params.get("type"),
                                                request.query_params.get("name"))
    return _list(request, "services", [schemas.service(_base(request), s) for s in services])


async def create_service(request: Request) -> Response:
    req = schemas.parse(schemas.ServiceCreate, await read_json(request), "service")
    service = _identity(request).catalog.create_service(context_of(request), req)
    return respond({"service": schemas.service(_base(request), service)}, 201)


async def get_service(request: Request) -> Response:
    service = _identity(request).catalog.get_service(context_of(request), request.path_params["service_id"])
    return respond({"service": schemas.service(_base(request), service)})


async def update_service(request: Request) -> Response:
    req = schemas.parse(schemas.ServiceUpdate, await read_json(request), "service")
    service = _identity(request).catalog.update_service(context_of(request), request.path_params["service_id"], req)
    return respond({"service": schemas.service(_base(request), service)})


async def delete_service(request: Request) -> Response:
    _identity(request).catalog.delete_service(context_of(request), request.path_params["service_id"])
    return no_content()


def _endpoint(request: Request, endpoint: Any) -> dict[str, Any]:
    return schemas.endpoint(_base(request), endpoint, _identity(request).catalog.absolute_url(endpoint.url))


async def list_endpoints(request: Request) -> Response:
    endpoints = _identity(request).catalog.list_endpoints(context_of(request),
                                                  _filters(request, "interface", "service_id", "region_id"))
    return _list(request, "endpoints", [_endpoint(request, e) for e in endpoints])


async def create_endpoint(request: Request) -> Response:
    req = schemas.parse(schemas.EndpointCreate, await read_json(request), "endpoint")
    endpoint = _identity(request).catalog.create_endpoint(context_of(request), req)
    return respond({"endpoint": _endpoint(request, endpoint)}, 201)


async def get_endpoint(request: Request) -> Response:
    endpoint = _identity(request).catalog.get_endpoint(context_of(request), request.path_params["endpoint_id"])
    return respond({"endpoint": _endpoint(request, endpoint)})


async def update_endpoint(request: Request) -> Response:
    req = schemas.parse(schemas.EndpointUpdate, await read_json(request), "endpoint")
    endpoint = _identity(request).catalog.update_endpoint(context_of(request), request.path_params["endpoint_id"], req)
    return respond({"endpoint": _endpoint(request, endpoint)})


async def delete_endpoint(request: Request) -> Response:
    _identity(request).catalog.delete_endpoint(context_of(request), request.path_params["endpoint_id"])
    return no_content()


# ---------------------------------------------------------------------------------------------- OS-INHERIT
async def inherited_grant(request: Request) -> Response:
    """PUT, GET/HEAD (check), DELETE /v3/OS-INHERIT/{domains|projects}/{id}/{users|groups}/{actor}/roles/{role}
    /inherited_to_projects."""
    identity, ctx = _identity(request), context_of(request)
    kind, target = _grant_target(request)
    actor, actor_id = _actor(request)
    role_id = request.path_params["role_id"]
    if request.method == "PUT":
        identity.roles.grant_inherited(ctx, kind, target, actor_id, role_id, actor)
    elif request.method == "DELETE":
        identity.roles.revoke_inherited(ctx, kind, target, actor_id, role_id, actor)
    else:
        identity.roles.check_inherited(ctx, kind, target, actor_id, role_id, actor)
    return no_content()


async def list_inherited_grants(request: Request) -> Response:
    kind, target = _grant_target(request)
    actor, actor_id = _actor(request)
    roles = _identity(request).roles.list_inherited(context_of(request), kind, target, actor_id, actor)
    return _list(request, "roles", [schemas.role(_base(request), r) for r in roles])


# ---------------------------------------------------------------------------------------------- /v3/policies
async def policies(request: Request) -> Response:
    """GET (list, ?type) and POST /v3/policies."""
    blobs, ctx, base = _identity(request).policy_blobs, context_of(request), _base(request)
    if request.method == "POST":
        row = blobs.create(ctx, schemas.parse(schemas.PolicyCreate, await read_json(request), "policy"))
        return respond({"policy": schemas.policy_blob(base, row)}, 201)
    rows = blobs.find_all(ctx, request.query_params.get("type"))
    return _list(request, "policies", [schemas.policy_blob(base, r) for r in rows])


async def policy(request: Request) -> Response:
    """GET/HEAD, PATCH and DELETE /v3/policies/{policy_id}."""
    blobs, ctx, base = _identity(request).policy_blobs, context_of(request), _base(request)
    policy_id = request.path_params["policy_id"]
    if request.method == "DELETE":
        blobs.delete(ctx, policy_id)
        return no_content()
    if request.method == "PATCH":
        row = blobs.update(ctx, policy_id, schemas.parse(schemas.PolicyUpdate, await read_json(request), "policy"))
    else:
        row = blobs.get(ctx, policy_id)
    return respond({"policy": schemas.policy_blob(base, row)})


# ---------------------------------------------------------------------------------------------- OS-EP-FILTER
async def endpoint_groups(request: Request) -> Response:
    groups, ctx, base = _identity(request).endpoint_groups, context_of(request), _base(request)
    if request.method == "POST":
        req = schemas.parse(schemas.EndpointGroupCreate, await read_json(request), "endpoint_group")
        return respond({"endpoint_group": schemas.endpoint_group(base, groups.create(ctx, req))}, 201)
    rows = groups.find_all(ctx, request.query_params.get("name"))
    return _list(request, "endpoint_groups", [schemas.endpoint_group(base, g) for g in rows])


async def endpoint_group(request: Request) -> Response:
    """GET/HEAD, PATCH and DELETE /v3/OS-EP-FILTER/endpoint_groups/{id}."""
    groups, ctx, base = _identity(request).endpoint_groups, context_of(request), _base(request)
    group_id = request.path_params["endpoint_group_id"]
    if request.method == "DELETE":
        groups.delete(ctx, group_id)
        return no_content()
    if request.method == "PATCH":
        req = schemas.parse(schemas.EndpointGroupUpdate, await read_json(request), "endpoint_group")
        row = groups.update(ctx, group_id, req)
    else:
        row = groups.get(ctx, group_id)
    return respond({"endpoint_group": schemas.endpoint_group(base, row)})


async def endpoint_group_endpoints(request: Request) -> Response:
    found = _identity(request).endpoint_groups.endpoints_in_group(context_of(request),
                                                                  request.path_params["endpoint_group_id"])
    return _list(request, "endpoints", [_endpoint(request, e) for e in found])


async def endpoint_group_projects(request: Request) -> Response:
    found = _identity(request).endpoint_groups.projects_of(context_of(request),
                                                           group_id=request.path_params["endpoint_group_id"])
    return _list(request, "projects", [schemas.project(_base(request), p) for p in found])


async def endpoint_projects(request: Request) -> Response:
    found = _identity(request).endpoint_groups.projects_of(context_of(request),
                                                           endpoint_id=request.path_params["endpoint_id"])
    return _list(request, "projects", [schemas.project(_base(request), p) for p in found])


async def project_endpoint(request: Request) -> Response:
    """PUT, GET/HEAD (check), DELETE /v3/OS-EP-FILTER/projects/{p}/endpoints/{e} and
    /v3/OS-EP-FILTER/endpoint_groups/{g}/projects/{p}."""
    groups, ctx = _identity(request).endpoint_groups, context_of(request)
    project_id = request.path_params["project_id"]
    endpoint_id = request.path_params.get("endpoint_id")
    group_id = request.path_params.get("endpoint_group_id")
    if request.method == "PUT":
        groups.associate(ctx, project_id, endpoint_id, group_id)
        return no_content()
    if request.method == "DELETE":
        groups.dissociate(ctx, project_id, endpoint_id, group_id)
        return no_content()
    groups.check(ctx, project_id, endpoint_id, group_id)
    if group_id is not None and request.method == "GET":
        project = _identity(request).projects.get_project(ctx, project_id)
        return respond({"project": schemas.project(_base(request), project)})
    return no_content()


async def project_endpoints(request: Request) -> Response:
    found = _identity(request).endpoint_groups.project_endpoints(context_of(request),
                                                                 request.path_params["project_id"])
    return _list(request, "endpoints", [_endpoint(request, e) for e in found])


async def project_endpoint_groups(request: Request) -> Response:
    found = _identity(request).endpoint_groups.project_groups(context_of(request), request.path_params["project_id"])
    return _list(request, "endpoint_groups", [schemas.endpoint_group(_base(request), g) for g in found])


# ---------------------------------------------------------------------------------------------- domain config
async def domain_config(request: Request) -> Response:
    """PUT (create, 201; 200 when replacing), GET/HEAD, PATCH, DELETE of /v3/domains/{id}/config and of its
    groups (/config/{group}) and options (/config/{group}/{option})."""
    configs, ctx = _identity(request).domain_configs, context_of(request)
    domain_id = request.path_params["domain_id"]
    group, option = request.path_params.get("group"), request.path_params.get("option")
    if request.method == "PUT":
        shown, created = configs.create(ctx, domain_id, require_key(await read_json(request), "config"))
        return respond({"config": shown}, 201 if created else 200)
    if request.method == "PATCH":
        body = require_key(await read_json(request), "config")
        return respond({"config": configs.update(ctx, domain_id, body, group, option)})
    if request.method == "DELETE":
        configs.delete(ctx, domain_id, group, option)
        return no_content()
    return respond({"config": configs.get(ctx, domain_id, group, option)})


async def domain_config_default(request: Request) -> Response:
    found = _identity(request).domain_configs.default(context_of(request), request.path_params.get("group"),
                                                      request.path_params.get("option"))
    return respond({"config": found})


# ---------------------------------------------------------------------------------------------- OS-OAUTH1
async def consumers(request: Request) -> Response:
    found, ctx, base = _identity(request).oauth_consumers, context_of(request), _base(request)
    if request.method == "POST":
        row, secret = found.create(ctx, schemas.parse(schemas.ConsumerCreate, await read_json(request), "consumer"))
        return respond({"consumer": schemas.consumer(base, row, secret)}, 201)
    return _list(request, "consumers", [schemas.consumer(base, c) for c in found.find_all(ctx)])


async def consumer(request: Request) -> Response:
    found, ctx, base = _identity(request).oauth_consumers, context_of(request), _base(request)
    consumer_id = request.path_params["consumer_id"]
    if request.method == "DELETE":
        found.delete(ctx, consumer_id)
        return no_content()
    if request.method == "PATCH":
        req = schemas.parse(schemas.ConsumerCreate, await read_json(request), "consumer")
        return respond({"consumer": schemas.consumer(base, found.update(ctx, consumer_id, req))})
    return respond({"consumer": schemas.consumer(base, found.get(ctx, consumer_id))})


# ---------------------------------------------------------------------------------------------- OS-TRUST
async def trusts(request: Request) -> Response:
    """POST and GET (?trustor_user_id, ?trustee_user_id) /v3/OS-TRUST/trusts."""
    found, ctx, base = _identity(request).trusts, context_of(request), _base(request)
    if request.method == "POST":
        trust, roles = found.create(ctx, schemas.parse(schemas.TrustCreate, await read_json(request), "trust"))
        return respond({"trust": schemas.trust(base, trust, roles)}, 201)
    rows = found.find_all(ctx, request.query_params.get("trustor_user_id"),
                          request.query_params.get("trustee_user_id"))
    return _list(request, "trusts", [schemas.trust(base, t, None) for t in rows])


async def trust(request: Request) -> Response:
    found, ctx = _identity(request).trusts, context_of(request)
    trust_id = request.path_params["trust_id"]
    if request.method == "DELETE":
        found.delete(ctx, trust_id)
        return no_content()
    row, roles = found.get(ctx, trust_id)
    return respond({"trust": schemas.trust(_base(request), row, roles)})


async def trust_roles(request: Request) -> Response:
    roles = _identity(request).trusts.roles(context_of(request), request.path_params["trust_id"])
    return _list(request, "roles", [schemas.role(_base(request), r) for r in roles])


async def trust_role(request: Request) -> Response:
    role = _identity(request).trusts.role(context_of(request), request.path_params["trust_id"],
                                          request.path_params["role_id"])
    if request.method == "HEAD":
        return no_content(200)
    return respond({"role": schemas.role(_base(request), role)})


_GRANT_METHODS = ["PUT", "GET", "HEAD", "DELETE"]

routes = [
    Route("/", root, methods=["GET", "HEAD"]),
    Route("/v3", v3, methods=["GET", "HEAD"]),
    Route("/v3/", v3, methods=["GET", "HEAD"]),
    Route("/v3/auth/tokens", issue_token, methods=["POST"]),
    Route("/v3/auth/tokens", validate_token, methods=["GET", "HEAD"]),
    Route("/v3/auth/tokens", revoke_token, methods=["DELETE"]),
    Route("/v3/auth/catalog", auth_catalog, methods=["GET", "HEAD"]),
    Route("/v3/auth/projects", auth_projects, methods=["GET", "HEAD"]),
    Route("/v3/auth/domains", auth_domains, methods=["GET", "HEAD"]),
    Route("/v3/auth/system", auth_system, methods=["GET", "HEAD"]),
    Route("/v3/domains", list_domains, methods=["GET", "HEAD"]),
    Route("/v3/domains", create_domain, methods=["POST"]),
    Route("/v3/domains/{domain_id}", get_domain, methods=["GET", "HEAD"]),
    Route("/v3/domains/{domain_id}", update_domain, methods=["PATCH"]),
    Route("/v3/domains/{domain_id}", delete_domain, methods=["DELETE"]),
    Route("/v3/domains/{domain_id}/users/{user_id}/roles", list_grants, methods=["GET", "HEAD"]),
    Route("/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", grant, methods=_GRANT_METHODS),
    Route("/v3/domains/{domain_id}/groups/{group_id}/roles", list_grants, methods=["GET", "HEAD"]),
    Route("/v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", grant, methods=_GRANT_METHODS),
    Route("/v3/projects", list_projects, methods=["GET", "HEAD"]),
    Route("/v3/projects", create_project, methods=["POST"]),
    Route("/v3/projects/{project_id}", get_project, methods=["GET", "HEAD"]),
    Route("/v3/projects/{project_id}", update_project, methods=["PATCH"]),
    Route("/v3/projects/{project_id}", delete_project, methods=["DELETE"]),
    Route("/v3/projects/{project_id}/tags", project_tags, methods=["GET", "HEAD", "PUT", "DELETE"]),
    Route("/v3/projects/{project_id}/tags/{tag}", project_tag, methods=["GET", "HEAD", "PUT", "DELETE"]),
    Route("/v3/projects/{project_id}/users/{user_id}/roles", list_grants, methods=["GET", "HEAD"]),
    Route("/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", grant, methods=_GRANT_METHODS),
    Route("/v3/projects/{project_id}/groups/{group_id}/roles", list_grants, methods=["GET", "HEAD"]),
    Route("/v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", grant, methods=_GRANT_METHODS),
    Route("/v3/system/users/{user_id}/roles", list_grants, methods=["GET", "HEAD"]),
    Route("/v3/system/users/{user_id}/roles/{role_id}", grant, methods=_GRANT_METHODS),
    Route("/v3/system/groups/{group_id}/roles", list_grants, methods=["GET", "HEAD"]),
    Route("/v3/system/groups/{group_id}/roles/{role_id}", grant, methods=_GRANT_METHODS),
    Route("/v3/users", list_users, methods=["GET", "HEAD"]),
    Route("/v3/users", create_user, methods=["POST"]),
    Route("/v3/users/{user_id}", get_user, methods=["GET", "HEAD"]),
    Route("/v3/users/{user_id}", update_user, methods=["PATCH"]),
    Route("/v3/users/{user_id}", delete_user, methods=["DELETE"]),
    Route("/v3/users/{user_id}/password", change_password, methods=["POST"]),
    Route("/v3/users/{user_id}/projects", list_user_projects, methods=["GET", "HEAD"]),
    Route("/v3/users/{user_id}/groups", list_user_groups, methods=["GET", "HEAD"]),
    Route("/v3/credentials", credentials, methods=["GET", "HEAD", "POST"]),
    Route("/v3/credentials/{credential_id}", credential, methods=["GET", "HEAD", "PATCH", "DELETE"]),
    Route("/v3/users/{user_id}/credentials/OS-EC2", ec2_credentials, methods=["GET", "HEAD", "POST"]),
    Route("/v3/users/{user_id}/credentials/OS-EC2/{credential_id}", ec2_credential,
          methods=["GET", "HEAD", "DELETE"]),
    Route("/v3/users/{user_id}/access_rules", list_access_rules, methods=["GET", "HEAD"]),
    Route("/v3/users/{user_id}/access_rules/{access_rule_id}", get_access_rule, methods=["GET", "HEAD"]),
    Route("/v3/users/{user_id}/access_rules/{access_rule_id}", delete_access_rule, methods=["DELETE"]),
    Route("/v3/users/{user_id}/application_credentials", list_application_credentials, methods=["GET", "HEAD"]),
    Route("/v3/users/{user_id}/application_credentials", create_application_credential, methods=["POST"]),
    Route("/v3/users/{user_id}/application_credentials/{application_credential_id}", get_application_credential,
          methods=["GET", "HEAD"]),
    Route("/v3/users/{user_id}/application_credentials/{application_credential_id}",
          delete_application_credential, methods=["DELETE"]),
    Route("/v3/groups", list_groups, methods=["GET", "HEAD"]),
    Route("/v3/groups", create_group, methods=["POST"]),
    Route("/v3/groups/{group_id}", get_group, methods=["GET", "HEAD"]),
    Route("/v3/groups/{group_id}", update_group, methods=["PATCH"]),
    Route("/v3/groups/{group_id}", delete_group, methods=["DELETE"]),
    Route("/v3/groups/{group_id}/users", list_group_users, methods=["GET", "HEAD"]),
    Route("/v3/groups/{group_id}/users/{user_id}", group_member, methods=_GRANT_METHODS),
    Route("/v3/roles", list_roles, methods=["GET", "HEAD"]),
    Route("/v3/roles", create_role, methods=["POST"]),
    Route("/v3/roles/{role_id}", get_role, methods=["GET", "HEAD"]),
    Route("/v3/roles/{role_id}", update_role, methods=["PATCH"]),
    Route("/v3/roles/{role_id}", delete_role, methods=["DELETE"]),
    Route("/v3/roles/{prior_role_id}/implies", list_implied_roles, methods=["GET", "HEAD"]),
    Route("/v3/roles/{prior_role_id}/implies/{implied_role_id}", implied_role, methods=_GRANT_METHODS),
    Route("/v3/role_inferences", list_role_inferences, methods=["GET", "HEAD"]),
    Route("/v3/role_assignments", list_role_assignments, methods=["GET", "HEAD"]),
    Route("/v3/regions", list_regions, methods=["GET", "HEAD"]),
    Route("/v3/regions", create_region, methods=["POST"]),
    Route("/v3/regions/{region_id}", get_region, methods=["GET", "HEAD"]),
    Route("/v3/regions/{region_id}", create_region, methods=["PUT"]),
    Route("/v3/regions/{region_id}", update_region, methods=["PATCH"]),
    Route("/v3/regions/{region_id}", delete_region, methods=["DELETE"]),
    Route("/v3/services", list_services, methods=["GET", "HEAD"]),
    Route("/v3/services", create_service, methods=["POST"]),
    Route("/v3/services/{service_id}", get_service, methods=["GET", "HEAD"]),
    Route("/v3/services/{service_id}", update_service, methods=["PATCH"]),
    Route("/v3/services/{service_id}", delete_service, methods=["DELETE"]),
    Route("/v3/endpoints", list_endpoints, methods=["GET", "HEAD"]),
    Route("/v3/endpoints", create_endpoint, methods=["POST"]),
    Route("/v3/endpoints/{endpoint_id}", get_endpoint, methods=["GET", "HEAD"]),
    Route("/v3/endpoints/{endpoint_id}", update_endpoint, methods=["PATCH"]),
    Route("/v3/endpoints/{endpoint_id}", delete_endpoint, methods=["DELETE"]),
    Route("/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/inherited_to_projects", list_inherited_grants,
          methods=["GET", "HEAD"]),
    Route("/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/inherited_to_projects", list_inherited_grants,
          methods=["GET", "HEAD"]),
    Route("/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
          inherited_grant, methods=_GRANT_METHODS),
    Route("/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
          inherited_grant, methods=_GRANT_METHODS),
    Route("/v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
          inherited_grant, methods=_GRANT_METHODS),
    Route("/v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
          inherited_grant, methods=_GRANT_METHODS),
    Route("/v3/policies", policies, methods=["GET", "HEAD", "POST"]),
    Route("/v3/policies/{policy_id}", policy, methods=["GET", "HEAD", "PATCH", "DELETE"]),
    Route("/v3/OS-EP-FILTER/endpoint_groups", endpoint_groups, methods=["GET", "HEAD", "POST"]),
    Route("/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", endpoint_group,
          methods=["GET", "HEAD", "PATCH", "DELETE"]),
    Route("/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/endpoints", endpoint_group_endpoints,
          methods=["GET", "HEAD"]),
    Route("/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects", endpoint_group_projects,
          methods=["GET", "HEAD"]),
    Route("/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}", project_endpoint,
          methods=_GRANT_METHODS),
    Route("/v3/OS-EP-FILTER/endpoints/{endpoint_id}/projects", endpoint_projects, methods=["GET", "HEAD"]),
    Route("/v3/OS-EP-FILTER/projects/{project_id}/endpoints", project_endpoints, methods=["GET", "HEAD"]),
    Route("/v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}", project_endpoint,
          methods=_GRANT_METHODS),
    Route("/v3/OS-EP-FILTER/projects/{project_id}/endpoint_groups", project_endpoint_groups,
          methods=["GET", "HEAD"]),
    Route("/v3/domains/config/default", domain_config_default, methods=["GET", "HEAD"]),
    Route("/v3/domains/config/{group}/default", domain_config_default, methods=["GET", "HEAD"]),
    Route("/v3/domains/config/{group}/{option}/default", domain_config_default, methods=["GET", "HEAD"]),
    Route("/v3/domains/{domain_id}/config", domain_config, methods=["GET", "HEAD", "PUT", "PATCH", "DELETE"]),
    Route("/v3/domains/{domain_id}/config/{group}", domain_config, methods=["GET", "HEAD", "PATCH", "DELETE"]),
    Route("/v3/domains/{domain_id}/config/{group}/{option}", domain_config,
          methods=["GET", "HEAD", "PATCH", "DELETE"]),
    Route("/v3/OS-OAUTH1/consumers", consumers, methods=["GET", "HEAD", "POST"]),
    Route("/v3/OS-OAUTH1/consumers/{consumer_id}", consumer, methods=["GET", "HEAD", "PATCH", "DELETE"]),
    Route("/v3/OS-TRUST/trusts", trusts, methods=["GET", "HEAD", "POST"]),
    Route("/v3/OS-TRUST/trusts/", trusts, methods=["GET", "HEAD"]),  # tempest lists at the slash
    Route("/v3/OS-TRUST/trusts/{trust_id}", trust, methods=["GET", "HEAD", "DELETE"]),
    Route("/v3/OS-TRUST/trusts/{trust_id}/roles", trust_roles, methods=["GET", "HEAD"]),
    Route("/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}", trust_role, methods=["GET", "HEAD"]),
]
