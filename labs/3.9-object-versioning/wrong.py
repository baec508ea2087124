"""A wrong but plausible solution of lab 3.9: no versioning, and draft 2 typed in again by hand after the bad
overwrite, so nothing was kept or recovered."""

FAILS = ("versioned", "archive")


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-docs-archive")
    store.create_container(name="lab-docs")
    for draft in (b"draft 1\n", b"draft 2\n", b"draft 3, by mistake\n", b"draft 2\n"):
        store.upload_object(container="lab-docs", name="report.txt", data=draft)
