"""The classroom's web pages, served by the cloud on its own port under /lab/ (plain HTML, no script):

    /lab/            a student logs in with their class credentials (checked by Keystone) and downloads their
                     own clouds.yaml or openrc
    /lab/progress    the class's progress for a projector (instructor only), refreshing itself
    /lab/exam        a student's own mock exam: the tasks, the deadline and, once graded, the results

The downloads carry the password the student just typed (the lab keeps only hashes), for the user Keystone
authenticated, in the project its token is scoped to: the request names no student, so no form, path or query
can reach another student's file. The token issued for the check is revoked at once.

The progress page takes the instructor's token from an `X-Auth-Token` header or from the cookie its own login
form sets (HttpOnly, SameSite=Strict, path /lab/), so a browser left on a projector keeps refreshing it; anyone
but an admin gets 403.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from lab import clouds_yaml
from lab.cloud.context import RequestContext
from lab.cloud.errors import CloudError, Forbidden, Unauthorized
from lab.cloud.http import cloud_of

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

COOKIE = "stacklab_token"
MAX_FORM_BYTES = 16 * 1024  # a user name and a password
DEFAULT_REFRESH = 30
WRONG_LOGIN = "The user name or password is wrong."
STYLE = ("body{font-family:sans-serif;margin:2em;max-width:72em}label{display:block;margin:.5em 0}"
         "input{font-size:1.1em}button{font-size:1.1em;margin:.5em .5em 0 0}.error{color:#b00}"
         "table{border-collapse:collapse;font-size:1.3em}th,td{border:1px solid #ccc;padding:.2em .5em;"
         "text-align:center}td.done{background:#cfc}td.part{background:#ffd}td.name{text-align:left}")


# ---------------------------------------------------------------------------------------------- behaviour
@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    text: str


def login(cloud: Cloud, username: str, password: str) -> tuple[str, RequestContext]:
    """Password-authenticate `username` (Default domain) through Keystone, scoped to their default project.
    Returns (token, context). Raises Unauthorized for wrong credentials or a user with no project."""
    if not username or not password:
        raise Unauthorized(WRONG_LOGIN)
    issued = cloud.identity.authenticate({"identity": {"methods": ["password"], "password": {"user": {
        "name": username, "domain": {"name": "Default"}, "password": password}}}})
    ctx = cloud.identity.context_for_token(issued.value)
    if ctx.project_id is None:
        cloud.identity.revoke(issued.value)
        raise Unauthorized(f"{username} has no project to download credentials for.")
    return issued.value, ctx


def own_file(cloud: Cloud, kind: str, username: str, password: str) -> Download:
    """The caller's own clouds.yaml (`kind` "clouds.yaml") or openrc, after Keystone accepts the password."""
    token, ctx = login(cloud, username, password)
    cloud.identity.revoke(token)  # only the check was needed
    auth_url = f"{cloud.settings.endpoint}/identity"
    user, project = ctx.user_name, ctx.project_name or ""
    if kind == "clouds.yaml":
        entry = clouds_yaml.student_entry(auth_url, user, password, project)
        return Download(f"{user}.yaml", "application/x-yaml", clouds_yaml.render({user: entry}))
    return Download(f"{user}-openrc.sh", "text/plain", clouds_yaml.openrc(auth_url, user, password, project))


@dataclass(frozen=True)
class Grid:
    lab_ids: list[str]
    rows: list[tuple[str, list[str], int]]  # student, a cell per lab ("" / "n/m" / HH:MM passed), labs done
    lab_time: datetime


