"""A wrong but plausible solution of lab 3.3: lab-snap taken of another volume than lab-src.
Its checks must fail."""

FAILS = ("snapshot",)


def solve(env):
    storage = env.conn.block_storage
    env.wait_volume(storage.create_volume(name="lab-src", size=1))
    other = env.wait_volume(storage.create_volume(name="lab-other", size=1))
    env.wait_snapshot(storage.create_snapshot(volume_id=other.id, name="lab-snap"))
