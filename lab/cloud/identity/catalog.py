"""Keystone's catalog resources: regions, services and endpoints (what `openstack region/service/endpoint`
commands manage), and the catalog built from them that every token carries.

Endpoint URLs starting with '/' are relative to the lab's public URL, so a lab moved to another port keeps a
working catalog; the API shows them absolute, as Keystone stores them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.db import new_hex_id
from lab.cloud.errors import BadRequest, Conflict, Forbidden, NotFound
from lab.cloud.identity import schemas
from lab.cloud.identity.base import IdentityCore
from lab.cloud.identity.extensions import EndpointGroups
from lab.cloud.identity.models import CatalogService, Endpoint, Region


class Catalog:
    """Regions, services, endpoints and the token catalog (`identity.catalog`)."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    # ---------------------------------------------------------------- the token's catalog
    def auth_catalog(self, ctx: RequestContext) -> list[dict[str, Any]]:
        """GET /v3/auth/catalog: the catalog of the caller's token."""
        self.cloud.policy.enforce(ctx, "identity:get_auth_catalog")
        with self.cloud.db.read() as db:
            return self.token_catalog(db, ctx.project_id)

    def token_catalog(self, db: Session, project_id: str | None) -> list[dict[str, Any]]:
        """The catalog as it appears in a token and in GET /v3/auth/catalog.

        Two statements, not one per service (every token issue builds it): the endpoints come from one scan of
        their table, so each service's keep the order a scan of that service's alone gave them."""
        base = self.cloud.settings.endpoint
        by_service: dict[str, list[dict[str, Any]]] = {}
        allowed = EndpointGroups.filtered_ids(db, project_id)  # OS-EP-FILTER: None when unfiltered
        for ep_id, service_id, interface, region_id, url in db.execute(
                select(Endpoint.id, Endpoint.service_id, Endpoint.interface, Endpoint.region_id, Endpoint.url)
                .where(Endpoint.enabled.is_(True))):
            if allowed is not None and ep_id not in allowed:
                continue
            by_service.setdefault(service_id, []).append({
                "id": ep_id, "interface": interface, "region": region_id, "region_id": region_id,
                "url": self.endpoint_url(url, project_id, base)})
        return [{"id": service_id, "type": type_, "name": name, "endpoints": by_service.get(service_id, [])}
                for service_id, type_, name in db.execute(
                    select(CatalogService.id, CatalogService.type, CatalogService.name)
                    .where(CatalogService.enabled.is_(True)).order_by(CatalogService.type))
                if allowed is None or service_id in by_service]

    @staticmethod
    def endpoint_url(url: str, project_id: str | None, base: str) -> str:
        full = base + url if url.startswith("/") else url
        if "$(project_id)s" in full and project_id is not None:
            full = full.replace("$(project_id)s", project_id).rstrip("/")
        return full

    def absolute_url(self, url: str) -> str:
        """An endpoint's URL as the admin API shows it (the project placeholder left in, as Keystone does)."""
        return self.cloud.settings.endpoint + url if url.startswith("/") else url

    # ---------------------------------------------------------------- regions
    def list_regions(self, ctx: RequestContext, parent_region_id: str | None = None) -> list[Region]:
        self.cloud.policy.enforce(ctx, "identity:list_regions")
        query = select(Region).order_by(Region.id)
        if parent_region_id is not None:
            query = query.where(Region.parent_region_id == parent_region_id)
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get_region(self, ctx: RequestContext, region_id: str) -> Region:
        self.cloud.policy.enforce(ctx, "identity:get_region")
        with self.cloud.db.read() as db:
            return self.core.find(db, Region, region_id)

    def create_region(self, ctx: RequestContext, req: schemas.RegionCreate, region_id: str | None = None) -> Region:
        """POST /v3/regions (id optional: a new one is made) or PUT /v3/regions/{id}."""
        self.cloud.policy.enforce(ctx, "identity:create_region")
        if region_id is not None and req.id is not None and req.id != region_id:
            raise BadRequest("Conflicting region IDs specified: the URL and the body name different regions.")
        new = region_id or req.id or new_hex_id()
        with self.cloud.db.write() as db:
            if db.get(Region, new) is not None:
                raise Conflict(f"Conflict occurred attempting to store region - Duplicate ID, {new}.")
            if req.parent_region_id:
                self._check_parent(db, new, req.parent_region_id)
            region = Region(id=new, description=req.description or "", parent_region_id=req.parent_region_id)
            db.add(region)
            db.flush()
        return region

    def update_region(self, ctx: RequestContext, region_id: str, req: schemas.RegionUpdate) -> Region:
        self.cloud.policy.enforce(ctx, "identity:update_region")
        with self.cloud.db.write() as db:
            region = self.core.find(db, Region, region_id)
            if "description" in req.given:
                region.description = req.description or ""
            if "parent_region_id" in req.given:
                if req.parent_region_id:
                    self._check_parent(db, region_id, req.parent_region_id)
                region.parent_region_id = req.parent_region_id
        return region

    def delete_region(self, ctx: RequestContext, region_id: str) -> None:
        """Delete a region with its child regions, as Keystone does; 403 while any of them has endpoints."""
        self.cloud.policy.enforce(ctx, "identity:delete_region")
        with self.cloud.db.write() as db:
            self.core.find(db, Region, region_id)
            subtree, frontier = {region_id}, [region_id]
            for _ in range(100):  # bounded: region trees are shallow
                if not frontier:
                    break
                frontier = [r for r in db.scalars(select(Region.id).where(Region.parent_region_id.in_(frontier)))
                            if r not in subtree]
                subtree.update(frontier)
            if db.scalar(select(Endpoint.id).where(Endpoint.region_id.in_(subtree)).limit(1)):
                raise Forbidden(f"Unable to delete region {region_id} because it or its child regions have "
                                "associated endpoints.")
            db.execute(delete(Region).where(Region.id.in_(subtree)))

    @staticmethod
    def _check_parent(db: Session, region_id: str, parent_id: str) -> None:
        seen = {region_id}
        current: str | None = parent_id
        for _ in range(100):  # a region tree is shallow; bounded in case the data has a cycle
            if current is None:
                return
            if current in seen:
                raise BadRequest(f"Circular reference or a repeated entry found in region tree - {parent_id}.")
            seen.add(current)
            parent = db.get(Region, current)
            if parent is None:
                raise NotFound(f"Could not find region: {current}.")
            current = parent.parent_region_id

    # ---------------------------------------------------------------- services
    def list_services(self, ctx: RequestContext, type_: str | None = None,
                      name: str | None = None) -> list[CatalogService]:
        self.cloud.policy.enforce(ctx, "identity:list_services")
        query = select(CatalogService).order_by(CatalogService.type)
        if type_ is not None:
            query = query.where(CatalogService.type == type_)
        if name is not None:
            query = query.where(CatalogService.name == name)
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get_service(self, ctx: RequestContext, service_id: str) -> CatalogService:
        self.cloud.policy.enforce(ctx, "identity:get_service")
        with self.cloud.db.read() as db:
            return self.core.find(db, CatalogService, service_id)

    def create_service(self, ctx: RequestContext, req: schemas.ServiceCreate) -> CatalogService:
        self.cloud.policy.enforce(ctx, "identity:create_service")
        with self.cloud.db.write() as db:
            service = CatalogService(type=req.type, name=req.name or "", description=req.description,
                                     enabled=req.enabled)
            db.add(service)
            db.flush()
        return service

    def update_service(self, ctx: RequestContext, service_id: str, req: schemas.ServiceUpdate) -> CatalogService:
        self.cloud.policy.enforce(ctx, "identity:update_service")
        with self.cloud.db.write() as db:
            service = self.core.find(db, CatalogService, service_id)
            for key in ("type", "name", "description", "enabled"):
                if key in req.given and (getattr(req, key) is not None or key == "description"):
                    setattr(service, key, getattr(req, key))
        return service

    def delete_service(self, ctx: RequestContext, service_id: str) -> None:
        """Delete a service and its endpoints (Keystone cascades them)."""
        self.cloud.policy.enforce(ctx, "identity:delete_service")
        with self.cloud.db.write() as db:
            service = self.core.find(db, CatalogService, service_id)
            db.execute(delete(Endpoint).where(Endpoint.service_id == service_id))
            db.delete(service)

    # ---------------------------------------------------------------- endpoints
    def list_endpoints(self, ctx: RequestContext, filters: dict[str, Any]) -> list[Endpoint]:
        """GET /v3/endpoints: filters interface, service_id, region_id."""
        self.cloud.policy.enforce(ctx, "identity:list_endpoints")
        query = select(Endpoint).order_by(Endpoint.service_id, Endpoint.interface)
        for key in ("interface", "service_id", "region_id"):
            if filters.get(key) is not None:
                query = query.where(getattr(Endpoint, key) == filters[key])
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get_endpoint(self, ctx: RequestContext, endpoint_id: str) -> Endpoint:
        self.cloud.policy.enforce(ctx, "identity:get_endpoint")
        with self.cloud.db.read() as db:
            return self.core.find(db, Endpoint, endpoint_id)

    def create_endpoint(self, ctx: RequestContext, req: schemas.EndpointCreate) -> Endpoint:
        self.cloud.policy.enforce(ctx, "identity:create_endpoint")
        with self.cloud.db.write() as db:
            if db.get(CatalogService, req.service_id) is None:
                raise BadRequest(f"Could not find service: {req.service_id}.")
            region_id = req.region_id or req.region
            if region_id is not None and db.get(Region, region_id) is None:
                db.add(Region(id=region_id, description=""))  # Keystone makes a missing region on the fly
            endpoint = Endpoint(service_id=req.service_id, interface=req.interface, url=req.url,
                                region_id=region_id, enabled=req.enabled)
            db.add(endpoint)
            db.flush()
        return endpoint

    def update_endpoint(self, ctx: RequestContext, endpoint_id: str, req: schemas.EndpointUpdate) -> Endpoint:
        self.cloud.policy.enforce(ctx, "identity:update_endpoint")
        with self.cloud.db.write() as db:
            endpoint = self.core.find(db, Endpoint, endpoint_id)
            if req.service_id is not None:
                if db.get(CatalogService, req.service_id) is None:
                    raise BadRequest(f"Could not find service: {req.service_id}.")
                endpoint.service_id = req.service_id
            region_id = req.region_id or req.region
            if region_id is not None:
                if db.get(Region, region_id) is None:
                    db.add(Region(id=region_id, description=""))
                endpoint.region_id = region_id
            for key in ("interface", "url", "enabled"):
                if getattr(req, key) is not None:
                    setattr(endpoint, key, getattr(req, key))
        return endpoint

    def delete_endpoint(self, ctx: RequestContext, endpoint_id: str) -> None:
        self.cloud.policy.enforce(ctx, "identity:delete_endpoint")
        with self.cloud.db.write() as db:
            db.delete(self.core.find(db, Endpoint, endpoint_id))
