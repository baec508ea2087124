"""Checks for lab 1.11: lab-snap is a snapshot of lab-origin, lab-clone boots from it, lab-origin was rebuilt
from it (Nova's instance actions record the rebuild)."""


def _image_id(server):
    image = server.image or {}
    return image.get("id") if isinstance(image, dict) else None


def check_snapshot(env):
    """lab-snap is an active snapshot image of lab-origin."""
    origin = env.server("lab-origin")
    assert origin is not None, "no server called lab-origin"
    image = env.image_json("lab-snap")
    assert image is not None, "no image called lab-snap in your project"
    assert image.get("image_type") == "snapshot", "lab-snap is not a server snapshot (openstack server image create)"
    assert image.get("instance_uuid") == origin.id, "lab-snap is not a snapshot of lab-origin"
    assert image.get("status") == "active", f"lab-snap is {image.get('status')}, not active"


def check_clone(env):
    """lab-clone is ACTIVE and was booted from lab-snap."""
    clone, image = env.server("lab-clone"), env.image("lab-snap")
    assert clone is not None, "no server called lab-clone"
    assert image is not None, "no image called lab-snap in your project"
    assert clone.status == "ACTIVE", f"lab-clone is {clone.status}, not ACTIVE"
    assert _image_id(clone) == image.id, "lab-clone was not booted from lab-snap"


def check_rebuilt(env):
    """lab-origin was rebuilt (its history shows it) and now runs lab-snap."""
    origin, image = env.server("lab-origin"), env.image("lab-snap")
    assert origin is not None, "no server called lab-origin"
    assert image is not None, "no image called lab-snap in your project"
    assert "rebuild" in env.server_actions(origin), \
        "lab-origin's history (openstack server event list) shows no rebuild"
    assert _image_id(origin) == image.id, "lab-origin does not run lab-snap: rebuild it with --image lab-snap"
    assert origin.status == "ACTIVE", f"lab-origin is {origin.status}, not ACTIVE"
