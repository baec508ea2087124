"""Checks for lab 3.10: lab-expire holds keep.txt (no expiry) and notice.txt (an expiry still to come), and
temp.txt was removed by the cloud's object expirer (the event log says so), not deleted by hand."""


def _head(env, name):
    response = env.conn.object_store.head(f"/lab-expire/{name}", raise_exc=False)
    return response if response.status_code < 300 else None


def check_kept(env):
    """Container lab-expire holds keep.txt, which never expires."""
    head = _head(env, "keep.txt")
    assert head is not None, "lab-expire has no object keep.txt"
    assert "X-Delete-At" not in head.headers, "keep.txt has an expiry: upload it without one"


def check_scheduled(env):
    """notice.txt in lab-expire has an expiry that has not come yet."""
    head = _head(env, "notice.txt")
    assert head is not None, "lab-expire has no object notice.txt (or it expired already)"
    assert "X-Delete-At" in head.headers, "notice.txt has no expiry (X-Delete-At)"


def check_expired(env):
    """temp.txt was removed from lab-expire by the object expirer."""
    assert _head(env, "temp.txt") is None, "temp.txt is still there: has its expiry come yet?"
    expired = [e for e in env.events("container")
               if e["attributes"].get("name") == "lab-expire" and e["attributes"].get("expired") == "temp.txt"]
    assert expired, "temp.txt did not expire: it was deleted (or never uploaded with an expiry)"
