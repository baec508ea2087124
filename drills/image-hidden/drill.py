"""A project image that was hidden from image lists."""


def inject(env):
    body = {"name": env.name("golden"), "disk_format": "qcow2", "container_format": "bare", "os_hidden": True,
            "owner": env.project_id, "visibility": "private"}
    image = env.conn.image.post("/images", json=body).json()
    return {"image": image["name"], "image_id": image["id"]}


def check(env, state):
    image = env.image(state["image_id"])
    assert image is not None, "drill-golden is gone: the team boots from that image"
    assert not image["os_hidden"], "drill-golden is still left out of image lists"


def undo(env, state):
    env.conn.image.delete(f"/images/{state['image_id']}", raise_exc=False)
