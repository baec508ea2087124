"""Flavors: the DevStack-like defaults, list/show with Nova's visibility rules and filters, admin create and
delete, the access list of private flavors, and extra specs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.models import Flavor, FlavorAccess
from lab.cloud.context import RequestContext
from lab.cloud.db import new_id
from lab.cloud.errors import BadRequest, Conflict, NotFound

# (flavorid, name, ram MB, vcpus, disk GB): DevStack's defaults, with its small test flavors.
DEFAULT_FLAVORS = (
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
    ("3", "m1.medium", 4096, 2, 40),
    ("4", "m1.large", 8192, 4, 80),
    ("5", "m1.xlarge", 16384, 8, 160),
    ("42", "m1.nano", 128, 1, 1),
    ("84", "m1.micro", 192, 1, 1),
    ("c1", "cirros256", 256, 1, 1),
)

# API sort keys -> columns (Nova accepts its column names).
SORT_KEYS = {"flavorid": Flavor.flavorid, "id": Flavor.flavorid, "name": Flavor.name,
             "memory_mb": Flavor.memory_mb, "vcpus": Flavor.vcpus, "root_gb": Flavor.root_gb,
             "ephemeral_gb": Flavor.ephemeral_gb, "swap": Flavor.swap, "rxtx_factor": Flavor.rxtx_factor,
             "is_public": Flavor.is_public, "disabled": Flavor.disabled, "created_at": Flavor.created_at}


@dataclass(frozen=True)
class FlavorQuery:
    is_public: bool | None = True  # None: public and private (admins only)
    min_ram: int | None = None
    min_disk: int | None = None
    sort_key: str = "flavorid"
    sort_dir: str = "asc"
    limit: int | None = None
    marker: str | None = None


class Flavors(ComputePart):
    def bootstrap(self, db: Session) -> None:
        if db.scalar(select(Flavor.seq).limit(1)) is not None:
            return  # a lab whose admin deleted a default flavor keeps it deleted
        now = self.cloud.clock.now()
        for flavorid, name, ram, vcpus, disk in DEFAULT_FLAVORS:
            db.add(Flavor(flavorid=flavorid, name=name, memory_mb=ram, vcpus=vcpus, root_gb=disk, created_at=now))

    @staticmethod
    def _accessible(ctx: RequestContext) -> Any:
        """Flavors a non-admin may use: the public ones and the private ones shared with its project."""
        shared = select(FlavorAccess.flavor_seq).where(FlavorAccess.project_id == ctx.project_id)
        return or_(Flavor.is_public.is_(True), Flavor.seq.in_(shared))

    def list_flavors(self, ctx: RequestContext, q: FlavorQuery) -> list[Flavor]:
        """Flavors the caller may see, filtered, sorted and paged as Nova does."""
        query = select(Flavor)
        admin = self.is_admin(ctx)
        if admin and q.is_public is not None:
            query = query.where(self._accessible(ctx) if q.is_public else Flavor.is_public.is_(False))
        elif not admin:
            query = query.where(self._accessible(ctx), Flavor.disabled.is_(False))
        if q.min_ram is not None:
            query = query.where(Flavor.memory_mb >= q.min_ram)
        if q.min_disk is not None:
            query = query.where(Flavor.root_gb >= q.min_disk)
        column = SORT_KEYS.get(q.sort_key)
        if column is None:
            raise BadRequest(f"Invalid input for query parameters sort_key. Value: {q.sort_key}.")
        if q.sort_dir not in ("asc", "desc"):
            raise BadRequest(f"Invalid input for query parameters sort_dir. Value: {q.sort_dir}.")
        order: list[Any] = [column.asc() if q.sort_dir == "asc" else column.desc(), Flavor.flavorid.asc()]
        with self.cloud.db.read() as db:
            flavors = list(db.scalars(query.order_by(*order)))
        if q.marker is not None:
            ids = [f.flavorid for f in flavors]
            if q.marker not in ids:
                raise BadRequest(f"marker [{q.marker}] not found")
            flavors = flavors[ids.index(q.marker) + 1:]
        limit = min(q.limit, self.cloud.settings.max_page_size) if q.limit is not None else None
        return flavors[:limit] if limit is not None else flavors

    def find_flavor(self, db: Session, ctx: RequestContext, flavorid: str) -> Flavor | None:
        """A flavor the caller may use, by its id; None when there is none (or it is private to others)."""
        query = select(Flavor).where(Flavor.flavorid == str(flavorid))
        if not self.is_admin(ctx):
            query = query.where(self._accessible(ctx))
        return db.scalar(query)

    def get_flavor(self, ctx: RequestContext, flavorid: str) -> Flavor:
        with self.cloud.db.read() as db:
            flavor = self.find_flavor(db, ctx, flavorid)
        if flavor is None:
            raise NotFound(f"Flavor {flavorid} could not be found.")
        return flavor

    def create_flavor(self, ctx: RequestContext, spec: dict[str, Any]) -> Flavor:
        """Admin: a new flavor (spec already validated by schemas.parse_flavor_create)."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-flavor-manage:create")
        flavorid = spec.get("id") or new_id()
        with self.cloud.db.write() as db:
            if db.scalar(select(Flavor.seq).where(Flavor.name == spec["name"])) is not None:
                raise Conflict(f"Flavor with name {spec['name']} already exists.")
            if db.scalar(select(Flavor.seq).where(Flavor.flavorid == flavorid)) is not None:
                raise Conflict(f"Flavor with ID {flavorid} already exists.")
            flavor = Flavor(flavorid=flavorid, name=spec["name"], memory_mb=spec["ram"], vcpus=spec["vcpus"],
                            root_gb=spec["disk"], ephemeral_gb=spec.get("ephemeral", 0), swap=spec.get("swap", 0),
                            rxtx_factor=spec.get("rxtx_factor", 1.0), is_public=spec.get("is_public", True),
                            description=spec.get("description"), created_at=self.cloud.clock.now())
            db.add(flavor)
        return flavor

    def update_flavor(self, ctx: RequestContext, flavorid: str, description: str | None) -> Flavor:
        """Admin (2.55): a flavor's new description; nothing else of a flavor changes once made."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-flavor-manage:update")
        with self.cloud.db.write() as db:
            flavor = db.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
            if flavor is None:
                raise NotFound(f"Flavor {flavorid} could not be found.")
            flavor.description = description
            return flavor

    def delete_flavor(self, ctx: RequestContext, flavorid: str) -> None:
        """Admin: delete a flavor. Servers keep their copy of it, as in Nova."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-flavor-manage:delete")
        with self.cloud.db.write() as db:
            flavor = db.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
            if flavor is None:
                raise NotFound(f"Flavor {flavorid} could not be found.")
            db.execute(delete(FlavorAccess).where(FlavorAccess.flavor_seq == flavor.seq))
            db.delete(flavor)

    # ------------------------------------------------------------------ access lists
    def _admin_flavor(self, db: Session, ctx: RequestContext, flavorid: str, rule: str) -> Flavor:
        self.cloud.policy.enforce(ctx, rule)
        flavor = db.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
        if flavor is None:
            raise NotFound(f"Flavor {flavorid} could not be found.")
        return flavor

    @staticmethod
    def _access_list(db: Session, flavor: Flavor) -> list[str]:
        """The projects a private flavor is shared with, in the order they were added."""
        return list(db.scalars(select(FlavorAccess.project_id).where(FlavorAccess.flavor_seq == flavor.seq)
                               .order_by(FlavorAccess.id)))

    def list_flavor_access(self, ctx: RequestContext, flavorid: str) -> list[str]:
        with self.cloud.db.read() as db:
            flavor = self._admin_flavor(db, ctx, flavorid, "os_compute_api:os-flavor-access")
            if flavor.is_public:
                raise NotFound("Access list not available for public flavors.")
            return self._access_list(db, flavor)

    def add_flavor_access(self, ctx: RequestContext, flavorid: str, project_id: str) -> list[str]:
        with self.cloud.db.write() as db:
            flavor = self._admin_flavor(db, ctx, flavorid, "os_compute_api:os-flavor-access:add_tenant_access")
            if flavor.is_public:
                raise Conflict("Can not add access to a public flavor.")
            exists = db.scalar(select(FlavorAccess.id).where(FlavorAccess.flavor_seq == flavor.seq,
                                                             FlavorAccess.project_id == project_id))
            if exists is not None:
                raise Conflict(f"Flavor access already exists for flavor {flavorid} and project {project_id} "
                               "combination.")
            db.add(FlavorAccess(flavor_seq=flavor.seq, project_id=project_id))
            db.flush()
            return self._access_list(db, flavor)

    def remove_flavor_access(self, ctx: RequestContext, flavorid: str, project_id: str) -> list[str]:
        with self.cloud.db.write() as db:
            flavor = self._admin_flavor(db, ctx, flavorid,
                                        "os_compute_api:os-flavor-access:remove_tenant_access")
            found = db.scalar(select(FlavorAccess).where(FlavorAccess.flavor_seq == flavor.seq,
                                                         FlavorAccess.project_id == project_id))
            if found is None:
                raise NotFound(f"Flavor access not found for {flavorid} / {project_id} combination.")
            db.delete(found)
            db.flush()
            return self._access_list(db, flavor)

    # ------------------------------------------------------------------ extra specs
    def get_extra_specs(self, ctx: RequestContext, flavorid: str) -> dict[str, str]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-flavor-extra-specs:index")
        return dict(self.get_flavor(ctx, flavorid).extra_specs or {})

    def get_extra_spec(self, ctx: RequestContext, flavorid: str, key: str) -> dict[str, str]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-flavor-extra-specs:show")
        specs = dict(self.get_flavor(ctx, flavorid).extra_specs or {})
        if key not in specs:
            raise NotFound(f"Flavor {flavorid} has no extra specs with key {key}.")
        return {key: specs[key]}

    def set_extra_specs(self, ctx: RequestContext, flavorid: str, specs: dict[str, str], *,
                        one: bool = False) -> dict[str, str]:
        """Admin: add or replace the given extra specs (`one`: the PUT of a single key); returns the ones given,
        as Nova does."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-flavor-extra-specs:update" if one
                                  else "os_compute_api:os-flavor-extra-specs:create")
        with self.cloud.db.write() as db:
            flavor = db.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
            if flavor is None:
                raise NotFound(f"Flavor {flavorid} could not be found.")
            flavor.extra_specs = {**(flavor.extra_specs or {}), **specs}
        return specs

    def delete_extra_spec(self, ctx: RequestContext, flavorid: str, key: str) -> None:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-flavor-extra-specs:delete")
        with self.cloud.db.write() as db:
            flavor = db.scalar(select(Flavor).where(Flavor.flavorid == flavorid))
            if flavor is None:
                raise NotFound(f"Flavor {flavorid} could not be found.")
            specs = dict(flavor.extra_specs or {})
            if key not in specs:
                raise NotFound(f"Flavor {flavorid} has no extra specs with key {key}.")
            del specs[key]
            flavor.extra_specs = specs
