"""Checks for lab 3.6: a private container with a file, and a public one whose index.html anyone can read."""

import httpx


def _object(env, container, name):
    for obj in env.conn.object_store.objects(container):
        if obj.name == name:
            return obj
    return None


def _container(env, name):
    for container in env.conn.object_store.containers():
        if container.name == name:
            return env.conn.object_store.get_container_metadata(name)
    return None


def check_uploaded(env):
    """Container lab-files holds a non-empty object notes.txt."""
    assert _container(env, "lab-files") is not None, "no container called lab-files"
    obj = _object(env, "lab-files", "notes.txt")
    assert obj is not None, "lab-files has no object notes.txt"
    assert obj.content_length, "notes.txt is empty"


def check_private(env):
    """lab-files has no read ACL: only your project reads it."""
    container = _container(env, "lab-files")
    assert container is not None, "no container called lab-files"
    assert not container.read_ACL, f"lab-files is readable by others: {container.read_ACL}"


def check_public(env):
    """Container lab-public holds index.html and its read ACL lets anyone read (.r:*)."""
    container = _container(env, "lab-public")
    assert container is not None, "no container called lab-public"
    assert _object(env, "lab-public", "index.html") is not None, "lab-public has no object index.html"
    assert ".r:*" in (container.read_ACL or "").replace(" ", "").split(","), "lab-public's read ACL has no .r:*"


def check_anonymous(env):
    """index.html in lab-public is served to a request with no token at all."""
    url = env.conn.object_store.get_endpoint().rstrip("/") + "/lab-public/index.html"
    response = httpx.get(url, timeout=30)  # deliberately no token: what a browser or curl does
    assert response.status_code == 200, f"an anonymous GET of lab-public/index.html answered {response.status_code}"
