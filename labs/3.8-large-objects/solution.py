"""Reference solution for lab 3.8: the segments, then a static large object's manifest (what `swift upload
--segment-size` does)."""

import hashlib
import json
import os


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-big")
    store.create_container(name="lab-big_segments")
    manifest = []
    for n in range(5):
        data = os.urandom(1_000_000)
        name = f"big.bin/slo/{n:08d}"
        store.upload_object(container="lab-big_segments", name=name, data=data)
        manifest.append({"path": f"/lab-big_segments/{name}", "etag": hashlib.md5(data).hexdigest(),
                         "size_bytes": len(data)})
    store.put("/lab-big/big.bin", params={"multipart-manifest": "put"}, data=json.dumps(manifest))
