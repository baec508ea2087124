"""Static websites (Swift's staticweb) through the HTTP API in process: a public container's index pages,
listings, error pages and folder redirects for a browser (no token), while a token sees the plain API."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.cloud.object_support import Swift, account_path


@pytest.fixture
def site(client: TestClient, demo_token: str) -> tuple[Swift, Swift]:
    """demo's container `site` with pages in it, public and listable; (as demo, as a browser)."""
    demo = Swift(client, account_path(client, demo_token), demo_token)
    demo("PUT", "/site", headers={"X-Container-Read": ".r:*,.rlistings"})
    for name, body in {"index.html": b"<h1>home</h1>", "docs/index.html": b"<h1>docs</h1>",
                       "docs/guide.txt": b"read me", "files/a.txt": b"a" * 2048, "404error.html": b"<h1>lost</h1>",
                       "files/sub/b.txt": b"b"}.items():
        demo("PUT", f"/site/{name}", content=body)
    return demo, Swift(client, demo.account, None)


def test_index_pages_and_folder_redirects(site: tuple[Swift, Swift]) -> None:
    demo, browser = site
    # Nothing configured: a browser gets the API's listing (the ACL has .rlistings).
    assert browser("GET", "/site").text.split()[0] == "404error.html"
    demo("POST", "/site", headers={"X-Container-Meta-Web-Index": "index.html"})
    r = browser("GET", "/site", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"].endswith(f"{demo.account}/site/")
    r = browser("GET", "/site/")
    assert (r.status_code, r.content, r.headers["content-type"]) == (200, b"<h1>home</h1>", "text/html")
    assert browser("GET", "/site/docs", follow_redirects=False).headers["location"].endswith("/site/docs/")
    assert browser("GET", "/site/docs/").content == b"<h1>docs</h1>"
    assert browser("GET", "/site/docs/guide.txt").content == b"read me"  # a page is served as itself
    assert browser("HEAD", "/site/").headers["content-length"] == str(len(b"<h1>home</h1>"))
    # A token sees the API: the container's listing; X-Web-Mode asks for the site.
    assert "docs/index.html" in demo("GET", "/site/").text.split()
    assert demo("GET", "/site/", headers={"X-Web-Mode": "true"}).content == b"<h1>home</h1>"
    # A folder without an index and without listings is missing.
    assert browser("GET", "/site/files/").status_code == 404


def test_listings_css_label_and_error_pages(site: tuple[Swift, Swift]) -> None:
    demo, browser = site
    demo("POST", "/site", headers={"X-Container-Meta-Web-Listings": "true",
                                   "X-Container-Meta-Web-Listings-CSS": "style.css"})
    r = browser("GET", "/site/")
    page = r.text
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=UTF-8"
    assert f"<title>Listing of {demo.account}/site/</title>" in page
    assert '<link rel="stylesheet" type="text/css" href="style.css" />' in page
    assert '<a href="docs/">docs/</a>' in page and '<a href="index.html">index.html</a>' in page
    files = browser("GET", "/site/files/").text
    assert '<a href="../">../</a>' in files and '<a href="sub/">sub/</a>' in files
    assert '<td class="colsize">2Ki</td>' in files and 'href="../style.css"' in files
    assert 'class="item type-text type-plain"' in files
    assert browser("GET", "/site/files", follow_redirects=False).status_code == 301
    demo("POST", "/site", headers={"X-Container-Meta-Web-Listings-Label": "Downloads"})
    assert "<h1 id=\"title\">Listing of Downloadsfiles/</h1>" in browser("GET", "/site/files/").text
    # A missing page: the plain 404, then the site's error page with status 404.
    assert browser("GET", "/site/nope.html").status_code == 404
    demo("POST", "/site", headers={"X-Container-Meta-Web-Error": "error.html"})
    r = browser("GET", "/site/nope.html")
    assert (r.status_code, r.content) == (404, b"<h1>lost</h1>")
    assert browser("GET", "/site/nothing/here/").status_code == 404


def test_a_private_site_shows_nothing(site: tuple[Swift, Swift]) -> None:
    demo, browser = site
    demo("POST", "/site", headers={"X-Container-Meta-Web-Index": "index.html", "X-Container-Read": ".r:*",
                                   "X-Container-Meta-Web-Listings": "true", "X-Container-Meta-Web-Error": "error.html"})
    assert browser("GET", "/site/files/").status_code == 401  # listings need .rlistings
    demo("POST", "/site", headers={"X-Remove-Container-Read": "x"})
    for path in ("/site/", "/site/index.html", "/site/docs/", "/site/nope"):
        r = browser("GET", path)
        assert r.status_code == 401 and b"home" not in r.content and b"lost" not in r.content, path
