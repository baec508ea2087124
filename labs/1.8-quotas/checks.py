"""Checks for lab 1.8: the student's recorded limits match the compute limits of their project."""


def _limits(env):
    return env.conn.compute.get("/limits").json()["limits"]["absolute"]


def check_answers(env):
    """An image record called quota-answers exists."""
    assert env.image("quota-answers") is not None, "no image called quota-answers in your project"


def check_instances(env):
    """quota-answers' max_instances is your project's instances limit."""
    image = env.image_json("quota-answers") or {}
    wanted = _limits(env)["maxTotalInstances"]
    assert str(image.get("max_instances")) == str(wanted), f"max_instances is {image.get('max_instances')!r}"


def check_cores(env):
    """quota-answers' max_cores is your project's cores limit."""
    image = env.image_json("quota-answers") or {}
    wanted = _limits(env)["maxTotalCores"]
    assert str(image.get("max_cores")) == str(wanted), f"max_cores is {image.get('max_cores')!r}"