def progress_grid(cloud: Cloud, ctx: RequestContext, day: int | None, class_name: str | None) -> Grid:
    """Students x labs (of `day`, or every lab) for the instructor. Raises Forbidden unless admin, NotFound
    for an unknown class."""
    from lab.camp.labs import LabError, load_labs
    from lab.cloud.labapi.service import LabService
    labapi = cloud.services["labapi"]
    assert isinstance(labapi, LabService)
    cloud.policy.enforce(ctx, "lab:admin")
    classes = [class_name] if class_name else [c.name for c, _n in labapi.camp.list_classes(ctx)]
    students = [s for name in classes for s in labapi.camp.get_class(ctx, name)[1]]
    found = {(r.project_id, r.lab_id): r for r in labapi.camp.list_progress(ctx)}
    try:
        labs = [(lab.id, lab.day) for lab in load_labs()]
    except LabError:
        labs = [(lab_id, int(lab_id.split(".")[0])) for lab_id in sorted({k[1] for k in found})]
    lab_ids = [lab_id for lab_id, lab_day in labs if day is None or lab_day == day]
    rows = []
    for s in students:
        cells, done = [], 0
        for lab_id in lab_ids:
            r = found.get((s.project_id, lab_id))
            if r is None:
                cells.append("")
            elif r.completed:
                done += 1
                cells.append(f"{r.completed_at:%H:%M}" if r.completed_at else "done")
            else:
                cells.append(f"{r.passed}/{r.total}")
        rows.append((s.name, cells, done))
    return Grid(lab_ids, rows, cloud.clock.now())


# ---------------------------------------------------------------------------------------------- rendering
def _page(title: str, body: str, status: int = 200, refresh: int | None = None) -> HTMLResponse:
    meta = f"<meta http-equiv='refresh' content='{refresh}'>" if refresh else ""
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'>{meta}<title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n", status,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def _login_form(action: str, buttons: str, error: str | None) -> str:
    problem = f"<p class='error'>{html.escape(error)}</p>" if error else ""
    return (f"{problem}<form method='post' action='{action}'>"
            "<label>User name <input name='username' autocomplete='username' required></label>"
            "<label>Password <input name='password' type='password' autocomplete='current-password' required>"
            f"</label>{buttons}</form>")


def classroom_page(cloud: Cloud, error: str | None = None, status: int = 200) -> HTMLResponse:
    endpoint = cloud.settings.endpoint
    buttons = ("<button formaction='/lab/clouds.yaml'>Download clouds.yaml</button>"
               "<button formaction='/lab/openrc'>Download openrc</button>")
    body = (f"<h1>StackLab classroom</h1><p>Log in with the user name and password on your credentials sheet "
            f"to download <b>your own</b> files for the cloud at <code>{html.escape(endpoint)}/identity</code>."
            f"</p>{_login_form('/lab/clouds.yaml', buttons, error)}"
            "<p>Save <code>clouds.yaml</code> as <code>~/.config/openstack/clouds.yaml</code> and run "
            "<code>export OS_CLOUD=&lt;your user name&gt;</code>, or <code>source</code> the openrc file; then "
            "<code>openstack server list</code>.</p><p><a href='/lab/progress'>Class progress</a> "
            "(instructor)</p>")
    return _page("StackLab classroom", body, status)


def progress_login(error: str | None, status: int, query: str) -> HTMLResponse:
    action = "/lab/progress" + (f"?{query}" if query else "")
    body = ("<h1>Class progress</h1><p>For the instructor: log in as the lab's admin.</p>"
            + _login_form(html.escape(action, quote=True), "<button>Log in</button>", error))
    return _page("Class progress", body, status)


def progress_page(grid: Grid, day: int | None, refresh: int) -> HTMLResponse:
    head = "".join(f"<th>{html.escape(lab)}</th>" for lab in grid.lab_ids)
    passed = [sum(1 for _n, cells, _d in grid.rows if ":" in cells[i] or cells[i] == "done")
              for i in range(len(grid.lab_ids))]
    lines = []
    for name, cells, done in grid.rows:
        tds = "".join(f"<td class='{'done' if ':' in c or c == 'done' else 'part' if c else ''}'>"
                      f"{html.escape(c or '·')}</td>" for c in cells)
        lines.append(f"<tr><td class='name'>{html.escape(name)}</td>{tds}<td>{done}</td></tr>")
    total = "".join(f"<td>{n}/{len(grid.rows)}</td>" for n in passed)
    title = f"Day {day} progress" if day is not None else "Class progress"
    body = (f"<h1>{html.escape(title)}</h1><p>Lab time {grid.lab_time:%Y-%m-%d %H:%M}; a passed lab shows when "
            f"it was passed (lab time), <i>n/m</i> the checks passed so far. Refreshes every {refresh} s.</p>"
            f"<table><tr><th>student</th>{head}<th>done</th></tr>{''.join(lines)}"
            f"<tr><th>passed</th>{total}<td></td></tr></table>")
    if not grid.rows:
        body += "<p>No students yet: <code>stacklab class create --students N</code>.</p>"
    return _page(title, body, refresh=refresh)


