"""Checks for lab 1.3: a private, active image whose data is a qcow2 disk, with os_distro and min_ram."""


def check_exists(env):
    """An image called lab-cirros exists in your project."""
    assert env.image("lab-cirros") is not None, "no image called lab-cirros in your project"


QCOW2_MAGIC = b"QFI\xfb"  # the first four bytes of every qcow2 file


def check_active(env):
    """lab-cirros is active, with data that really is a qcow2 disk, labelled qcow2."""
    image = env.image_json("lab-cirros") or {}
    assert image.get("status") == "active", f"lab-cirros is {image.get('status')}, not active"
    assert (image.get("size") or 0) > 0, "lab-cirros has no data"
    assert image.get("disk_format") == "qcow2", f"disk_format is {image.get('disk_format')}, not qcow2"
    # The label is the uploader's claim; the bytes say what the disk is (what `qemu-img info` reads).
    assert env.image_head(env.image("lab-cirros"), 4) == QCOW2_MAGIC, \
        "lab-cirros is labelled qcow2 but its data is not a qcow2 disk: upload the file you saved from cirros"


def check_properties(env):
    """lab-cirros has os_distro=cirros and min_ram 64."""
    image = env.image_json("lab-cirros") or {}
    assert image.get("os_distro") == "cirros", f"os_distro is {image.get('os_distro')!r}"
    assert image.get("min_ram") == 64, f"min_ram is {image.get('min_ram')}"


def check_private(env):
    """lab-cirros is private."""
    image = env.image_json("lab-cirros") or {}
    assert image.get("visibility") == "private", f"visibility is {image.get('visibility')}"
