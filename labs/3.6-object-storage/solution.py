"""Reference solution for lab 3.6."""


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-files")
    store.upload_object(container="lab-files", name="notes.txt", data=b"my notes\n")
    store.create_container(name="lab-public")
    store.upload_object(container="lab-public", name="index.html", data=b"<h1>Hello</h1>\n",
                        content_type="text/html")
    store.set_container_metadata("lab-public", read_ACL=".r:*")
