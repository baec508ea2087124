"""A wrong but plausible solution of lab 3.2: the server and the volume, but the attach never done.
Its checks must fail."""

FAILS = ("attached",)


def solve(env):
    env.boot("lab-storage")
    env.wait_volume(env.conn.block_storage.create_volume(name="lab-data", size=1))