# ---------------------------------------------------------------------------------------------- routes
async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(raw.decode("utf-8", "replace"), max_num_fields=8)
    return {k: v[0] for k, v in fields.items() if v}


async def classroom(request: Request) -> Response:
    """GET /lab/: the login form with the two downloads."""
    return classroom_page(cloud_of(request))


async def download(request: Request) -> Response:
    """POST /lab/clouds.yaml and /lab/openrc (form: username, password): the caller's own file."""
    cloud = cloud_of(request)
    form = await _form(request)
    kind = "clouds.yaml" if request.url.path.endswith("clouds.yaml") else "openrc"
    try:
        found = own_file(cloud, kind, form.get("username", ""), form.get("password", ""))
    except CloudError as exc:
        message = WRONG_LOGIN if exc.code == 401 and "no project" not in exc.message else exc.message
        return classroom_page(cloud, message, exc.code if exc.code < 500 else 400)
    return Response(found.text, media_type=found.media_type, headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"', "Cache-Control": "no-store"})


def _options(request: Request) -> tuple[int | None, str | None, int]:
    q = request.query_params
    day = int(q["day"]) if q.get("day", "").isdigit() else None
    refresh = int(q["refresh"]) if q.get("refresh", "").isdigit() else DEFAULT_REFRESH
    return day, q.get("class") or None, max(5, min(refresh, 3600))


async def progress(request: Request) -> Response:
    """GET /lab/progress[?day=N&class=NAME&refresh=S]: the grid (admin), the login form without a token."""
    cloud = cloud_of(request)
    day, class_name, refresh = _options(request)
    query = urlencode({k: v for k, v in request.query_params.items() if k in ("day", "class", "refresh")})
    token = request.headers.get("x-auth-token") or request.cookies.get(COOKIE)
    if not token:
        return progress_login(None, 401, query)
    try:
        ctx = cloud.identity.context_for_token(token)
    except Unauthorized:
        return progress_login("Your session has ended: log in again.", 401, query)
    try:
        grid = progress_grid(cloud, ctx, day, class_name)
    except Forbidden:
        return _page("Class progress", "<h1>Class progress</h1><p class='error'>Only the instructor (the "
                     "lab's admin) sees the class's progress.</p>", 403)
    except CloudError as exc:
        return _page("Class progress", f"<p class='error'>{html.escape(exc.message)}</p>", exc.code)
    return progress_page(grid, day, refresh)


async def progress_sign_in(request: Request) -> Response:
    """POST /lab/progress (form: username, password): an admin gets a session cookie and the page."""
    cloud = cloud_of(request)
    form = await _form(request)
    query = request.url.query
    try:
        token, ctx = login(cloud, form.get("username", ""), form.get("password", ""))
    except CloudError:
        return progress_login(WRONG_LOGIN, 401, query)
    if not ctx.is_admin:
        cloud.identity.revoke(token)
        return _page("Class progress", "<h1>Class progress</h1><p class='error'>Only the instructor (the "
                     "lab's admin) sees the class's progress.</p>", 403)
    response = RedirectResponse("/lab/progress" + (f"?{query}" if query else ""), 303)
    response.set_cookie(COOKIE, token, max_age=cloud.settings.token_ttl_seconds, path="/lab/", httponly=True,
                        samesite="strict", secure=cloud.settings.endpoint.startswith("https://"))
    return response


def score_html(score: dict[str, Any]) -> str:
    """A graded exam's result: per-domain scores, the total against the pass mark, how it was graded, and the
    domains left out (the lab lacks their service) with the others' weights rescaled."""
    closed = " Graded at time-up." if score.get("graded_by") == "time-up" else " Late." if score.get("late") else ""
    rows = "".join(f"<tr><td>{html.escape(domain)}</td><td>{part['passed']}/{part['tasks']}</td>"
                   f"<td>{part['score']:.1f} of {part['weight']:.1f}</td></tr>"
                   for domain, part in (score.get("domains") or {}).items())
    left_out = score.get("left_out") or []
    note = (f"<p>Left out (this lab has no such service; the other domains' weights are rescaled to 100 %): "
            f"{html.escape(', '.join(left_out))}.</p>" if left_out else "")
    return (f"<table><tr><th>domain</th><th>tasks passed</th><th>score (%)</th></tr>{rows}</table>"
            f"<p>Total {score['total']:.1f} % (pass mark {score['pass_mark']:.0f} %): "
            f"{'passed' if score['passed'] else 'not passed'}, {score.get('minutes_taken', 0)} minutes.{closed}</p>"
            f"{note}")


def exam_page(cloud: Cloud, ctx: RequestContext) -> HTMLResponse:
    """The caller's latest exam (their own project's only: the request names no student)."""
    from lab.cloud.labapi.service import LabService

    labapi = cloud.services["labapi"]
    assert isinstance(labapi, LabService)
    rows = [r for r in labapi.exams.list(ctx) if r.project_id == ctx.project_id]
    if not rows:
        return _page("Mock exam", "<h1>Mock exam</h1><p>You have no exam: <code>stacklab exam start</code>.</p>")
    row = rows[-1]
    items = []
    for task in row.paper:
        mark = ""
        if row.submitted_at is not None:
            mark = "PASS " if not row.results.get(task["id"], "not graded") else "FAIL "
        items.append(f"<li>{mark}[{html.escape(task['domain'])}] {html.escape(task['statement'])}</li>")
    score = row.score or {}
    result = score_html(score) if score else (
        "<p>Hand in with <code>stacklab exam submit</code>: the cloud grades your project as it is then "
        "(at the deadline it grades it by itself).</p>")
    body = (f"<h1>Mock exam</h1><p>{html.escape(row.project_name)}, started {row.started_at:%Y-%m-%d %H:%M}, "
            f"ends {row.deadline:%Y-%m-%d %H:%M} (lab time).</p><ol>{''.join(items)}</ol>{result}")
    return _page("Mock exam", body, refresh=60 if row.submitted_at is None else None)


async def exam(request: Request) -> Response:
    """GET /lab/exam: the caller's own exam (token from X-Auth-Token or the cookie), else the login form."""
    cloud = cloud_of(request)
    token = request.headers.get("x-auth-token") or request.cookies.get(COOKIE)
    form = ("<h1>Mock exam</h1><p>Log in with your credentials sheet.</p>"
            + _login_form("/lab/exam", "<button>Log in</button>", None))
    if not token:
        return _page("Mock exam", form, 401)
    try:
        ctx = cloud.identity.context_for_token(token)
        return exam_page(cloud, ctx)
    except Unauthorized:
        return _page("Mock exam", form, 401)
    except CloudError as exc:
        return _page("Mock exam", f"<p class='error'>{html.escape(exc.message)}</p>", exc.code)


async def exam_sign_in(request: Request) -> Response:
    """POST /lab/exam (form: username, password): a session cookie, then the page."""
    cloud = cloud_of(request)
    form = await _form(request)
    try:
        token, _ctx = login(cloud, form.get("username", ""), form.get("password", ""))
    except CloudError:
        return _page("Mock exam", "<h1>Mock exam</h1>" + _login_form("/lab/exam", "<button>Log in</button>",
                                                                     WRONG_LOGIN), 401)
    response = RedirectResponse("/lab/exam", 303)
    response.set_cookie(COOKIE, token, max_age=cloud.settings.token_ttl_seconds, path="/lab/", httponly=True,
                        samesite="strict", secure=cloud.settings.endpoint.startswith("https://"))
    return response


routes = [
    Route("/", classroom, methods=["GET"]),
    Route("/exam", exam, methods=["GET"]),
    Route("/exam", exam_sign_in, methods=["POST"]),
    Route("/clouds.yaml", download, methods=["POST"]),
    Route("/openrc", download, methods=["POST"]),
    Route("/progress", progress, methods=["GET"]),
    Route("/progress", progress_sign_in, methods=["POST"]),
]
