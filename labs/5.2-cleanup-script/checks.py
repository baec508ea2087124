"""Checks for lab 5.2: the tmp- volumes were made and deleted (the event log keeps both), keep-1 stayed."""

MIN_TMP = 2  # the README makes tmp-1 and tmp-2


def _tmp_volumes(env):
    """{volume id: deleted by the student} for every volume this project created with a tmp- name."""
    made, gone = {}, set()
    for event in env.events("volume"):
        if event["action"] == "create" and str(event["attributes"].get("name") or "").startswith("tmp-"):
            made[event["resource_id"]] = False
        elif event["action"] == "delete" and event["user_id"] != "system":
            gone.add(event["resource_id"])
    return {volume_id: volume_id in gone for volume_id in made}


def check_kept(env):
    """The volume keep-1 is still there."""
    assert env.volume("keep-1") is not None, "no volume called keep-1"


def check_made(env):
    """At least two tmp- volumes were made for the script to clean up."""
    made = _tmp_volumes(env)
    assert len(made) >= MIN_TMP, f"{len(made)} tmp- volume(s) were ever made in your project; make tmp-1 and tmp-2"


def check_cleaned(env):
    """Every tmp- volume was deleted, and none is left."""
    assert env.volume("keep-1") is not None, "do the lab first: no volume called keep-1"
    made = _tmp_volumes(env)
    assert made, "no tmp- volume was ever made in your project, so there was nothing to clean"
    left = [v.name for v in env.conn.block_storage.volumes() if (v.name or "").startswith("tmp-")]
    assert not left, f"still there: {', '.join(left)}"
    assert all(made.values()), "a tmp- volume vanished without being deleted by you"
