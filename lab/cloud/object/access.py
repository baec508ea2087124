"""Who may touch an account, a container or an object: keystoneauth's decision, with the policy rules in
place of its role lists. The account's own (the rule for the operation holds: its project's members, readers
for reads, operators everywhere) may do anything the rule allows; anyone else only what the container's ACLs
grant (acl.py). A refused caller without a token gets 401, with one 403, whether or not the container exists,
so another project's container names do not leak."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from lab.cloud.context import RequestContext
from lab.cloud.object import acl
from lab.cloud.object.models import SwiftContainer
from lab.cloud.object.schemas import SwiftError

if TYPE_CHECKING:
    from lab.cloud.policy import Policy

Grant = Literal["read", "listing", "write"]


@dataclass(frozen=True)
class Caller:
    """A request's caller: its token's context (None: no token) and its Referer (for `.r:` ACLs)."""

    ctx: RequestContext | None
    referrer: str | None = None
    # A valid temp URL (tempurl.py): the (project, container) whose objects this one request may touch.
    temp_url: tuple[str, str] | None = None

    @property
    def user_id(self) -> str | None:
        return self.ctx.user_id if self.ctx else None


def project_of(account: str) -> str:
    """`AUTH_<project id>` -> the project id; any other account name is not one of this cloud's (404)."""
    if not account.startswith("AUTH_") or len(account) <= 5:
        raise SwiftError(404)
    return account[5:]


def is_owner(policy: Policy, caller: Caller, rule: str, project_id: str) -> bool:
    return caller.ctx is not None and policy.allows(caller.ctx, rule, project_id)


def authorize(policy: Policy, caller: Caller, rule: str, project_id: str,
              container: SwiftContainer | None = None, grant: Grant | None = None) -> None:
    """Pass, or raise 401/403: the rule as the account's own, else the container's ACL for `grant`."""
    if is_owner(policy, caller, rule, project_id):
        return
    if container is not None and caller.temp_url is not None and caller.temp_url[0] == project_id and (
            (grant == "write" and caller.temp_url[1] == container.name) or grant == "read"):
        return  # the signed object's own container; reads of the account's large-object segments too
    if container is not None and grant is not None:
        granted = (acl.allows(container.write_acl, caller.ctx, None) if grant == "write"
                   else acl.allows(container.read_acl, caller.ctx, caller.referrer, listing=grant == "listing"))
        if granted:
            return
    raise SwiftError(401 if caller.ctx is None else 403)
