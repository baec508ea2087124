"""Keystone's smaller APIs beside the core: the policy blob store (/v3/policies), OS-EP-FILTER endpoint groups and
project endpoints, domain configuration (/v3/domains/{id}/config) and OS-OAUTH1 consumers. Operators only, as in
Keystone.

- A policy is an opaque document (`blob`) of a MIME `type`, stored and given back: Keystone never enforces it.
- An endpoint group names endpoints by `filters` (service_id, region_id, interface). Endpoints or groups
  associated with a project make its tokens' catalog hold only those endpoints (Keystone's endpoint filter);
  a project with no association sees every endpoint.
- A domain's configuration overrides the whitelisted `identity` and `ldap` options (and the sensitive
  `ldap.password`, stored but never shown), as Keystone keeps domain-specific driver options in its database;
  the lab stores and serves them (its users stay in SQL whatever a domain says).
- A consumer's secret is shown once, at creation, and stored hashed."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Forbidden, NotFound
from lab.cloud.identity import schemas
from lab.cloud.identity.models import (
    Domain,
    DomainConfig,
    Endpoint,
    EndpointGroup,
    OAuthConsumer,
    PolicyBlob,
    Project,
    ProjectEndpoint,
)
from lab.cloud.identity.passwords import hash_password

if TYPE_CHECKING:
    from lab.cloud.identity.base import IdentityCore


class _Api:
    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    def enforce(self, ctx: RequestContext, action: str) -> None:
        self.cloud.policy.enforce(ctx, f"identity:{action}")


# ---------------------------------------------------------------------------------------------- /v3/policies
class PolicyBlobs(_Api):
    """`identity.policy_blobs`: /v3/policies."""

    @staticmethod
    def _find(db: Session, policy_id: str) -> PolicyBlob:
        row = db.get(PolicyBlob, policy_id)
        if row is None:
            raise NotFound(f"Could not find policy: {policy_id}.")
        return row

    def create(self, ctx: RequestContext, req: schemas.PolicyCreate) -> PolicyBlob:
        self.enforce(ctx, "create_policy")
        with self.cloud.db.write() as db:
            row = PolicyBlob(blob=req.blob, type=req.type, extra=req.extras())
            db.add(row)
        return row

    def find_all(self, ctx: RequestContext, type_: str | None) -> list[PolicyBlob]:
        self.enforce(ctx, "list_policies")
        query = select(PolicyBlob).order_by(PolicyBlob.id)
        if type_ is not None:
            query = query.where(PolicyBlob.type == type_)
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get(self, ctx: RequestContext, policy_id: str) -> PolicyBlob:
        self.enforce(ctx, "get_policy")
        with self.cloud.db.read() as db:
            return self._find(db, policy_id)

    def update(self, ctx: RequestContext, policy_id: str, req: schemas.PolicyUpdate) -> PolicyBlob:
        self.enforce(ctx, "update_policy")
        if not req.given and not req.extras():
            raise schemas.W.bad("policy", {}, "{} does not have enough properties")
        with self.cloud.db.write() as db:
            row = self._find(db, policy_id)
            if req.blob is not None:
                row.blob = req.blob
            if req.type is not None:
                row.type = req.type
            if req.extras():
                row.extra = {**(row.extra or {}), **req.extras()}
        return row

    def delete(self, ctx: RequestContext, policy_id: str) -> None:
        self.enforce(ctx, "delete_policy")
        with self.cloud.db.write() as db:
            db.delete(self._find(db, policy_id))


# ---------------------------------------------------------------------------------------------- OS-EP-FILTER
FILTER_KEYS = ("service_id", "region_id", "interface")


class EndpointGroups(_Api):
    """`identity.endpoint_groups`: OS-EP-FILTER endpoint groups and the project associations."""

    @staticmethod
    def _find(db: Session, group_id: str) -> EndpointGroup:
        row = db.get(EndpointGroup, group_id)
        if row is None:
            raise NotFound(f"Could not find Endpoint Group: {group_id}.")
        return row

    @staticmethod
    def _check_filters(filters: dict[str, Any]) -> dict[str, Any]:
        bad = sorted(set(filters) - set(FILTER_KEYS))
        if bad or not filters:
            raise BadRequest(f"Invalid input for field 'filters': {', '.join(bad) or '{}'} is not a valid filter: "
                             f"the filters are {', '.join(FILTER_KEYS)}.")
        return dict(filters)

    @staticmethod
    def matching(db: Session, group: EndpointGroup) -> list[Endpoint]:
        query = select(Endpoint).order_by(Endpoint.id)
        for key, value in (group.filters or {}).items():
            if key in FILTER_KEYS:
                query = query.where(getattr(Endpoint, key) == value)
        return list(db.scalars(query))

    def create(self, ctx: RequestContext, req: schemas.EndpointGroupCreate) -> EndpointGroup:
        self.enforce(ctx, "create_endpoint_group")
        filters = self._check_filters(req.filters)
        with self.cloud.db.write() as db:
            row = EndpointGroup(name=req.name, description=req.description, filters=filters)
            db.add(row)
        return row

    def find_all(self, ctx: RequestContext, name: str | None) -> list[EndpointGroup]:
        self.enforce(ctx, "list_endpoint_groups")
        query = select(EndpointGroup).order_by(EndpointGroup.id)
        if name is not None:
            query = query.where(EndpointGroup.name == name)
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get(self, ctx: RequestContext, group_id: str) -> EndpointGroup:
        self.enforce(ctx, "get_endpoint_group")
        with self.cloud.db.read() as db:
            return self._find(db, group_id)

    def update(self, ctx: RequestContext, group_id: str, req: schemas.EndpointGroupUpdate) -> EndpointGroup:
        self.enforce(ctx, "update_endpoint_group")
        with self.cloud.db.write() as db:
            row = self._find(db, group_id)
            if req.name is not None:
                row.name = req.name
            if "description" in req.given:
                row.description = req.description
            if req.filters is not None:
                row.filters = self._check_filters(req.filters)
        self.core.forget_tokens()
        return row

    def delete(self, ctx: RequestContext, group_id: str) -> None:
        self.enforce(ctx, "delete_endpoint_group")
        with self.cloud.db.write() as db:
            db.delete(self._find(db, group_id))

    def endpoints_in_group(self, ctx: RequestContext, group_id: str) -> list[Endpoint]:
        self.enforce(ctx, "list_endpoints_associated_with_endpoint_group")
        with self.cloud.db.read() as db:
            return self.matching(db, self._find(db, group_id))

    # ---------------------------------------------------------------- project associations
    def _association(self, db: Session, project_id: str, endpoint_id: str | None,
                     group_id: str | None) -> ProjectEndpoint | None:
        self.core.find(db, Project, project_id)
        if endpoint_id is not None:
            self.core.find(db, Endpoint, endpoint_id)
        if group_id is not None:
            self._find(db, group_id)
        return db.scalar(select(ProjectEndpoint).where(
            ProjectEndpoint.project_id == project_id,
            ProjectEndpoint.endpoint_id.is_(None) if endpoint_id is None
            else ProjectEndpoint.endpoint_id == endpoint_id,
            ProjectEndpoint.endpoint_group_id.is_(None) if group_id is None
            else ProjectEndpoint.endpoint_group_id == group_id))

    def associate(self, ctx: RequestContext, project_id: str, endpoint_id: str | None = None,
                  group_id: str | None = None) -> None:
        """PUT /v3/OS-EP-FILTER/projects/{p}/endpoints/{e} or /endpoint_groups/{g}/projects/{p}."""
        self.enforce(ctx, "add_endpoint_to_project" if endpoint_id else "add_endpoint_group_to_project")
        with self.cloud.db.write() as db:
            if self._association(db, project_id, endpoint_id, group_id) is None:
                db.add(ProjectEndpoint(project_id=project_id, endpoint_id=endpoint_id, endpoint_group_id=group_id))
        self.core.forget_tokens()

    def check(self, ctx: RequestContext, project_id: str, endpoint_id: str | None = None,
              group_id: str | None = None) -> None:
        self.enforce(ctx, "check_endpoint_in_project" if endpoint_id else "get_endpoint_group_in_project")
        with self.cloud.db.read() as db:
            found = self._association(db, project_id, endpoint_id, group_id)
        if found is None:
            what = f"Endpoint {endpoint_id}" if endpoint_id else f"Endpoint Group Project Association {group_id}"
            raise NotFound(f"Could not find {what} in project {project_id}."
                           if endpoint_id else f"Could not find Endpoint Group Project Association: {group_id}.")

    def dissociate(self, ctx: RequestContext, project_id: str, endpoint_id: str | None = None,
                   group_id: str | None = None) -> None:
        self.enforce(ctx, "remove_endpoint_from_project" if endpoint_id else "remove_endpoint_group_from_project")
        with self.cloud.db.write() as db:
            found = self._association(db, project_id, endpoint_id, group_id)
            if found is None:
                raise NotFound(f"Could not find endpoint: {endpoint_id} in project {project_id}." if endpoint_id
                               else f"Could not find Endpoint Group Project Association: {group_id}.")
            db.delete(found)
        self.core.forget_tokens()

    def project_endpoints(self, ctx: RequestContext, project_id: str) -> list[Endpoint]:
        """GET /v3/OS-EP-FILTER/projects/{p}/endpoints: the endpoints associated with it, directly or by a group."""
        self.enforce(ctx, "list_endpoints_for_project")
        with self.cloud.db.read() as db:
            self.core.find(db, Project, project_id)
            ids = self.filtered_ids(db, project_id) or set()
            return list(db.scalars(select(Endpoint).where(Endpoint.id.in_(ids)).order_by(Endpoint.id)))

    def project_groups(self, ctx: RequestContext, project_id: str) -> list[EndpointGroup]:
        self.enforce(ctx, "list_endpoint_groups_for_project")
        with self.cloud.db.read() as db:
            self.core.find(db, Project, project_id)
            ids = select(ProjectEndpoint.endpoint_group_id).where(ProjectEndpoint.project_id == project_id)
            return list(db.scalars(select(EndpointGroup).where(EndpointGroup.id.in_(ids)).order_by(EndpointGroup.id)))

    def projects_of(self, ctx: RequestContext, endpoint_id: str | None = None,
                    group_id: str | None = None) -> list[Project]:
        """The projects an endpoint (or an endpoint group) is associated with."""
        self.enforce(ctx, "list_projects_for_endpoint" if endpoint_id
                     else "list_projects_associated_with_endpoint_group")
        with self.cloud.db.read() as db:
            if endpoint_id:
                self.core.find(db, Endpoint, endpoint_id)
                ids = select(ProjectEndpoint.project_id).where(ProjectEndpoint.endpoint_id == endpoint_id)
            else:
                self._find(db, group_id or "")
                ids = select(ProjectEndpoint.project_id).where(ProjectEndpoint.endpoint_group_id == group_id)
            return list(db.scalars(select(Project).where(Project.id.in_(ids)).order_by(Project.name)))

    @classmethod
    def filtered_ids(cls, db: Session, project_id: str | None) -> set[str] | None:
        """The endpoint ids a project's catalog is limited to, or None when it has no association (then its
        catalog has every endpoint, Keystone's `return_all_endpoints_if_no_filter`)."""
        if project_id is None:
            return None
        rows = list(db.scalars(select(ProjectEndpoint).where(ProjectEndpoint.project_id == project_id)))
        if not rows:
            return None
        ids = {r.endpoint_id for r in rows if r.endpoint_id}
        for row in rows:
            if row.endpoint_group_id:
                group = db.get(EndpointGroup, row.endpoint_group_id)
                if group is not None:
                    ids.update(e.id for e in cls.matching(db, group))
        return ids


