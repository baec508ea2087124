"""Checks for lab 3.7: lab-site is public and served as a web site to a browser (no token): its index page,
a folder's page and its error page."""

import httpx


def _site_url(env):
    return env.conn.object_store.get_endpoint().rstrip("/") + "/lab-site"


def _object(env, name):
    """The object's data as the owner reads it, or None."""
    response = env.conn.object_store.get(f"/lab-site/{name}", raise_exc=False)
    return response.content if response.status_code == 200 else None


def _browse(env, path):
    return httpx.get(_site_url(env) + path, timeout=30, follow_redirects=True)  # deliberately no token


def check_public(env):
    """Container lab-site exists and anyone may read it (.r:*)."""
    response = env.conn.object_store.head("/lab-site", raise_exc=False)
    assert response.status_code < 300, "no container called lab-site"
    read_acl = response.headers.get("X-Container-Read", "").replace(" ", "").split(",")
    assert ".r:*" in read_acl, "lab-site's read ACL has no .r:*: a browser cannot read it"


def check_index(env):
    """A browser opening lab-site/ gets its index.html."""
    page = _object(env, "index.html")
    assert page, "lab-site has no (non-empty) index.html"
    response = _browse(env, "/")
    assert response.status_code == 200, f"lab-site/ answered a browser with HTTP {response.status_code}"
    assert response.content == page, "lab-site/ does not show index.html: is the container's web-index set?"


def check_folder(env):
    """A browser opening lab-site/docs gets docs/index.html."""
    page = _object(env, "docs/index.html")
    assert page, "lab-site has no (non-empty) docs/index.html"
    response = _browse(env, "/docs")
    assert response.status_code == 200 and response.content == page, \
        f"lab-site/docs does not show docs/index.html (HTTP {response.status_code})"


def check_error(env):
    """A missing page of lab-site answers 404 with the site's error page."""
    page = _object(env, "404error.html")
    assert page, "lab-site has no (non-empty) 404error.html"
    response = _browse(env, "/no-such-page-here.html")
    assert response.status_code == 404, f"a missing page answered HTTP {response.status_code}"
    assert response.content == page, "a missing page does not show 404error.html: is web-error set?"
