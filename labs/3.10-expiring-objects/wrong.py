"""A wrong but plausible solution of lab 3.10: temp.txt deleted by hand instead of expiring, so the expirer
never removed it."""

FAILS = ("expired",)


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-expire")
    store.upload_object(container="lab-expire", name="keep.txt", data=b"kept\n")
    store.upload_object(container="lab-expire", name="notice.txt", data=b"this week's notice\n")
    store.post("/lab-expire/notice.txt", headers={"X-Delete-After": "86400"})
    store.upload_object(container="lab-expire", name="temp.txt", data=b"a temporary download\n")
    store.delete_object("temp.txt", container="lab-expire")
