"""Static websites (Swift's staticweb middleware): a public container served as a web site, configured by its
metadata

    X-Container-Meta-Web-Index: index.html        served for the container's URL and for each "folder" in it
    X-Container-Meta-Web-Listings: true           an HTML listing where there is no index page
    X-Container-Meta-Web-Listings-CSS: site.css   the listing's style sheet (relative to the container)
    X-Container-Meta-Web-Listings-Label: Files    the listing's title, in place of the path
    X-Container-Meta-Web-Error: error.html        `404error.html` is shown (with status 404) for a missing page
    X-Container-Meta-Web-Directory-Type           the content type of a folder marker object (application/directory)

It answers only a GET or HEAD without a token (what a browser sends), or one with `X-Web-Mode: true`; with a
token the container and its objects answer as the API always does. A site's pages are read with the
caller's own access, so a site must be public (`.r:*`; listings also `.rlistings`). As in Swift, a folder's
URL without its trailing slash is redirected (301) to the one with it, a missing page is the site's error page
only when the site has an index or listings, and any other refusal is the plain one.

The decision is made here (`plan_container`, `plan_object`); routes.py serves the object, page or redirect."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from lab.cloud.object.access import Caller, project_of
from lab.cloud.object.containers import find
from lab.cloud.object.schemas import LISTING_LIMIT, ListingQuery, SwiftError

if TYPE_CHECKING:
    from lab.cloud.object.service import ObjectService

TRUE = ("true", "1", "yes", "on", "t", "y")


@dataclass(frozen=True)
class Site:
    index: str
    listings: bool
    error: str
    css: str
    label: str
    directory_type: str

    @property
    def configured(self) -> bool:
        return bool(self.index or self.listings)


@dataclass(frozen=True)
class Plan:
    """What the request gets: an object (`name`, with `status` in place of 200 for an error page), an HTML
    listing, a redirect to the path with a trailing slash, or a plain error `status`."""

    kind: Literal["object", "listing", "redirect", "error"]
    name: str = ""
    status: int = 200
    html: str = ""


def site_of(svc: ObjectService, account: str, container: str) -> Site | None:
    """The container's site settings (read as Swift reads container info: whoever asks), None if no such
    container."""
    with svc.cloud.db.read() as db:
        c = find(db, project_of(account), container)
        meta: dict[str, Any] = dict(c.meta) if c is not None else {}
    if c is None:
        return None
    return Site(str(meta.get("web-index", "")).strip(), str(meta.get("web-listings", "")).strip().lower() in TRUE,
                str(meta.get("web-error", "")).strip(), str(meta.get("web-listings-css", "")).strip(),
                str(meta.get("web-listings-label", "")).strip(),
                str(meta.get("web-directory-type", "")).strip() or "application/directory")


class _Web:
    """One request's view of the site: the caller's own reads of it."""

    def __init__(self, svc: ObjectService, caller: Caller, account: str, container: str, site: Site, path: str):
        self.svc, self.caller, self.account, self.container, self.site = svc, caller, account, container, site
        self.path = path  # the request's path, for the listing's title

    def status(self, name: str) -> int:
        """200 if the caller may read object `name` (a folder marker counts as missing), else the refusal."""
        try:
            view = self.svc.get_object(self.caller, self.account, self.container, name)
        except SwiftError as exc:
            return exc.code
        if view.obj.content_type == self.site.directory_type and view.size <= 1:
            return 404
        return 200

    def error(self, code: int) -> Plan:
        """The site's error page `<code><web-error>` with the error's status, when there is one to read."""
        page = f"{code}{self.site.error}"
        if self.site.error and self.status(page) == 200:
            return Plan("object", name=page, status=code)
        return Plan("error", status=code)

    def rows(self, prefix: str, limit: int = LISTING_LIMIT) -> list[dict[str, Any]]:
        q = ListingQuery("json", limit, "", "", prefix, "/", False)
        return self.svc.list_objects(self.caller, self.account, self.container, q)[1]

    def listing(self, prefix: str) -> Plan:
        if not self.site.listings:
            return self.error(404)
        try:
            rows = self.rows(prefix)
        except SwiftError as exc:
            return self.error(exc.code)
        if prefix and not rows:
            return self.error(404)
        return Plan("listing", html=render(self.site, self.path, prefix, rows))


def plan_container(svc: ObjectService, caller: Caller, account: str, container: str, path: str) -> Plan | None:
    """GET of a container's URL: its index page, its listing, or None (not a site: the API's answer)."""
    site = site_of(svc, account, container)
    if site is None or not site.configured:
        return None
    if not path.endswith("/"):
        return Plan("redirect")
    web = _Web(svc, caller, account, container, site, path)
    if site.index:
        code = web.status(site.index)
        if code == 200:
            return Plan("object", name=site.index)
        if code != 404:
            return web.error(code)
    return web.listing("")


def plan_object(svc: ObjectService, caller: Caller, account: str, container: str, name: str,
                path: str) -> Plan | None:
    """GET of a page: None when it is there (or refused: the API's answer), else a folder's index page, a
    redirect to the folder, its listing, or the error page."""
    site = site_of(svc, account, container)
    if site is None:
        return None
    web = _Web(svc, caller, account, container, site, path)
    code = web.status(name)
    if code != 404 or not site.configured:
        return None  # Swift shows its error pages for missing pages only
    folder = name if name.endswith("/") else name + "/"
    if site.index and web.status(folder + site.index) == 200:
        return Plan("object", name=folder + site.index) if name.endswith("/") else Plan("redirect")
    if not name.endswith("/"):
        try:
            inside = web.rows(folder, limit=1)
        except SwiftError:
            inside = []
        return Plan("redirect") if inside else web.error(404)
    return web.listing(name)


def human_readable(size: int) -> str:
    """Swift's sizes in listings: 1023, 1Ki, 5Mi, ..."""
    value, index = float(size), -1
    while value >= 1024 and index + 1 < len("KMGTPEZY"):
        index += 1
        value = round(value / 1024)
    return f"{int(value)}" if index == -1 else f"{round(value)}{'KMGTPEZY'[index]}i"


def _css_href(css: str, prefix: str) -> str:
    if css.startswith(("/", "http://", "https://")):
        return quote(css, ":/")
    return "../" * prefix.count("/") + quote(css)


def render(site: Site, path: str, prefix: str, rows: list[dict[str, Any]]) -> str:
    """The listing page, as staticweb writes it (ids and classes a site's CSS can style)."""
    label = escape(site.label + prefix if site.label else path)
    style = (f'  <link rel="stylesheet" type="text/css" href="{_css_href(site.css, prefix)}" />\n' if site.css else
             '  <style type="text/css">\n   h1 {font-size: 1em; font-weight: bold;}\n'
             "   th {text-align: left; padding: 0px 1em 0px 1em;}\n   td {padding: 0px 1em 0px 1em;}\n"
             "   a {text-decoration: none;}\n  </style>\n")
    out = ['<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">',
           f"\n<html>\n <head>\n  <title>Listing of {label}</title>\n{style} </head>\n <body>\n",
           f'  <h1 id="title">Listing of {label}</h1>\n  <table id="listing">\n   <tr id="heading">\n'
           '    <th class="colname">Name</th>\n    <th class="colsize">Size</th>\n'
           '    <th class="coldate">Date</th>\n   </tr>\n']
    blank = '    <td class="colsize">&nbsp;</td>\n    <td class="coldate">&nbsp;</td>\n   </tr>\n'
    if prefix:
        out.append('   <tr id="parent" class="item">\n    <td class="colname"><a href="../">../</a></td>\n' + blank)
    for row in rows:
        if "subdir" in row:
            sub = row["subdir"][len(prefix):]
            out.append(f'   <tr class="item subdir">\n    <td class="colname"><a href="{quote(sub)}">'
                       f"{escape(sub)}</a></td>\n" + blank)
    for row in rows:
        if "name" in row:
            name = row["name"][len(prefix):]
            kinds = " ".join("type-" + escape(t.lower()) for t in row["content_type"].split("/"))
            date = escape(row["last_modified"]).split(".")[0].replace("T", " ")
            out.append(f'   <tr class="item {kinds}">\n    <td class="colname"><a href="{quote(name)}">'
                       f'{escape(name)}</a></td>\n    <td class="colsize">{human_readable(row["bytes"])}</td>\n'
                       f'    <td class="coldate">{date}</td>\n   </tr>\n')
    out.append("  </table>\n </body>\n</html>\n")
    return "".join(out)
