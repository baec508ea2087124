"""Reference solution for lab 3.7."""


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-site")
    for name, page in {"index.html": b"<h1>Welcome</h1>\n", "docs/index.html": b"<h1>Docs</h1>\n",
                       "404error.html": b"<h1>No such page</h1>\n"}.items():
        store.upload_object(container="lab-site", name=name, data=page, content_type="text/html")
    store.post("/lab-site", headers={"X-Container-Read": ".r:*,.rlistings",
                                     "X-Container-Meta-Web-Index": "index.html",
                                     "X-Container-Meta-Web-Error": "error.html"})
