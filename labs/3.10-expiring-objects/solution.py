"""Reference solution for lab 3.10: a student cannot move the lab clock, so temp.txt gets an expiry a second
away and the solution waits (the lab clock runs with real time) until the expirer has removed it."""


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-expire")
    store.upload_object(container="lab-expire", name="keep.txt", data=b"kept\n")
    store.upload_object(container="lab-expire", name="notice.txt", data=b"this week's notice\n")
    store.post("/lab-expire/notice.txt", headers={"X-Delete-After": "86400"})
    store.put("/lab-expire/temp.txt", data=b"a temporary download\n", headers={"X-Delete-After": "1"})
    env.wait(lambda: [o.name for o in store.objects("lab-expire")], lambda names: "temp.txt" not in names,
             "the expirer to remove temp.txt")
