"""Reference solution for lab 3.4."""


def solve(env):
    storage = env.conn.block_storage
    origin = env.wait_volume(storage.create_volume(name="lab-origin", size=1))
    snap = env.wait_snapshot(storage.create_snapshot(volume_id=origin.id, name="lab-origin-snap"))
    env.wait_volume(storage.create_volume(name="lab-restored", size=1, snapshot_id=snap.id))
