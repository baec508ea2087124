"""An image whose min_disk no flavor meets."""


def inject(env):
    body = {"name": env.name("image"), "disk_format": "qcow2", "container_format": "bare", "min_disk": 500,
            "owner": env.project_id, "visibility": "private"}
    image = env.conn.image.post("/images", json=body).json()
    return {"image": image["name"], "image_id": image["id"]}


def check(env, state):
    image = env.image(state["image_id"])
    assert image is not None, "drill-image is gone: the team boots from that image"
    biggest = max((f.disk for f in env.conn.compute.flavors()), default=0)
    assert image["min_disk"] <= biggest, "drill-image still needs a bigger disk than any flavor has"


def undo(env, state):
    env.conn.image.delete(f"/images/{state['image_id']}", raise_exc=False)
