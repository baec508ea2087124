"""Subnet pools and address scopes (Neutron's subnet_allocation, default-subnetpools and address-scope):
a pool holds prefixes of one IP version and prefix-length bounds; `subnet create --subnet-pool P
--prefix-length N` is given the first free block of that size (or the CIDR asked for, if it lies in the pool
and is free), and no two subnets of a pool ever overlap. One pool per IP version may be the default
(`--use-default-subnet-pool`). A pool may belong to an address scope of its IP version: the networks whose
subnets come from it show that scope (`ipv4_address_scope`).

Allocation runs in the subnet create's write transaction (one writer at a time), so two racing creates are
given different blocks.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.network import quotas
from lab.cloud.network import schemas as S
from lab.cloud.network.access import authorize
from lab.cloud.network.common import bad_request, invalid_input, new_project, required, touch
from lab.cloud.network.models import AddressScope, Subnet, SubnetPool, SubnetPoolAllocation

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

BOUNDS = {4: (8, 32), 6: (64, 128)}  # Neutron's default min_prefixlen and the largest prefix length


def pool_visible(ctx: RequestContext) -> ColumnElement[bool]:
    if ctx.is_admin:
        return true()
    return or_(SubnetPool.project_id == ctx.project_id, SubnetPool.shared.is_(True))


def scope_visible(ctx: RequestContext) -> ColumnElement[bool]:
    if ctx.is_admin:
        return true()
    return or_(AddressScope.project_id == ctx.project_id, AddressScope.shared.is_(True))


def get_pool(db: Session, ctx: RequestContext, pool_id: str) -> SubnetPool:
    row = db.scalar(select(SubnetPool).where(SubnetPool.id == pool_id, pool_visible(ctx)))
    if row is None:
        raise NotFound(f"Subnet pool {pool_id} could not be found.", neutron_type="SubnetPoolNotFound")
    return row


def get_scope(db: Session, ctx: RequestContext, scope_id: str) -> AddressScope:
    row = db.scalar(select(AddressScope).where(AddressScope.id == scope_id, scope_visible(ctx)))
    if row is None:
        raise NotFound(f"Address scope {scope_id} could not be found", neutron_type="AddressScopeNotFound")
    return row


def _bounds_error(kind: str, value: int, base_kind: str, base: int) -> BadRequest:
    return BadRequest(f"Illegal prefix bounds: {kind}={value}, {base_kind}={base}.",
                      neutron_type="IllegalSubnetPoolPrefixBounds")


def _prefixes(values: list[str]) -> tuple[int, list[str]]:
    """The pool's prefixes, normalised and collapsed, and their one IP version."""
    if not values:
        raise invalid_input("Subnet pool must have at least one prefix")
    nets = [ipaddress.ip_network(v, strict=False) for v in values]
    versions = {n.version for n in nets}
    if len(versions) > 1:
        raise BadRequest("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.", neutron_type="PrefixVersionMismatch")
    version = versions.pop()
    collapsed = ipaddress.collapse_addresses(nets)  # type: ignore[type-var]
    return version, [str(n) for n in collapsed]


def _check_lengths(version: int, low: int, default: int, high: int) -> None:
    _, largest = BOUNDS[version]
    if not 0 <= low <= largest:
        raise _bounds_error("min_prefixlen", low, "max_prefixlen", largest)
    if not low <= high <= largest:
        raise _bounds_error("max_prefixlen", high, "min_prefixlen", low)
    if not low <= default <= high:
        raise _bounds_error("default_prefixlen", default, "min_prefixlen", low)


def _check_default(db: Session, version: int, other_than: str | None = None) -> None:
    taken = db.scalar(select(SubnetPool.id).where(SubnetPool.is_default.is_(True), SubnetPool.ip_version == version,
                                                  SubnetPool.id != (other_than or "")))
    if taken is not None:
        raise invalid_input("A default subnetpool for this IP family has already been set. Only one default may "
                            "exist per IP family")


def _check_scope(db: Session, ctx: RequestContext, scope_id: str | None, version: int, pool_id: str) -> None:
    if scope_id is None:
        return
    scope = get_scope(db, ctx, scope_id)
    if scope.ip_version != version:
        raise BadRequest(f"Illegal subnetpool association: subnetpool {pool_id} cannot be associated with address "
                         f"scope {scope_id}.", neutron_type="IllegalSubnetPoolAssociationToAddressScope")


