"""Who may do what, OpenStack's way: every API operation has a named rule with a check string, enforced by
oslo.policy (the library every OpenStack service uses), so the names, the check language and `policy.yaml`
overrides are the ones a student meets on a real cloud.

Each service declares its rules in its own `policies.py` (`Rule`: the name its OpenStack service uses, the
default check, a description and the operations it guards) and lists them in its plugin; `Policy` enforces the
union. Checks are data: `role:member and project_id:%(project_id)s` (the caller's project is the target's),
`user_id:%(user_id)s` (the caller owns it), `rule:admin_api`. A token's roles come from the identity service
with the roles they imply by its stored inference rules (admin implies manager implies member implies reader by
default), so `role:reader` holds for a member too; contexts the cloud makes itself get Keystone's default chain.

The credentials are Keystone's: `roles`, `user_id`, `project_id`, `domain_id` (the domain a domain-scoped token
is scoped to, as in Keystone), `user_domain_id`, `project_domain_id`, and `token_scope` (`project`, `domain`,
`system`); a credential that is not set is absent, so `domain_id:%(target.domain.id)s` never matches a
missing value with a missing value. The cloud's admin is the admin role on a project or the system:
`context_is_admin` is false for a domain-scoped token, whose admin manages only its domain (identity's rules).

A `policy.yaml` in the data directory overrides any rule (a check string; for older files one of the four
levels `anyone`, `reader`, `member`, `admin` is read as the matching base rule). `stacklab policy list` prints
the table in force.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lab.cloud.context import RequestContext
from lab.cloud.errors import Forbidden


@dataclass(frozen=True)
class Rule:
    """One policy rule: `name` as the OpenStack service names it, `check` its default, `description` what it
    decides, `operations` the (method, path) pairs it guards (as in the service's policy reference)."""

    name: str
    check: str
    description: str
    operations: tuple[tuple[str, str], ...] = ()


# The base rules every service's rules are written with (Nova's and Keystone's names for them).
BASE_RULES: tuple[Rule, ...] = (
    Rule("context_is_admin", "role:admin and not token_scope:domain",
         "The caller has the admin role on a project or the system: an operator of the whole lab."),
    Rule("admin_api", "rule:context_is_admin", "Operator-only APIs."),
    Rule("project_reader_api", "role:reader and project_id:%(project_id)s",
         "A reader (or member, or admin) of the target's own project."),
    Rule("project_member_api", "role:member and project_id:%(project_id)s",
         "A member (or admin) of the target's own project."),
    Rule("project_reader_or_admin", "rule:project_reader_api or rule:context_is_admin",
         "A reader of the target's project, or an operator."),
    Rule("project_member_or_admin", "rule:project_member_api or rule:context_is_admin",
         "A member of the target's project, or an operator."),
    Rule("owner", "user_id:%(user_id)s", "The caller is the user the target belongs to."),
    Rule("admin_or_owner", "rule:context_is_admin or rule:owner", "The target's own user, or an operator."),
    Rule("any_project", "rule:context_is_admin or project_id:%(project_id)s",
         "Any authenticated caller on a target of its own project (no role needed), or an operator."),
)

DECISIONS_KEPT = 20_000  # remembered policy decisions; all are forgotten when there are this many

# How the four levels of older policy files read as check strings.
LEVELS = {"anyone": "rule:any_project", "reader": "rule:project_reader_or_admin",
          "member": "rule:project_member_or_admin", "admin": "rule:context_is_admin"}

# Keystone's default implied roles: for contexts the cloud makes itself (a token's roles arrive expanded by
# the identity service's stored inference rules, which an operator may change).
IMPLIES = {"admin": ("manager", "member", "reader"), "manager": ("member", "reader"),
           "member": ("reader",)}


def credentials(ctx: RequestContext) -> dict[str, Any]:
    """What oslo.policy checks against: the caller's roles (with the roles they imply), its scope and user.
    Unset credentials are left out (oslo.policy would match a None credential with a None target)."""
    roles = {r.lower() for r in ctx.roles}
    if ctx.token_id is None:
        for role in list(roles):
            roles.update(IMPLIES.get(role, ()))
    scope = "domain" if ctx.domain_scope_id else "project" if ctx.project_id else "system"
    creds: dict[str, Any] = {
        "roles": sorted(roles), "project_id": ctx.project_id, "user_id": ctx.user_id,
        "domain_id": ctx.domain_scope_id, "user_domain_id": ctx.domain_id,
        "project_domain_id": ctx.project_domain_id, "token_scope": scope,
        "is_admin": "admin" in roles and scope != "domain"}
    return {key: value for key, value in creds.items() if value is not None}


class _ExtensionChecks(dict[str, Any]):
    """oslo.policy's extension checks by name (`http:`, `https:`: its `oslo.policy.rule_checks` entry points), each
    imported when a rule first names it. oslo.policy imports them all when it parses its first rule, and theirs
    import `requests`: a tenth of a second of `stacklab up`, for checks no lab rule uses."""

    def __init__(self, points: Mapping[str, Any]):
        super().__init__()
        self._points = dict(points)

    def __contains__(self, kind: object) -> bool:
        return kind in self._points

    def __getitem__(self, kind: str) -> Any:
        if not super().__contains__(kind):
            self[kind] = self._points[kind].load()
        return super().__getitem__(kind)


def _lazy_extension_checks() -> None:
    from oslo_policy import _checks

    if _checks.extension_checks is not None:  # already loaded (by oslo.policy, or here)
        return
    try:
        from stevedore import _cache  # the entry point cache oslo.policy's own loading reads (stevedore's)

        points = {point.name: point for point in _cache.get_group_all("oslo.policy.rule_checks")}
    except Exception:  # another stevedore: oslo.policy loads them itself
        return
    _checks.extension_checks = _ExtensionChecks(points)


class Policy:
    """The rule table in force: the plugins' rules over the base rules, overridden by `policy.yaml`."""

    def __init__(self, rules: Iterable[Rule], overrides_file: Path | None = None):
        self.defaults: dict[str, Rule] = {}
        for rule in (*BASE_RULES, *rules):
            if rule.name in self.defaults:
                raise ValueError(f"policy rule {rule.name} is declared twice")
            self.defaults[rule.name] = rule
        self.overrides: dict[str, str] = {}
        if overrides_file is not None and overrides_file.exists():
            for name, check in (yaml.safe_load(overrides_file.read_text()) or {}).items():
                if not isinstance(check, str):
                    raise ValueError(f"{overrides_file}: rule {name}: a check string is required")
                self.overrides[str(name)] = LEVELS.get(check, check)
        # oslo.policy's enforcer is made at the first decision: importing oslo.policy and parsing the rules is
        # a fifth of `stacklab up`, and an existing lab answers its first request before it decides anything.
        self._enforcer: Any = None
        self._building = threading.Lock()
        # A check string is a pure function of the credentials and the target, so a decision is remembered
        # (oslo.policy's evaluation is a third of a simple write otherwise); changing a rule forgets them all.
        self._decisions: dict[tuple[Any, ...], bool] = {}

    def _oslo(self) -> Any:
        """oslo.policy's enforcer with the rules in force, made on first use."""
        enforcer = self._enforcer
        if enforcer is None:
            with self._building:
                if self._enforcer is None:
                    from oslo_config import cfg
                    from oslo_policy import policy as oslo

                    _lazy_extension_checks()
                    conf = cfg.ConfigOpts()
                    conf([], project="stacklab", default_config_files=[], default_config_dirs=[])
                    # The lab reads policy.yaml itself (above), so oslo.policy is given no file of its own to watch.
                    made = oslo.Enforcer(conf, policy_file="stacklab-no-policy-file.yaml", use_conf=False)
                    self._set_rules(made)
                    self._enforcer = made
                enforcer = self._enforcer
        return enforcer

    def _set_rules(self, enforcer: Any) -> None:
        from oslo_policy import policy as oslo

        checks = {name: rule.check for name, rule in self.defaults.items()} | self.overrides
        enforcer.set_rules(oslo.Rules.from_dict(checks), overwrite=True, use_conf=False)

    def _load(self) -> None:
        with self._building:
            if self._enforcer is not None:
                self._set_rules(self._enforcer)
            self._decisions = {}

    @property
    def rules(self) -> Mapping[str, str]:
        """Rule name -> the check string in force."""
        return {name: rule.check for name, rule in self.defaults.items()} | self.overrides

    def override(self, name: str, check: str) -> None:
        """Change one rule for this lab's lifetime (tests, and the lab API's instructor tools)."""
        self.overrides[name] = LEVELS.get(check, check)
        self._load()

    def allows(self, ctx: RequestContext, action: str, project_id: str | None = None,
               **target: Any) -> bool:
        """True if `ctx` may do `action` on a target in `project_id` (None: a target with no project of its own,
        checked as one of the caller's project) with the other target attributes given (e.g. `user_id`)."""
        if action not in self.defaults:
            raise KeyError(f"undeclared policy rule {action!r}")  # a typo must not fall back to a default
        values = {"project_id": project_id if project_id is not None else ctx.project_id,
                  "user_id": ctx.user_id, **target}
        # Everything `credentials(ctx)` reads, and the target: the whole input of the decision.
        key = (action, ctx.roles, ctx.token_id is None, ctx.project_id, ctx.user_id, ctx.domain_scope_id,
               ctx.domain_id, ctx.project_domain_id, *sorted(values.items()))
        try:
            known = self._decisions.get(key)
        except TypeError:  # a target value that cannot be a key (a list): decided afresh
            return bool(self._oslo().enforce(action, values, credentials(ctx)))
        if known is None:
            known = bool(self._oslo().enforce(action, values, credentials(ctx)))
            if len(self._decisions) >= DECISIONS_KEPT:
                self._decisions = {}
            self._decisions[key] = known
        return known

    def enforce(self, ctx: RequestContext, action: str, project_id: str | None = None, **target: Any) -> None:
        """Raise Forbidden (OpenStack's wording) unless `allows`."""
        if not self.allows(ctx, action, project_id, **target):
            raise Forbidden(f"Policy doesn't allow {action} to be performed.")
