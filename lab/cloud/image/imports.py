"""Glance's interoperable image import (`openstack image create --import`, `image stage`, `image import`):
GET /v2/info/import and /v2/info/stores, PUT /v2/images/{id}/stage, POST /v2/images/{id}/import with the
methods `glance-direct` (the staged data) and `web-download` (a URL), and the import tasks of an image
(GET /v2/images/{id}/tasks).

Statuses as in Glance: queued -> (stage) uploading -> (import) importing -> active; a failed import goes back
to where it started (queued or uploading) and its task says why. The import itself runs in the worker, as
Glance's taskflow does, so the 202 comes at once.

`web-download` must not reach the internet (the lab is a classroom: no student may make it fetch from
outside, and tests are hermetic). Glance has import filtering for this (`[import_filtering_opts]` allowed
hosts); the lab's filter allows only http(s) URLs on loopback addresses (127.0.0.0/8, ::1, localhost) and on the
lab's own endpoint host, and follows no redirects (a redirect could leave the filter). A refused URL is
Glance's 400 before anything changes; course/compute.md tells the student how to serve a file locally.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.cloud import worker
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.image.models import Image, ImageTask
from lab.cloud.image.store import ImageStore

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.image.service import ImageService

METHODS = ("glance-direct", "web-download")
STORE = "file"  # the one store (Glance's file backend under the lab's data directory)
DOWNLOAD_TIMEOUT = 60.0


def allowed_uri(uri: str, lab_endpoint: str) -> bool:
    """Whether web-download may fetch `uri`: http(s) on a loopback address or on the lab's own host."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    host = parsed.hostname
    if host == "localhost" or host == urllib.parse.urlparse(lab_endpoint).hostname:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        raise OSError("the URL redirects, and web-download follows no redirects here")


