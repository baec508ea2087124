"""The classroom as students and the instructor reach it through the cloud itself: the /lab/ page where a
student downloads their own clouds.yaml and openrc (never another's), the self-refreshing progress page (the
instructor's only), and the class's secrets at rest (only hashes of the passwords in the database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.identity.models import Token
from lab.cloud.labapi.models import LabStudent
from lab.cloud.labapi.pages import COOKIE
from tests.camp.test_camp_api import L, make_class, student_headers
from tests.conftest import ADMIN_PASSWORD, get_token


@pytest.fixture
def students(client: TestClient, as_admin: dict[str, str]) -> list[dict[str, Any]]:
    return make_class(client, as_admin, name="room", students=3)


def download(client: TestClient, kind: str, username: str, password: str, query: str = "") -> Any:
    return client.post(f"/lab/{kind}{query}", data={"username": username, "password": password})


def database_bytes(cloud: Cloud) -> bytes:
    """The SQLite files as they lie on disk (the database and its write-ahead log)."""
    path = Path(str(cloud.db.engine.url.database))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


# ---------------------------------------------------------------------------------------------- /lab/
def test_the_classroom_page_is_a_login_form(client: TestClient) -> None:
    """GET /lab/ is HTML with a user name and password form and the two downloads, no script."""
    r = client.get("/lab/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "name='username'" in r.text and "type='password'" in r.text
    assert "formaction='/lab/clouds.yaml'" in r.text and "formaction='/lab/openrc'" in r.text
    assert "<script" not in r.text
    assert "http://127.0.0.1:8780/identity" in r.text


def test_a_student_downloads_their_own_clouds_yaml(client: TestClient, students: list[dict[str, Any]]) -> None:
    """The file is the student's entry, named after them, with the password they typed and the lab's URL."""
    me = students[1]
    r = download(client, "clouds.yaml", me["name"], me["password"])
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == f'attachment; filename="{me["name"]}.yaml"'
    assert r.headers["cache-control"] == "no-store"
    clouds = yaml.safe_load(r.text)["clouds"]
    assert list(clouds) == [me["name"]]
    auth = clouds[me["name"]]["auth"]
    assert auth == {"auth_url": "http://127.0.0.1:8780/identity", "username": me["name"],
                    "password": me["password"], "project_name": me["name"], "user_domain_name": "Default",
                    "project_domain_name": "Default"}


def test_a_student_downloads_their_own_openrc(client: TestClient, students: list[dict[str, Any]]) -> None:
    me = students[0]
    r = download(client, "openrc", me["name"], me["password"])
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == f'attachment; filename="{me["name"]}-openrc.sh"'
    assert f"export OS_USERNAME={me['name']}\n" in r.text and f"export OS_PROJECT_NAME={me['name']}\n" in r.text
    assert "export OS_AUTH_URL=http://127.0.0.1:8780/identity\n" in r.text
    assert f"export OS_PASSWORD={me['password']}" in r.text or f"OS_PASSWORD='{me['password']}'" in r.text


def test_no_file_of_another_student_is_reachable(client: TestClient, students: list[dict[str, Any]]) -> None:
    """A student's own password never opens another's file: wrong pairs are 401, the query is ignored, and no
    path names a student."""
    me, other = students[0], students[1]
    for username, password in ((other["name"], me["password"]), (other["name"], ""), ("", ""),
                               (me["name"], other["password"])):
        r = download(client, "clouds.yaml", username, password)
        assert r.status_code == 401, (username, r.text)
        assert "The user name or password is wrong." in r.text and other["password"] not in r.text
    r = download(client, "clouds.yaml", me["name"], me["password"], query=f"?username={other['name']}")
    assert list(yaml.safe_load(r.text)["clouds"]) == [me["name"]] and other["password"] not in r.text
    for path in (f"/lab/{other['name']}.yaml", f"/lab/clouds/{other['name']}.yaml", f"/lab/openrc/{other['name']}"):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"username": me["name"], "password": me["password"]}).status_code in (404, 405)
    assert client.get("/lab/clouds.yaml").status_code == 405  # a GET carries no credentials


def test_a_download_leaves_no_token_behind(client: TestClient, cloud: Cloud, students: list[dict[str, Any]]) -> None:
    """Keystone checks the password with a token that is revoked at once."""
    with cloud.db.read() as db:
        before = db.scalar(select(func.count()).select_from(Token))
    assert download(client, "openrc", students[2]["name"], students[2]["password"]).status_code == 200
    with cloud.db.read() as db:
        assert db.scalar(select(func.count()).select_from(Token)) == before


# ---------------------------------------------------------------------------------------------- /lab/progress
def test_progress_page_asks_for_a_login(client: TestClient) -> None:
    r = client.get("/lab/progress?day=1")
    assert r.status_code == 401 and "<form method='post' action='/lab/progress?day=1'>" in r.text


def test_a_student_gets_403_on_the_progress_page(client: TestClient, students: list[dict[str, Any]]) -> None:
    """With their token, or through the login form (which then sets no cookie)."""
    r = client.get("/lab/progress", headers=student_headers(client, students[0]))
    assert r.status_code == 403 and "Only the instructor" in r.text and students[1]["name"] not in r.text
    r = client.post("/lab/progress", data={"username": students[0]["name"], "password": students[0]["password"]},
                    follow_redirects=False)
    assert r.status_code == 403 and COOKIE not in r.headers.get("set-cookie", "")


def test_progress_page_for_the_instructor_refreshes_itself(client: TestClient, as_admin: dict[str, str],
                                                           students: list[dict[str, Any]]) -> None:
    """Day 1 only: each student's row, the time a passed lab was passed, n/m for a partial one; meta refresh."""
    # Results as the cloud records them (here by the instructor's hand: students cannot write their own).
    record = {"lab_id": "1.1", "passed": 3, "total": 3, "project_id": students[0]["project_id"]}
    assert client.post(f"{L}/progress", headers=as_admin, json={"progress": record}).status_code == 201
    assert client.post(f"{L}/progress", headers=as_admin, json={"progress": {
        "lab_id": "1.3", "passed": 1, "total": 4, "project_id": students[1]["project_id"]}}).status_code == 201
    r = client.get("/lab/progress?day=1&refresh=20", headers=as_admin)
    assert r.status_code == 200, r.text
    assert "<meta http-equiv='refresh' content='20'>" in r.text and "<h1>Day 1 progress</h1>" in r.text
    assert "<th>1.1</th>" in r.text and "<th>2.1</th>" not in r.text
    row = r.text.split("<td class='name'>student01</td>")[1].split("</tr>")[0]
    passed_at = client.get(f"{L}/progress", headers=as_admin).json()["progress"][0]["completed_at"]
    assert f"<td class='done'>{passed_at[11:16]}</td>" in row
    assert "<td class='part'>1/4</td>" in r.text.split("<td class='name'>student02</td>")[1].split("</tr>")[0]
    assert "student03" in r.text


