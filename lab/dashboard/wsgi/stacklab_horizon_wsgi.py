"""The WSGI application gunicorn serves: Horizon, with its collected static files served by WhiteNoise.

Runs inside Horizon's own Python (see `lab.dashboard`), with the lab's generated `local` package (its
local_settings.py) first on sys.path: Horizon's settings module imports `local.local_settings`.
"""

import os
import re

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstack_dashboard.settings")

from django.conf import settings  # noqa: E402 - after DJANGO_SETTINGS_MODULE
from django.core.wsgi import get_wsgi_application  # noqa: E402
from whitenoise import WhiteNoise  # noqa: E402

# Django serves no static files with DEBUG off, and the lab has no web server in front of gunicorn.
_static = WhiteNoise(get_wsgi_application(), root=settings.STATIC_ROOT, prefix=settings.STATIC_URL, max_age=3600)


def application(environ, start_response):
    """Merge repeated slashes in a static file's path, as the web servers Horizon is deployed behind do
    (Apache's MergeSlashes, nginx's merge_slashes): Horizon's images panel asks for
    `/static/app/core/images//actions/...` (its base path ends with a slash), which WhiteNoise alone answers 404,
    leaving the panel without its batch actions (Create Image among them)."""
    path = environ.get("PATH_INFO", "")
    if path.startswith(settings.STATIC_URL) and "//" in path:
        environ["PATH_INFO"] = re.sub("/{2,}", "/", path)
    return _static(environ, start_response)
