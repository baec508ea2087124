"""Checks for exercise nb1: a server nb1-exercise, with metadata course=day1, stopped."""


def _server(env):
    server = env.server("nb1-exercise")
    assert server is not None, "no server called nb1-exercise in your project"
    return server


def check_exists(env):
    """A server called nb1-exercise exists in your project."""
    _server(env)


def check_metadata(env):
    """nb1-exercise has the metadata course=day1."""
    metadata = dict(_server(env).metadata or {})
    assert metadata.get("course") == "day1", f"its metadata is {metadata}"


def check_stopped(env):
    """nb1-exercise booted (it has launched) and is now SHUTOFF."""
    server = _server(env)
    assert server.launched_at, "it never finished booting"
    assert server.status == "SHUTOFF", f"its status is {server.status}"