def test_instructor_login_sets_a_session_cookie(client: TestClient) -> None:
    """The form login redirects to the page with an HttpOnly, SameSite=Strict cookie that then opens it."""
    r = client.post("/lab/progress?day=2", data={"username": "admin", "password": ADMIN_PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/lab/progress?day=2"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/lab/" in cookie
    page = client.get("/lab/progress?day=2")  # the client keeps the cookie, as a browser does
    assert page.status_code == 200 and "<h1>Day 2 progress</h1>" in page.text
    wrong = client.post("/lab/progress", data={"username": "admin", "password": "nope"}, follow_redirects=False)
    assert wrong.status_code == 401 and "The user name or password is wrong." in wrong.text


# ---------------------------------------------------------------------------------------------- secrets at rest
def test_no_plain_password_in_the_database(client: TestClient, cloud: Cloud, as_admin: dict[str, str],
                                           students: list[dict[str, Any]]) -> None:
    """The SQLite files' bytes hold no generated password, only hashes; the API never shows one again."""
    shown = client.get(f"{L}/classes/room", headers=as_admin).json()["class"]["student_list"]
    assert all("password" not in s for s in shown)
    reissued = client.post(f"{L}/students/student02/password", headers=as_admin).json()["student"]
    raw = database_bytes(cloud)
    assert raw
    for password in [s["password"] for s in students] + [reissued["password"]]:
        assert password.encode() not in raw
    with cloud.db.read() as db:
        assert all(s.password_hash.startswith("pbkdf2-sha256$") and s.legacy_password == ""
                   for s in db.scalars(select(LabStudent)))


def test_reissued_password_replaces_the_old_one(client: TestClient, as_admin: dict[str, str],
                                                students: list[dict[str, Any]]) -> None:
    """A new password works, the old one and the student's tokens do not; a reset keeps the new one."""
    old = students[0]
    token = student_headers(client, old)
    r = client.post(f"{L}/students/{old['name']}/password", headers=as_admin)
    assert r.status_code == 200, r.text
    new = r.json()["student"]
    assert new["password"] != old["password"] and new["auth_url"] == "http://127.0.0.1:8780/identity"
    assert client.get(f"{L}/progress", headers=token).status_code == 401  # revoked, as Keystone does
    assert download(client, "clouds.yaml", old["name"], old["password"]).status_code == 401
    assert client.post(f"{L}/students/{old['name']}/reset", headers=as_admin).status_code == 200
    assert get_token(client, old["name"], new["password"], old["name"])


def test_only_the_instructor_reissues(client: TestClient, students: list[dict[str, Any]]) -> None:
    r = client.post(f"{L}/students/{students[1]['name']}/password", headers=student_headers(client, students[0]))
    assert r.status_code == 403
    assert get_token(client, students[1]["name"], students[1]["password"], students[1]["name"])
    unknown = client.post(f"{L}/students/nobody/password", headers={"X-Auth-Token": get_token(
        client, "admin", ADMIN_PASSWORD, "admin")})
    assert unknown.status_code == 404 and "Could not find student: nobody." in unknown.json()["error"]["message"]


def test_plain_passwords_of_an_older_database_are_emptied_at_start(cloud: Cloud, client: TestClient,
                                                                  students: list[dict[str, Any]]) -> None:
    """A database written before hashing kept plain passwords in lab_students.password: bootstrap empties it."""
    with cloud.db.write() as db:
        for row in db.scalars(select(LabStudent)):
            row.legacy_password = "plain-" + row.name
    cloud.bootstrap()
    with cloud.db.read() as db:
        assert [s.legacy_password for s in db.scalars(select(LabStudent))] == ["", "", ""]


def test_an_older_lab_is_made_private_at_start(tmp_path: Path) -> None:
    """A data directory from before (0755, files 0644: database, policy file, an image) is 0700/0600 once
    the cloud starts on it."""
    from lab.config import Settings

    data = tmp_path / "old-lab"
    (data / "images").mkdir(parents=True)
    for path in (data / "policy.yaml", data / "images" / "abc", data / "admin-password"):
        path.write_text("x: admin\n" if path.name == "policy.yaml" else "data")
        path.chmod(0o644)
    data.chmod(0o755)
    (data / "images").chmod(0o755)
    cloud = Cloud(Settings(data_dir=data, admin_password=ADMIN_PASSWORD))
    try:
        modes = {str(p.relative_to(data)): oct(p.stat().st_mode & 0o777) for p in data.rglob("*")}
    finally:
        cloud.close()
    assert oct(data.stat().st_mode & 0o777) == "0o700" and modes["images"] == "0o700"
    assert {modes[n] for n in ("stacklab.db", "policy.yaml", "images/abc", "admin-password")} == {"0o600"}


def test_a_snapshot_from_before_hashing_brings_no_plain_password_back(cloud: Cloud, client: TestClient,
                                                                     students: list[dict[str, Any]]) -> None:
    """A snapshot saved while lab_students.password held plain passwords: restoring it empties them again."""
    with cloud.db.write() as db:
        for row in db.scalars(select(LabStudent)):
            row.legacy_password = "plain-" + row.name
    cloud.services["labapi"].camp.snapshots.save("old")
    cloud.services["labapi"].camp.snapshots.restore("old")
    with cloud.db.read() as db:
        assert [s.legacy_password for s in db.scalars(select(LabStudent))] == ["", "", ""]
