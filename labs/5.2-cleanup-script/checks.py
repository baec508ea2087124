"""Checks for lab 5.2: keep-1 is there, no tmp-* volume is left."""


def check_kept(env):
    """The volume keep-1 is still there."""
    assert env.volume("keep-1") is not None, "no volume called keep-1"


def check_cleaned(env):
    """No volume whose name starts with tmp- is left."""
    assert env.volume("keep-1") is not None, "do the lab first: no volume called keep-1"
    left = [v.name for v in env.conn.block_storage.volumes() if (v.name or "").startswith("tmp-")]
    assert not left, f"still there: {', '.join(left)}"
