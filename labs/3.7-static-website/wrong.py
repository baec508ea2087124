"""A wrong but plausible solution of lab 3.7: the pages uploaded and the container made public, but never
told it is a web site (no web-index, no web-error), so a browser gets no index or error page."""

FAILS = ("index", "folder", "error")


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-site")
    for name, page in {"index.html": b"<h1>Welcome</h1>\n", "docs/index.html": b"<h1>Docs</h1>\n",
                       "404error.html": b"<h1>No such page</h1>\n"}.items():
        store.upload_object(container="lab-site", name=name, data=page, content_type="text/html")
    store.post("/lab-site", headers={"X-Container-Read": ".r:*,.rlistings"})
