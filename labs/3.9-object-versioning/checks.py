"""Checks for lab 3.9: lab-docs keeps its old versions in lab-docs-archive, report.txt is draft 2 again
(brought back from the archive), and draft 1 is still archived."""

import re

ARCHIVED = re.compile(r"^[0-9a-f]{3}report\.txt/")  # Swift's archive names: <name length, hex><name>/<time>


def _text(env, container, name):
    response = env.conn.object_store.get(f"/{container}/{name}", raise_exc=False)
    return response.text.strip() if response.status_code == 200 else None


def _archived(env):
    """The archived versions of report.txt, oldest first: [(name, text)]."""
    if env.conn.object_store.head("/lab-docs-archive", raise_exc=False).status_code >= 300:
        return []
    names = sorted(o.name for o in env.conn.object_store.objects("lab-docs-archive") if ARCHIVED.match(o.name))
    return [(name, _text(env, "lab-docs-archive", name)) for name in names]


def check_versioned(env):
    """Container lab-docs keeps its old versions in lab-docs-archive."""
    response = env.conn.object_store.head("/lab-docs", raise_exc=False)
    assert response.status_code < 300, "no container called lab-docs"
    location = response.headers.get("X-Versions-Location") or response.headers.get("X-History-Location")
    assert location, "lab-docs keeps no versions: set its X-Versions-Location"
    assert location == "lab-docs-archive", f"lab-docs keeps its versions in {location}, not lab-docs-archive"
    assert env.conn.object_store.head("/lab-docs-archive", raise_exc=False).status_code < 300, \
        "there is no container lab-docs-archive to keep the versions in"


def check_recovered(env):
    """report.txt in lab-docs is draft 2 again."""
    text = _text(env, "lab-docs", "report.txt")
    assert text is not None, "lab-docs has no report.txt"
    assert text == "draft 2", f"report.txt holds {text[:40]!r}, not draft 2"


def check_archive(env):
    """The archive still holds draft 1 of report.txt, kept by versioning."""
    versions = _archived(env)
    assert versions, "lab-docs-archive holds no old version of report.txt: was versioning on before the uploads?"
    assert any(text == "draft 1" for _, text in versions), "draft 1 of report.txt is not in the archive"
