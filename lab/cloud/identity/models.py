"""Identity's stored state: domains, projects, users, roles, role assignments, tokens and the catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_hex_id


class Domain(Base):
    __tablename__ = "domains"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    name: Mapped[str] = mapped_column(String(64))
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id"))
    description: Mapped[str] = mapped_column(String(255), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    parent_id: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(default=True)
    default_project_id: Mapped[str | None] = mapped_column(String(64))
    # Keystone keeps description and email as optional extras: absent unless set.
    description: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    password_expires_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Role(Base):
    """A global role (`domain_id` None) or a domain-specific one: names are unique per domain (Keystone), which
    the service checks (SQLite's unique constraints treat the global roles' NULL domains as distinct)."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    domain_id: Mapped[str | None] = mapped_column(String(64))


class RoleAssignment(Base):
    """A user holds a role on a project, a domain or the system (exactly one of the three is set)."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "project_id", "domain_id", "role_id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str | None] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    system_id: Mapped[str | None] = mapped_column(String(16))  # "all": a grant on the whole deployment


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    name: Mapped[str] = mapped_column(String(64))
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id"))
    description: Mapped[str] = mapped_column(String(255), default="")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class GroupMembership(Base):
    __tablename__ = "group_memberships"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)


class GroupAssignment(Base):
    """A group holds a role on a project, a domain or the system (one of the three is set): every member
    holds it.

    A table of its own rather than a `group_id` in role_assignments, so labs made before groups existed gain
    it by `create_all` alone."""

    __tablename__ = "group_assignments"
    __table_args__ = (UniqueConstraint("group_id", "project_id", "domain_id", "system_id", "role_id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str | None] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    system_id: Mapped[str | None] = mapped_column(String(16))


class ImpliedRole(Base):
    """A role inference rule: whoever holds `prior_role_id` also holds `implied_role_id` (Keystone's
    implied roles; bootstrap makes admin -> manager -> member -> reader)."""

    __tablename__ = "implied_roles"
    prior_role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    implied_role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)


class ApplicationCredential(Base):
    """A user's delegation of (some of) its roles on one project to a secret, stored hashed; `role_ids` are
    the roles it carries (the user must still hold them)."""

    __tablename__ = "application_credentials"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime | None]
    unrestricted: Mapped[bool] = mapped_column(default=False)
    role_ids: Mapped[list[Any]] = mapped_column(default=list)
    access_rules: Mapped[list[Any]] = mapped_column(default=list)


class AccessRule(Base):
    """An application credential access rule (service, path, method) of one user; credentials refer to it by
    id, an equal rule is shared, and it outlives its credentials until deleted (Keystone's access_rule table).

    A table of its own, so labs made before access rules had ids gain it by `create_all`."""

    __tablename__ = "access_rules"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(16))


class TokenApplicationCredential(Base):
    """Which application credential a token was issued for (its roles are limited to the credential's).

    A table of its own, so labs made before application credentials existed gain it by `create_all`."""

    __tablename__ = "token_application_credentials"
    token_id_hash: Mapped[str] = mapped_column(ForeignKey("tokens.id_hash", ondelete="CASCADE"), primary_key=True)
    application_credential_id: Mapped[str] = mapped_column(
        ForeignKey("application_credentials.id", ondelete="CASCADE"), index=True)


class Token(Base):
    """An issued token, stored by the SHA-256 of its value: revoking it is deleting the row."""

    __tablename__ = "tokens"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    domain_scope_id: Mapped[str | None] = mapped_column(String(64))
    system_scope: Mapped[bool] = mapped_column(default=False)
    methods: Mapped[list[Any]] = mapped_column(default=list)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    audit_id: Mapped[str] = mapped_column(String(32))


class Region(Base):
    __tablename__ = "regions"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    parent_region_id: Mapped[str | None] = mapped_column(String(255))


class CatalogService(Base):
    __tablename__ = "catalog_services"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    type: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str | None] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(default=True)


class Endpoint(Base):
    """A service URL. A URL starting with '/' is relative to the lab's public URL (so a lab moved to another
    port keeps a working catalog); `$(project_id)s` is filled from the token's scope, as Keystone does."""

    __tablename__ = "endpoints"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("catalog_services.id", ondelete="CASCADE"))
    interface: Mapped[str] = mapped_column(String(8))
    region_id: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(1024))
    enabled: Mapped[bool] = mapped_column(default=True)


