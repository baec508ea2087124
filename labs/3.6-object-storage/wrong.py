"""A wrong but plausible solution of lab 3.6: lab-public shared with every user of the project (`demo:*`),
which a request without a token is not. Its public checks must fail."""

FAILS = ("public", "anonymous")


def solve(env):
    store = env.conn.object_store
    store.create_container(name="lab-files")
    store.upload_object(container="lab-files", name="notes.txt", data=b"my notes\n")
    store.create_container(name="lab-public")
    store.upload_object(container="lab-public", name="index.html", data=b"<h1>Hello</h1>\n",
                        content_type="text/html")
    store.set_container_metadata("lab-public", read_ACL=f"{env.project_name}:*")