class ImageImports:
    def __init__(self, cloud: Cloud, service: ImageService):
        self.cloud = cloud
        self.service = service
        self.staging = ImageStore(cloud.settings.data_dir / "images-staging")

    # ------------------------------------------------------------------ stage
    async def stage(self, ctx: RequestContext, image_id: str, chunks: AsyncIterator[bytes],
                    content_length: int | None) -> None:
        """PUT /v2/images/{id}/stage: the data waits in the staging area; queued -> uploading."""
        disk_format = self.service.begin_receiving(ctx, image_id, "modify_image", "uploading", content_length)
        try:
            await self.staging.receive(image_id, chunks, disk_format, self.cloud.settings.image_size_cap)
        except BaseException:
            self.service.stop_receiving(image_id, "uploading")
            raise

    # ------------------------------------------------------------------ import
    def import_image(self, ctx: RequestContext, image_id: str, method: str, uri: str | None,
                     stores: list[str] | None) -> None:
        """POST /v2/images/{id}/import: Glance's checks (the method, the image's status, the URL), then the
        image is `importing` and the worker does the import (a task records it)."""
        if method not in METHODS:
            raise BadRequest(f"Import method {method} is not valid for this cloud; valid methods: "
                             f"{', '.join(METHODS)}")
        for store in stores or []:
            if store != STORE:
                raise BadRequest(f"Unknown backend store: {store}")
        if method == "web-download":
            if not uri:
                raise BadRequest("URI is required for web-download import method. Please specify 'uri' in the "
                                 "request body.")
            if not allowed_uri(uri, self.cloud.settings.endpoint):
                raise BadRequest(f"URI for web-download does not pass filtering: {uri} (this lab imports only "
                                 "from itself: 127.0.0.1, localhost or its own address)")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            img = self.service.access.get(db, ctx, image_id)
            self.service.access.authorize(ctx, "modify_image", img.owner)
            if img.disk_format is None or img.container_format is None:
                raise BadRequest("'disk_format' needs to be set before import")
            expected = "uploading" if method == "glance-direct" else "queued"
            if img.status != expected:
                raise Conflict("Image needs to be staged before 'glance-direct' method can be used"
                               if method == "glance-direct" else
                               f"Image status must be 'queued' for 'web-download' (it is '{img.status}')")
            img.status, img.updated_at = "importing", now
            task = ImageTask(image_id=image_id, owner=img.owner, user_id=ctx.user_id, request_id=ctx.request_id,
                             status="pending", input={"image_id": image_id, "import_req": {
                                 "method": {"name": method, **({"uri": uri} if uri else {})}},
                                 "backend": [STORE]}, created_at=now, updated_at=now)
            db.add(task)
            db.flush()
            worker.enqueue(db, now, "image.import", image_id, task_id=task.id, method=method, uri=uri,
                           back_to=expected)
        self.cloud.worker.wake()

    def tasks(self, ctx: RequestContext, image_id: str) -> list[ImageTask]:
        """GET /v2/images/{id}/tasks (2.12): the image's import tasks, newest first."""
        with self.cloud.db.read() as db:
            img = self.service.access.get(db, ctx, image_id)
            self.service.access.authorize(ctx, "get_image", img.owner)
            return list(db.scalars(select(ImageTask).where(ImageTask.image_id == image_id)
                                   .order_by(ImageTask.created_at.desc())))

    def all_tasks(self, ctx: RequestContext) -> list[ImageTask]:
        """GET /v2/tasks: every task, newest first; operators only (Glance's `tasks_api_access`)."""
        self.service.access.authorize(ctx, "tasks_api_access")
        with self.cloud.db.read() as db:
            return list(db.scalars(select(ImageTask).order_by(ImageTask.created_at.desc(), ImageTask.id)))

    def get_task(self, ctx: RequestContext, task_id: str) -> ImageTask:
        self.service.access.authorize(ctx, "tasks_api_access")
        with self.cloud.db.read() as db:
            task = db.get(ImageTask, task_id)
            if task is None:
                raise NotFound(f"Task with the given id {task_id} was not found")
            return task

    # ------------------------------------------------------------------ the worker's part
    def run(self, task_id: str, image_id: str, method: str, uri: str | None, back_to: str) -> None:
        self._task(task_id, "processing", "")
        part = self.staging.root / f"{image_id}.fetch"
        try:
            if method == "glance-direct":
                source = self.staging.path(image_id)
                if not source.is_file():
                    raise OSError("the staged data is gone")
            else:
                assert uri is not None
                self._download(uri, part)
                source = part
            with self.cloud.db.write() as db:
                img = db.get(Image, image_id)
                if img is None or img.status != "importing":
                    source.unlink(missing_ok=True)
                    self._task(task_id, "failure", "The image was deleted during its import.", db=db)
                    return
                stored = self.service.store.adopt(image_id, source, img.disk_format)
                self.service.activate(db, img, stored, self.cloud.clock.now(), None)
            self._task(task_id, "success", "")
        except (OSError, ValueError) as exc:
            part.unlink(missing_ok=True)
            self.fail(task_id, image_id, back_to, f"Import of image {image_id} failed: {exc}")

    def fail(self, task_id: str, image_id: str, back_to: str, message: str) -> None:
        with self.cloud.db.write() as db:
            img = db.get(Image, image_id)
            if img is not None and img.status == "importing":
                img.status, img.updated_at = back_to, self.cloud.clock.now()
            self._task(task_id, "failure", message[:1000], db=db)

    def _download(self, uri: str, dest: Path) -> None:
        """Fetch `uri` (already filtered) into `dest`, within the size cap, following no redirect."""
        cap = self.cloud.settings.image_size_cap
        opener = urllib.request.build_opener(_NoRedirects)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with opener.open(uri, timeout=DOWNLOAD_TIMEOUT) as response, dest.open("wb") as out:
            size = 0
            while chunk := response.read(1024 * 1024):
                size += len(chunk)
                if size > cap:
                    raise ValueError(f"the data is larger than the image size cap of {cap} bytes")
                out.write(chunk)

    def _task(self, task_id: str, status: str, message: str, db: Any = None) -> None:
        def change(session: Any) -> None:
            task = session.get(ImageTask, task_id)
            if task is not None:
                task.status, task.message, task.updated_at = status, message, self.cloud.clock.now()
        if db is not None:
            change(db)
            return
        with self.cloud.db.write() as session:
            change(session)

    def forget(self, image_id: str) -> None:
        """A deleted image: its staged data goes (its tasks stay, as Glance keeps tasks until they expire)."""
        self.staging.remove(image_id)
        (self.staging.root / f"{image_id}.fetch").unlink(missing_ok=True)


JOBS: worker.Jobs = {}


def _imports(cloud: Cloud) -> ImageImports:
    from lab.cloud.image.service import ImageService

    service = cloud.services["image"]
    assert isinstance(service, ImageService)
    return service.imports


@worker.job(JOBS, "image.import", on_failure=lambda cloud, job, detail: _imports(cloud).fail(
    job.payload["task_id"], job.resource_id, job.payload.get("back_to", "queued"), detail))
def _import_job(cloud: Cloud, job: worker.JobSpec) -> None:
    p = job.payload
    _imports(cloud).run(p["task_id"], job.resource_id, p["method"], p.get("uri"), p.get("back_to", "queued"))
