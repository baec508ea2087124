"""Checks for lab 3.8: lab-big/big.bin is a large object of at least 3 MB, stored as segments that are all
there, and downloads whole."""

import hashlib
import json

MIN_SIZE = 3_000_000
MIN_SEGMENTS = 3


def _head(env, path):
    response = env.conn.object_store.head(path, raise_exc=False)
    return response if response.status_code < 300 else None


def _segments(env):
    """The segments big.bin's manifest lists (SLO) or gathers (DLO): [(path, size)]; [] for a plain object."""
    store = env.conn.object_store
    head = _head(env, "/lab-big/big.bin")
    if head is None:
        return []
    if head.headers.get("X-Static-Large-Object", "").lower() == "true":
        manifest = store.get("/lab-big/big.bin", params={"multipart-manifest": "get"}, raise_exc=False)
        return [(entry["name"], int(entry["bytes"])) for entry in json.loads(manifest.content)]
    prefix = head.headers.get("X-Object-Manifest")
    if prefix:
        container, _, start = prefix.partition("/")
        return [(f"/{container}/{o.name}", o.content_length)
                for o in store.objects(container, prefix=start)]
    return []


def check_uploaded(env):
    """Container lab-big holds big.bin, of at least 3 MB."""
    head = _head(env, "/lab-big/big.bin")
    assert head is not None, "lab-big has no object big.bin"
    size = int(head.headers.get("Content-Length", 0))
    assert size >= MIN_SIZE, f"big.bin is {size} bytes: make it at least {MIN_SIZE}"


def check_segmented(env):
    """big.bin is a large object made of at least 3 segments."""
    segments = _segments(env)
    assert segments, "big.bin is one plain object, not a manifest of segments"
    assert len(segments) >= MIN_SEGMENTS, f"big.bin has {len(segments)} segments: use a smaller --segment-size"


def check_whole(env):
    """Every segment is there, and big.bin downloads as all of them, in order."""
    segments = _segments(env)
    assert segments, "big.bin is not a large object"
    expected = hashlib.md5(usedforsecurity=False)
    for path, size in segments:
        response = env.conn.object_store.get(path, raise_exc=False)
        assert response.status_code == 200 and len(response.content) == size, f"segment {path} is missing"
        expected.update(response.content)
    whole = env.conn.object_store.get("/lab-big/big.bin", raise_exc=False)
    assert whole.status_code == 200, f"downloading big.bin answered HTTP {whole.status_code}"
    assert hashlib.md5(whole.content, usedforsecurity=False).hexdigest() == expected.hexdigest(), \
        "big.bin does not download as its segments joined"
