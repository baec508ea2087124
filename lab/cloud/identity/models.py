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
