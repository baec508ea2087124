"""The WSGI application gunicorn serves: Horizon, with its collected static files served by WhiteNoise.

Runs inside Horizon's own Python (see `lab.dashboard`), with the lab's generated `local` package (its
local_settings.py) first on sys.path: Horizon's settings module imports `local.local_settings`.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstack_dashboard.settings")

from django.conf import settings  # noqa: E402 - after DJANGO_SETTINGS_MODULE
from django.core.wsgi import get_wsgi_application  # noqa: E402
from whitenoise import WhiteNoise  # noqa: E402

# Django serves no static files with DEBUG off, and the lab has no web server in front of gunicorn.
application = WhiteNoise(get_wsgi_application(), root=settings.STATIC_ROOT,
                         prefix=settings.STATIC_URL, max_age=3600)
