"""A wrong but plausible solution of lab 3.1: the volume made 2 GB "to have room". Its checks must fail."""

FAILS = ("size",)


def solve(env):
    env.wait_volume(env.conn.block_storage.create_volume(name="lab-vol", size=2))
