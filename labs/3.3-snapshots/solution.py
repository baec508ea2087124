"""Reference solution for lab 3.3."""


def solve(env):
    volume = env.wait_volume(env.conn.block_storage.create_volume(name="lab-src", size=1))
    env.wait_snapshot(env.conn.block_storage.create_snapshot(volume_id=volume.id, name="lab-snap"))
