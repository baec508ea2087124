"""Object storage behaviour (Swift v1 subset): a facade over the per-resource modules (containers.py for the
account and its containers, objects.py for objects), holding the lab's object store (store.py), plus the
service hooks: the start-up sweep of unreferenced files, the student reset and what a project holds.

Swift's semantics are kept where a student meets them: an account exists once its project writes, a listing
is sorted by the names' bytes, a container is deleted only when empty (409), and another project's users and
anonymous requests get only what the container's ACLs grant (access.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.db import count
from lab.cloud.events import record
from lab.cloud.object import bulk, containers, objects, tempurl
from lab.cloud.object.access import Caller, is_owner, project_of
from lab.cloud.object.bulk import ExtractResult
from lab.cloud.object.containers import AccountView, ContainerSettings, ContainerView
from lab.cloud.object.models import SwiftAccount, SwiftContainer, SwiftObject
from lab.cloud.object.objects import BulkResult, ObjectView, Upload
from lab.cloud.object.schemas import ListingQuery, MetaChange
from lab.cloud.object.store import ObjectStore
from lab.cloud.plugin import Purge

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class ObjectService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.store = ObjectStore(cloud.settings.data_dir / "objects")

    # ------------------------------------------------------------------------------- account, containers
    def account_info(self, caller: Caller, account: str) -> AccountView:
        return containers.account_info(self, caller, account)

    def list_containers(self, caller: Caller, account: str,
                        q: ListingQuery) -> tuple[AccountView, list[dict[str, Any]]]:
        return containers.list_containers(self, caller, account, q)

    def update_account(self, caller: Caller, account: str, change: MetaChange, quota: str | None) -> None:
        containers.update_account(self, caller, account, change, quota)

    def create_container(self, caller: Caller, account: str, name: str, change: MetaChange,
                         settings: ContainerSettings) -> bool:
        return containers.create_container(self, caller, account, name, change, settings)

    def container_info(self, caller: Caller, account: str, name: str) -> ContainerView:
        return containers.container_info(self, caller, account, name)

    def list_objects(self, caller: Caller, account: str, name: str,
                     q: ListingQuery) -> tuple[ContainerView, list[dict[str, Any]]]:
        return containers.list_objects(self, caller, account, name, q)

    def list_versions(self, caller: Caller, account: str, name: str,
                      q: ListingQuery) -> tuple[ContainerView, list[dict[str, Any]]]:
        return containers.list_versions(self, caller, account, name, q)

    def update_container(self, caller: Caller, account: str, name: str, change: MetaChange,
                         settings: ContainerSettings) -> None:
        containers.update_container(self, caller, account, name, change, settings)

    def delete_container(self, caller: Caller, account: str, name: str) -> None:
        containers.delete_container(self, caller, account, name)

    # ---------------------------------------------------------------------------------------------- objects
    async def put_object(self, caller: Caller, account: str, container: str, name: str, upload: Upload,
                         chunks: AsyncIterator[bytes] | None) -> SwiftObject:
        return await objects.put_object(self, caller, account, container, name, upload, chunks)

    async def put_manifest(self, caller: Caller, account: str, container: str, name: str, upload: Upload,
                           body: bytes) -> SwiftObject:
        return await objects.put_manifest(self, caller, account, container, name, upload, body)

    def delete_manifest(self, caller: Caller, account: str, container: str, name: str) -> BulkResult:
        return objects.delete_manifest(self, caller, account, container, name)

    def get_object(self, caller: Caller, account: str, container: str, name: str,
                   manifest_itself: bool = False, version_id: str | None = None) -> ObjectView:
        return objects.get_object(self, caller, account, container, name, manifest_itself, version_id)

    def update_object(self, caller: Caller, account: str, container: str, name: str, upload: Upload) -> None:
        objects.update_object(self, caller, account, container, name, upload)

    def delete_object(self, caller: Caller, account: str, container: str, name: str,
                      version_id: str | None = None) -> str | None:
        return objects.delete_object(self, caller, account, container, name, version_id)

    def bulk_delete(self, caller: Caller, account: str, paths: list[str]) -> BulkResult:
        return objects.bulk_delete(self, caller, account, paths)

    async def extract_archive(self, caller: Caller, account: str, base: str, fmt: str,
                              body: AsyncIterator[bytes], meta: MetaChange, delete_at: int | None,
                              delete_after: int | None) -> ExtractResult:
        return await bulk.extract(self, caller, account, base, fmt, body, meta, delete_at, delete_after)

    def is_swift_owner(self, caller: Caller, account: str) -> bool:
        """May the caller change the account (Swift's swift_owner: sees ACLs and temp URL keys)?"""
        return is_owner(self.cloud.policy, caller, "object_store:update_account", project_of(account))

    def temp_url_caller(self, method: str, mount: str, path: str, query: Mapping[str, str],
                        referrer: str | None) -> Caller:
        return tempurl.caller_for(self, method, mount, path, query, referrer)

    # ------------------------------------------------------------------------- hooks (lab/cloud/plugin.py)
    def recover(self) -> None:
        """Remove partial uploads and files no object refers to (a process killed mid-upload or mid-delete)."""
        with self.cloud.db.read() as db:
            known = set(db.scalars(select(SwiftObject.blob)))
        self.store.sweep(known)

    def purge_project(self, purge: Purge) -> None:
        """The project's containers and objects and its account metadata; a delete event per container."""
        db = purge.db
        blobs: list[str] = []
        for c in db.scalars(select(SwiftContainer).where(SwiftContainer.project_id == purge.project_id)):
            rows = list(db.scalars(select(SwiftObject).where(SwiftObject.container_id == c.id)))
            blobs += [o.blob for o in rows]
            purge.removed["objects"] += len(rows)
            db.execute(delete(SwiftObject).where(SwiftObject.container_id == c.id))
            record(db, purge.now, project_id=c.project_id, user_id="system", resource_type="container",
                   resource_id=c.id, action="delete", size=0, name=c.name)
            db.delete(c)
            purge.removed["containers"] += 1
        db.execute(delete(SwiftAccount).where(SwiftAccount.project_id == purge.project_id))
        purge.leftovers["object"] = blobs
        db.flush()

    def after_purge(self, leftovers: list[str]) -> None:
        self.store.remove(leftovers)

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {"containers": count(db, SwiftContainer, SwiftContainer.project_id == project_id)}
