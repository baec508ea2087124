"""A wrong but plausible solution of lab 3.4: lab-restored cloned from the volume (`--source`), not made from
its snapshot. Its checks must fail."""

FAILS = ("from_snapshot",)


def solve(env):
    storage = env.conn.block_storage
    origin = env.wait_volume(storage.create_volume(name="lab-origin", size=1))
    env.wait_snapshot(storage.create_snapshot(volume_id=origin.id, name="lab-origin-snap"))
    env.wait_volume(storage.create_volume(name="lab-restored", size=1, source_volume_id=origin.id))
