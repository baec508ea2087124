"""The team's copy of the cirros image uploaded from a corrupted download: same size, but its checksum is not
the published one (the public cirros image's)."""

SOURCE = "cirros"


def _source(conn):
    found = [i for i in conn.image.images(name=SOURCE) if i.visibility == "public"]
    assert found, f"the lab has no public {SOURCE} image to copy"
    return found[0]


def _copies(conn, project_id, name):
    return [i for i in conn.image.images(owner=project_id) if i.name == name]


def inject(env):
    source = _source(env.conn)
    response = env.conn.image.get(f"/images/{source.id}/file")
    data = bytearray(response.content)
    assert data, f"the public {SOURCE} image has no data to copy"
    data[-1] ^= 0xFF  # one byte of a broken download: the size is right, the checksum is not
    student = env.student()
    body = {"name": env.name(SOURCE), "disk_format": source.disk_format, "container_format": source.container_format,
            "visibility": "private", "source_checksum": source.checksum}
    image = student.conn.image.post("/images", json=body).json()
    env.made.update(image=image["name"], image_id=image["id"], disk_format=source.disk_format,
                    checksum=source.checksum)
    student.conn.image.put(f"/images/{image['id']}/file", data=bytes(data),
                           headers={"Content-Type": "application/octet-stream"})
    return env.made


def check(env, state):
    copies = [i for i in _copies(env.conn, env.project_id, state["image"]) if i.status == "active"]
    assert copies, "the project has no drill-cirros to boot from: the team needs its copy"
    wrong = [i for i in copies if i.checksum != state["checksum"]]
    assert not wrong, "a drill-cirros in the project still does not have the published checksum"


def undo(env, state):
    for image in _copies(env.conn, env.project_id, state.get("image", env.name(SOURCE))):
        env.conn.image.delete(f"/images/{image.id}", raise_exc=False)
    if state.get("image_id"):
        env.conn.image.delete(f"/images/{state['image_id']}", raise_exc=False)