# ---------------------------------------------------------------------------------------------- domain config
# keystone/resource/core.py DomainConfigManager: what a domain may override, and those never shown back.
_LDAP_DEFAULTS: dict[str, Any] = {
    "url": "ldap://localhost", "user": None, "suffix": "cn=example,cn=com", "query_scope": "one",
    "page_size": 0, "alias_dereferencing": "default", "debug_level": None, "chase_referrals": None,
    "user_tree_dn": None, "user_filter": None, "user_objectclass": "inetOrgPerson", "user_id_attribute": "cn",
    "user_name_attribute": "sn", "user_mail_attribute": "mail", "user_description_attribute": "description",
    "user_pass_attribute": "userPassword", "user_enabled_attribute": "enabled", "user_enabled_invert": False,
    "user_enabled_mask": 0, "user_enabled_default": "True", "user_attribute_ignore": ["default_project_id"],
    "user_default_project_id_attribute": None, "user_enabled_emulation": False,
    "user_enabled_emulation_dn": None, "user_enabled_emulation_use_group_config": False,
    "user_additional_attribute_mapping": [], "group_tree_dn": None, "group_filter": None,
    "group_objectclass": "groupOfNames", "group_id_attribute": "cn", "group_name_attribute": "ou",
    "group_members_are_ids": False, "group_member_attribute": "member", "group_desc_attribute": "description",
    "group_attribute_ignore": [], "group_additional_attribute_mapping": [], "tls_cacertfile": None,
    "tls_cacertdir": None, "use_tls": False, "tls_req_cert": "demand", "use_pool": True, "pool_size": 10,
    "pool_retry_max": 3, "pool_retry_delay": 0.1, "pool_connection_timeout": -1,
    "pool_connection_lifetime": 600, "use_auth_pool": True, "auth_pool_size": 100,
    "auth_pool_connection_lifetime": 60,
}
DEFAULTS: dict[str, dict[str, Any]] = {"identity": {"driver": "sql", "list_limit": None}, "ldap": _LDAP_DEFAULTS}
SENSITIVE: dict[str, tuple[str, ...]] = {"identity": (), "ldap": ("password",)}


