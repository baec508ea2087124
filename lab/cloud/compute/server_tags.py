"""Server tags (os-server-tags, 2.26): `openstack server set --tag`, `server unset --tag`, and the tag filters
of the server list (`tags`, `tags-any`, `not-tags`, `not-tags-any`). Tags live in the server's
system_metadata (common.server_extra), as the other newer attributes do; at most 50 a server, Nova's limit.
"""

from __future__ import annotations

from collections.abc import Callable

from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.schemas import MAX_TAGS
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotFound

RULE = "os_compute_api:os-server-tags"


def tag_filter(tags: list[str] | None, tags_any: list[str] | None, not_tags: list[str] | None,
               not_tags_any: list[str] | None) -> Callable[[list[str]], bool] | None:
    """Nova's four list filters as one predicate over a server's tags (None when none is asked)."""
    if not (tags or tags_any or not_tags or not_tags_any):
        return None

    def keep(have: list[str]) -> bool:
        held = set(have)
        return ((not tags or set(tags) <= held) and (not tags_any or bool(held & set(tags_any)))
                and (not not_tags or not set(not_tags) <= held)
                and (not not_tags_any or not held & set(not_tags_any)))
    return keep


class ServerTags(ComputePart):
    def list_tags(self, ctx: RequestContext, server_id: str) -> list[str]:
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, f"{RULE}:index", server.project_id)
            return list((server.system_metadata or {}).get("tags") or [])

    def has_tag(self, ctx: RequestContext, server_id: str, tag: str) -> None:
        """GET /servers/{id}/tags/{tag}: 204 when it has it, Nova's 404 otherwise."""
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, f"{RULE}:show", server.project_id)
            if tag not in ((server.system_metadata or {}).get("tags") or []):
                raise NotFound(f"Instance {server_id} has no tag '{tag}'")

    def _change(self, ctx: RequestContext, server_id: str, rule: str,
                change: Callable[[list[str]], list[str]]) -> tuple[list[str], list[str]]:
        """(before, after) of a change to a server's tags, checked against Nova's 50-tag limit."""
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, f"{RULE}:{rule}", server.project_id)
            self.check_lock(ctx, server)
            before = list((server.system_metadata or {}).get("tags") or [])
            after = change(before)
            if len(after) > MAX_TAGS:
                raise BadRequest(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
            server.system_metadata = {**(server.system_metadata or {}), "tags": after}
            server.updated_at = self.cloud.clock.now()
            return before, after

    def replace_tags(self, ctx: RequestContext, server_id: str, tags: list[str]) -> list[str]:
        return self._change(ctx, server_id, "update_all", lambda _: list(tags))[1]

    def add_tag(self, ctx: RequestContext, server_id: str, tag: str) -> bool:
        """PUT /servers/{id}/tags/{tag}; True when the tag is new (201), False when it was there (204)."""
        before, _ = self._change(ctx, server_id, "update", lambda have: have if tag in have else [*have, tag])
        return tag not in before

    def delete_tag(self, ctx: RequestContext, server_id: str, tag: str) -> None:
        def remove(have: list[str]) -> list[str]:
            if tag not in have:  # raised inside the transaction: nothing changes
                raise NotFound(f"Instance {server_id} has no tag '{tag}'")
            return [t for t in have if t != tag]
        self._change(ctx, server_id, "delete", remove)

    def delete_tags(self, ctx: RequestContext, server_id: str) -> None:
        self._change(ctx, server_id, "delete_all", lambda _: [])
