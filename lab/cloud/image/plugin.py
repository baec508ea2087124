"""The image service (Glance v2) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.image.imports import JOBS
from lab.cloud.image.policies import RULES
from lab.cloud.image.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Meter, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("image", "/image", "glance", (CatalogEntry("image", "glance", "/image"),)),
    service="lab.cloud.image.service:ImageService",
    routes="lab.cloud.image.routes",
    policies=RULES,
    jobs=JOBS,
    meters=(Meter("image", "bytes", "images", "0.05", "GB-month"),),
    screens=(Screen("images", "Images", "lab.tui.screens.images:ImagesScreen", frozenset({"image"}), order=20),),
    tempest=TEMPEST,
)