def _invalid(reason: str) -> Forbidden:
    """Keystone's InvalidDomainConfig is a 403."""
    return Forbidden(f"Invalid domain specific configuration: {reason}.")


class DomainConfigs(_Api):
    """`identity.domain_configs`: /v3/domains/{id}/config and the defaults."""

    @staticmethod
    def _check_group(group: str) -> None:
        if group not in DEFAULTS:
            raise _invalid(f"Group {group} is not supported for domain specific configurations")

    @classmethod
    def _check_option(cls, group: str, option: str) -> None:
        cls._check_group(group)
        if option not in DEFAULTS[group] and option not in SENSITIVE[group]:
            raise _invalid(f"Option {option} in group {group} is not supported for domain specific "
                           "configurations")

    @classmethod
    def _check_config(cls, config: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(config, dict) or not config:
            raise _invalid("No options specified")
        for group, options in config.items():
            cls._check_group(group)
            if not isinstance(options, dict) or not options:
                raise _invalid(f"The value of group {group} specified in the config should be a dictionary "
                               "of options")
            for option in options:
                cls._check_option(group, option)
        return {group: dict(options) for group, options in config.items()}

    @staticmethod
    def _shown(config: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The config without its sensitive options (Keystone never returns them)."""
        shown = {group: {k: v for k, v in options.items() if k not in SENSITIVE.get(group, ())}
                 for group, options in config.items()}
        return {group: options for group, options in shown.items() if options}

    def _stored(self, db: Session, domain_id: str) -> DomainConfig | None:
        self.core.find(db, Domain, domain_id)
        return db.get(DomainConfig, domain_id)

    @staticmethod
    def _not_found(domain_id: str, what: str) -> NotFound:
        return NotFound(f"Could not find {what} in domain configuration for domain {domain_id}.")

    def create(self, ctx: RequestContext, domain_id: str, config: Any) -> tuple[dict[str, Any], bool]:
        """PUT /v3/domains/{id}/config: replaces the whole config; (what is shown, whether it was new)."""
        self.enforce(ctx, "create_domain_config")
        checked = self._check_config(config)
        with self.cloud.db.write() as db:
            row = self._stored(db, domain_id)
            created = row is None
            if row is None:
                db.add(DomainConfig(domain_id=domain_id, config=checked))
            else:
                row.config = checked
        return self._shown(checked), created

    def get(self, ctx: RequestContext, domain_id: str, group: str | None = None,
            option: str | None = None) -> dict[str, Any]:
        self.enforce(ctx, "get_domain_config")
        if group is not None:
            self._check_group(group)
        if option is not None:
            self._check_option(group or "", option)
        with self.cloud.db.read() as db:
            row = self._stored(db, domain_id)
            shown = self._shown(dict(row.config)) if row is not None else {}
        if not shown:
            raise self._not_found(domain_id, "any options")
        if group is None:
            return shown
        if group not in shown:
            raise self._not_found(domain_id, f"group {group}")
        if option is None:
            return {group: shown[group]}
        if option not in shown[group]:
            raise self._not_found(domain_id, f"option {option} in group {group}")
        return {option: shown[group][option]}

    def update(self, ctx: RequestContext, domain_id: str, config: Any, group: str | None = None,
               option: str | None = None) -> dict[str, Any]:
        """PATCH of the config, a group or an option: merges the given options into what is stored, and
        answers the whole (shown) config."""
        self.enforce(ctx, "update_domain_config")
        if option is not None:
            self._check_option(group or "", option)
            if not isinstance(config, dict) or list(config) != [option]:
                raise _invalid(f"Trying to update option {option} in group {group}, so that, and only that, "
                               "option must be specified  in the config")
            config = {group: config}
        elif group is not None:
            self._check_group(group)
            if not isinstance(config, dict) or len(config) != 1:
                raise _invalid(f"Trying to update group {group}, so that, and only that, group must be "
                               "specified in the config")
            if group not in config:
                raise _invalid(f"request to update group {group}, but config provided contains group "
                               f"{next(iter(config))} instead")
        checked = self._check_config(config)
        with self.cloud.db.write() as db:
            row = self._stored(db, domain_id)
            if row is None:
                raise self._not_found(domain_id, "any options")
            merged = {g: dict(o) for g, o in (row.config or {}).items()}
            if group is not None and option is None and group not in merged:
                raise self._not_found(domain_id, f"group {group}")
            if option is not None and option not in merged.get(group or "", {}):
                raise self._not_found(domain_id, f"option {option} in group {group}")
            for g, options in checked.items():
                merged.setdefault(g, {}).update(options)
            row.config = merged
        return self._shown(merged)

    def delete(self, ctx: RequestContext, domain_id: str, group: str | None = None,
               option: str | None = None) -> None:
        self.enforce(ctx, "delete_domain_config")
        if group is not None:
            self._check_group(group)
        if option is not None:
            self._check_option(group or "", option)
        with self.cloud.db.write() as db:
            row = self._stored(db, domain_id)
            if row is None:
                raise self._not_found(domain_id, "any options")
            if group is None:
                db.delete(row)
                return
            config = {g: dict(o) for g, o in (row.config or {}).items()}
            if group not in config:
                raise self._not_found(domain_id, f"group {group}")
            if option is None:
                del config[group]
            elif option not in config[group]:
                raise self._not_found(domain_id, f"option {option} in group {group}")
            else:
                del config[group][option]
                if not config[group]:
                    del config[group]
            row.config = config

    def default(self, ctx: RequestContext, group: str | None = None, option: str | None = None) -> dict[str, Any]:
        """GET /v3/domains/config/default (and of a group, of an option): what a domain starts from."""
        self.enforce(ctx, "get_domain_config_default")
        if group is None:
            return {g: dict(o) for g, o in DEFAULTS.items()}
        self._check_group(group)
        if option is None:
            return {group: dict(DEFAULTS[group])}
        if option in SENSITIVE[group]:
            raise _invalid(f"Reading the default for option {option} in group {group} is not supported")
        self._check_option(group, option)
        return {option: DEFAULTS[group][option]}


# ---------------------------------------------------------------------------------------------- OS-OAUTH1
class OAuthConsumers(_Api):
    """`identity.oauth_consumers`: /v3/OS-OAUTH1/consumers (the consumers; request and access tokens are not
    served)."""

    @staticmethod
    def _find(db: Session, consumer_id: str) -> OAuthConsumer:
        row = db.get(OAuthConsumer, consumer_id)
        if row is None:
            raise NotFound(f"Could not find Consumer: {consumer_id}.")
        return row

    def create(self, ctx: RequestContext, req: schemas.ConsumerCreate) -> tuple[OAuthConsumer, str]:
        """A new consumer and its secret (returned this once)."""
        self.enforce(ctx, "create_consumer")
        extra = req.extras()
        if "secret" in extra:
            del extra["secret"]  # Keystone makes the secret itself
        secret = secrets.token_hex(16)  # 32 hex digits, as Keystone makes it (uuid4().hex)
        with self.cloud.db.write() as db:
            row = OAuthConsumer(description=req.description, secret_hash=hash_password(secret), extra=extra)
            db.add(row)
        return row, secret

    def find_all(self, ctx: RequestContext) -> list[OAuthConsumer]:
        self.enforce(ctx, "list_consumers")
        with self.cloud.db.read() as db:
            return list(db.scalars(select(OAuthConsumer).order_by(OAuthConsumer.id)))

    def get(self, ctx: RequestContext, consumer_id: str) -> OAuthConsumer:
        self.enforce(ctx, "get_consumer")
        with self.cloud.db.read() as db:
            return self._find(db, consumer_id)

    def update(self, ctx: RequestContext, consumer_id: str, req: schemas.ConsumerCreate) -> OAuthConsumer:
        self.enforce(ctx, "update_consumer")
        extra = req.extras()
        if "secret" in extra:
            raise BadRequest("Cannot change consumer secret")
        with self.cloud.db.write() as db:
            row = self._find(db, consumer_id)
            if "id" in extra and extra.pop("id") != consumer_id:
                raise BadRequest("Cannot change consumer id")
            if "description" in req.given:
                row.description = req.description
            if extra:
                row.extra = {**(row.extra or {}), **extra}
        return row

    def delete(self, ctx: RequestContext, consumer_id: str) -> None:
        self.enforce(ctx, "delete_consumer")
        with self.cloud.db.write() as db:
            db.delete(self._find(db, consumer_id))