def create_pool(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> SubnetPool:
    S.require(attrs, "name", "prefixes")
    wanted_project = new_project(ctx, attrs)
    authorize(svc, ctx, "create_subnetpool", {"project_id": wanted_project},
              [flag for flag in ("shared", "is_default") if attrs.get(flag)])
    project_id = required(wanted_project)
    version, prefixes = _prefixes(attrs["prefixes"])
    low = attrs.get("min_prefixlen", BOUNDS[version][0])
    high = attrs.get("max_prefixlen", BOUNDS[version][1])
    default = attrs.get("default_prefixlen", low)
    _check_lengths(version, low, default, high)
    if attrs.get("is_default"):
        _check_default(db, version)
    now = svc.now()
    quotas.check(svc, db, project_id, "subnetpool")
    row = SubnetPool(project_id=project_id, name=attrs["name"], description=attrs.get("description", ""),
                     ip_version=version, prefixes=prefixes, default_prefixlen=default, min_prefixlen=low,
                     max_prefixlen=high, is_default=attrs.get("is_default", False), shared=attrs.get("shared", False),
                     address_scope_id=attrs.get("address_scope_id"), default_quota=attrs.get("default_quota"),
                     tags=attrs.get("tags", []), created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    _check_scope(db, ctx, row.address_scope_id, version, row.id)
    return row


def update_pool(svc: NetworkService, db: Session, ctx: RequestContext, pool_id: str,
                attrs: dict[str, Any]) -> SubnetPool:
    row = get_pool(db, ctx, pool_id)
    changed = ["is_default"] if "is_default" in attrs and attrs["is_default"] != row.is_default else []
    authorize(svc, ctx, "update_subnetpool", {"project_id": row.project_id}, changed)
    if "prefixes" in attrs:
        version, prefixes = _prefixes(attrs["prefixes"] + list(row.prefixes or []))
        if version != row.ip_version:
            raise BadRequest("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.",
                             neutron_type="PrefixVersionMismatch")
        kept = all(any(ipaddress.ip_network(old).subnet_of(ipaddress.ip_network(new))  # type: ignore[arg-type]
                       for new in _prefixes(attrs["prefixes"])[1]) for old in row.prefixes or [])
        if not kept:
            raise BadRequest(f"Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes "
                             f"({row.prefixes}).", neutron_type="IllegalSubnetPoolPrefixUpdate")
        row.prefixes = prefixes
    low = attrs.get("min_prefixlen", row.min_prefixlen)
    high = attrs.get("max_prefixlen", row.max_prefixlen)
    default = attrs.get("default_prefixlen", row.default_prefixlen)
    _check_lengths(row.ip_version, low, default, high)
    row.min_prefixlen, row.max_prefixlen, row.default_prefixlen = low, high, default
    if attrs.get("is_default"):
        _check_default(db, row.ip_version, row.id)
    if "address_scope_id" in attrs:
        _check_scope(db, ctx, attrs["address_scope_id"], row.ip_version, row.id)
    for key in ("name", "description", "is_default", "address_scope_id", "default_quota"):
        if key in attrs:
            setattr(row, key, attrs[key])
    touch(row, svc.now())
    return row


def delete_pool(svc: NetworkService, db: Session, ctx: RequestContext, pool_id: str) -> None:
    row = get_pool(db, ctx, pool_id)
    authorize(svc, ctx, "delete_subnetpool", {"project_id": row.project_id})
    if db.scalar(select(SubnetPoolAllocation.subnet_id).where(SubnetPoolAllocation.subnetpool_id == row.id)):
        raise Conflict(f"Unable to complete operation on subnet pool {row.id}. Subnet pool has existing "
                       f"allocations.", neutron_type="SubnetPoolInUse")
    db.delete(row)


# ------------------------------------------------------------------------------------------------ allocation
def pool_for_subnet(db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> SubnetPool | None:
    """The pool a subnet create names (`subnetpool_id`, or the default with `use_default_subnetpool`)."""
    if attrs.get("subnetpool_id"):
        return get_pool(db, ctx, attrs["subnetpool_id"])
    if not attrs.get("use_default_subnetpool"):
        return None
    version = attrs.get("ip_version", 4)
    pool = db.scalar(select(SubnetPool).where(SubnetPool.is_default.is_(True), SubnetPool.ip_version == version))
    if pool is None:
        raise bad_request("subnets", f"No default subnetpool found for IPv{version}")
    return pool


def allocate(db: Session, pool: SubnetPool, prefixlen: int | None, cidr: str | None) -> str:
    """A CIDR for a new subnet of `pool`: `cidr` if given (inside the pool, free), else the first free block
    of `prefixlen` (the pool's default when None). Raises Neutron's 400s for a bad length or a CIDR outside
    the pool, and SubnetAllocationError (409) when no block is free."""
    taken = [ipaddress.ip_network(c) for c in db.scalars(select(Subnet.cidr).join(
        SubnetPoolAllocation, SubnetPoolAllocation.subnet_id == Subnet.id).where(
        SubnetPoolAllocation.subnetpool_id == pool.id))]
    prefixes = [ipaddress.ip_network(p) for p in pool.prefixes or []]
    if cidr is not None:
        wanted = ipaddress.ip_network(cidr)
        prefixlen = wanted.prefixlen
    length = pool.default_prefixlen if prefixlen is None else int(prefixlen)
    if not pool.min_prefixlen <= length <= pool.max_prefixlen:
        raise BadRequest(f"Unsupported prefix length: prefixlen={length} is out of the pool's bounds "
                         f"{pool.min_prefixlen}..{pool.max_prefixlen}.", neutron_type="IllegalSubnetPoolPrefixBounds")
    if cidr is not None:
        if not any(wanted.version == p.version and wanted.subnet_of(p) for p in prefixes):  # type: ignore[arg-type]
            raise bad_request("subnets", f"Cidr {cidr} is not within the subnet pool {pool.id}")
        if any(wanted.overlaps(t) for t in taken):
            raise Conflict(f"Failed to allocate subnet: Cidr {cidr} overlaps a subnet of subnet pool {pool.id}.",
                           neutron_type="SubnetAllocationError")
        return str(wanted)
    size = 2 ** ((32 if pool.ip_version == 4 else 128) - length)
    for prefix in prefixes:
        if prefix.prefixlen > length:
            continue
        start, end = int(prefix.network_address), int(prefix.broadcast_address)
        while start + size - 1 <= end:  # each step passes one allocation, so this ends
            block = ipaddress.ip_network((start, length))
            clash = next((t for t in taken if block.overlaps(t)), None)
            if clash is None:
                return str(block)
            after = int(clash.broadcast_address) + 1
            start = -(-after // size) * size
    raise Conflict("Failed to allocate subnet: Insufficient prefix space to allocate subnet size "
                   f"/{length}.", neutron_type="SubnetAllocationError")


def record_allocation(db: Session, pool: SubnetPool, subnet_id: str) -> None:
    db.add(SubnetPoolAllocation(subnet_id=subnet_id, subnetpool_id=pool.id))


def pools_of(db: Session, subnet_ids: list[str]) -> dict[str, str]:
    """subnet id -> the id of the pool it came from (for the subnets that came from one)."""
    if not subnet_ids:
        return {}
    return dict(db.execute(select(SubnetPoolAllocation.subnet_id, SubnetPoolAllocation.subnetpool_id).where(
        SubnetPoolAllocation.subnet_id.in_(subnet_ids))).all())


def network_scopes(db: Session, subnet_ids: list[str]) -> tuple[str | None, str | None]:
    """A network's IPv4 and IPv6 address scopes: those of the pools its subnets came from."""
    pools = set(pools_of(db, subnet_ids).values())
    if not pools:
        return None, None
    scoped = dict(db.execute(select(SubnetPool.ip_version, SubnetPool.address_scope_id).where(
        SubnetPool.id.in_(pools), SubnetPool.address_scope_id.is_not(None))).all())
    return scoped.get(4), scoped.get(6)


# ------------------------------------------------------------------------------------------------ scopes
def create_scope(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> AddressScope:
    S.require(attrs, "name", "ip_version")
    wanted_project = new_project(ctx, attrs)
    authorize(svc, ctx, "create_address_scope", {"project_id": wanted_project},
              ["shared"] if attrs.get("shared") else [])
    row = AddressScope(project_id=required(wanted_project), name=attrs["name"], ip_version=attrs["ip_version"],
                       shared=attrs.get("shared", False))
    db.add(row)
    db.flush()
    return row


def update_scope(svc: NetworkService, db: Session, ctx: RequestContext, scope_id: str,
                 attrs: dict[str, Any]) -> AddressScope:
    row = get_scope(db, ctx, scope_id)
    changed = ["shared"] if "shared" in attrs and attrs["shared"] != row.shared else []
    authorize(svc, ctx, "update_address_scope", {"project_id": row.project_id}, changed)
    if attrs.get("shared") is False and row.shared:
        raise BadRequest("Unsharing of an address scope is not allowed.", neutron_type="BadRequest")
    for key in ("name", "shared"):
        if key in attrs:
            setattr(row, key, attrs[key])
    return row


def delete_scope(svc: NetworkService, db: Session, ctx: RequestContext, scope_id: str) -> None:
    row = get_scope(db, ctx, scope_id)
    authorize(svc, ctx, "delete_address_scope", {"project_id": row.project_id})
    if db.scalar(select(SubnetPool.id).where(SubnetPool.address_scope_id == row.id)) is not None:
        raise Conflict(f"Unable to complete operation on address scope {row.id}. There are one or more subnet pools "
                       f"in use on the address scope.", neutron_type="AddressScopeInUse")
    db.delete(row)


def render(rows: list[SubnetPool]) -> list[dict[str, Any]]:
    return [S.subnetpool(r) for r in rows]


def render_scopes(rows: list[AddressScope]) -> list[dict[str, Any]]:
    return [S.address_scope(r) for r in rows]