class Credential(Base):
    """A user's stored credential (Keystone's /v3/credentials; `ec2` ones are EC2-style access/secret pairs).
    The blob is kept encrypted with the lab's credential key (Fernet, as Keystone's credential provider);
    an ec2 credential's id is the SHA-256 of its access key, as Keystone's."""

    __tablename__ = "credentials"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(255))
    encrypted_blob: Mapped[str] = mapped_column(Text)


class PolicyBlob(Base):
    """Keystone's /v3/policies: an opaque policy document (`blob`) of a MIME `type`, stored and served back,
    never enforced (Keystone's policy API is a blob store for other services to fetch)."""

    __tablename__ = "policy_blobs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    type: Mapped[str] = mapped_column(String(255))
    blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EndpointGroup(Base):
    """An OS-EP-FILTER endpoint group: the endpoints whose attributes match `filters` (service_id, region_id,
    interface)."""

    __tablename__ = "endpoint_groups"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProjectEndpoint(Base):
    """OS-EP-FILTER: an endpoint (or, with `endpoint_group_id`, an endpoint group) associated with a project."""

    __tablename__ = "project_endpoints"
    __table_args__ = (UniqueConstraint("project_id", "endpoint_id", "endpoint_group_id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[str | None] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"))
    endpoint_group_id: Mapped[str | None] = mapped_column(ForeignKey("endpoint_groups.id", ondelete="CASCADE"))


class InheritedAssignment(Base):
    """OS-INHERIT: a role granted to a user or a group (one of the two) on a domain or a project (one of the
    two), inherited by every project below it (not held on the domain or project itself).

    A table of its own, so labs made before inheritance gain it by `create_all`."""

    __tablename__ = "inherited_assignments"
    __table_args__ = (UniqueConstraint("user_id", "group_id", "project_id", "domain_id", "role_id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[str | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    domain_id: Mapped[str | None] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))


class DomainConfig(Base):
    """A domain's configuration (/v3/domains/{id}/config): the whitelisted groups and options it overrides."""

    __tablename__ = "domain_configs"
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OAuthConsumer(Base):
    """An OS-OAUTH1 consumer: its secret is shown once at creation and stored hashed."""

    __tablename__ = "oauth_consumers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    description: Mapped[str | None] = mapped_column(Text)
    secret_hash: Mapped[str] = mapped_column(String(255))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Trust(Base):
    """An OS-TRUST trust: the trustor delegates `role_ids` on `project_id` to the trustee; a token scoped to it
    carries only those roles (as the trustor with `impersonation`). Deleting it keeps the row (`deleted`),
    as Keystone soft-deletes, so a trust id is never reused."""

    __tablename__ = "trusts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_hex_id)
    trustor_user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    trustee_user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    impersonation: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime | None]
    remaining_uses: Mapped[int | None]
    role_ids: Mapped[list[Any]] = mapped_column(default=list)
    redelegated_trust_id: Mapped[str | None] = mapped_column(String(64))
    redelegation_count: Mapped[int | None]
    deleted: Mapped[bool] = mapped_column(default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TokenTrust(Base):
    """Which trust a token was issued for (its roles are the trust's). A table of its own (see above)."""

    __tablename__ = "token_trusts"
    token_id_hash: Mapped[str] = mapped_column(ForeignKey("tokens.id_hash", ondelete="CASCADE"), primary_key=True)
    trust_id: Mapped[str] = mapped_column(ForeignKey("trusts.id", ondelete="CASCADE"), index=True)
