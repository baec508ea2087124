"""Checks for lab 1.1: the whoami image records the student's project id and the compute endpoint."""


def check_whoami_exists(env):
    """An image called whoami exists in your project."""
    assert env.image("whoami") is not None, "no image called whoami in your project"


def check_project_id(env):
    """whoami's project_id property is your project's id."""
    image = env.image_json("whoami") or {}
    assert image.get("project_id") == env.project_id, \
        f"project_id is {image.get('project_id')!r}; your token is scoped to another project"


def check_compute_url(env):
    """whoami's compute_url property is the compute service's public endpoint."""
    image = env.image_json("whoami") or {}
    wanted = env.conn.session.get_endpoint(service_type="compute", interface="public").rstrip("/")
    got = str(image.get("compute_url") or "").rstrip("/")
    assert got == wanted, f"compute_url is {got!r}; the catalog's public compute endpoint differs"
