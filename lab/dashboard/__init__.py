"""The web dashboard: the real OpenStack Horizon (Django) served beside the lab's API, configured for one lab.

Horizon runs in a virtual environment of its own (`.venv-dashboard`, made by scripts/setup.sh): its Zed release
pins Django 3.2 and older client libraries than the lab's. This package only writes its settings into the lab's
data directory and starts it under gunicorn; `wsgi/stacklab_horizon_wsgi.py` is the one module that runs inside
Horizon's Python, so it imports nothing from the lab.
"""
