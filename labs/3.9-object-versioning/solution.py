"""Reference solution for lab 3.9."""


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-docs-archive")
    store.create_container(name="lab-docs")
    store.post("/lab-docs", headers={"X-Versions-Location": "lab-docs-archive"})
    for draft in (b"draft 1\n", b"draft 2\n", b"draft 3, by mistake\n"):
        store.upload_object(container="lab-docs", name="report.txt", data=draft)
    store.delete_object("report.txt", container="lab-docs")
