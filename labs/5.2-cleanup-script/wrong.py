"""A wrong but plausible solution of lab 5.2: only keep-1 made, so there is nothing for a script to clean
(and no script is run). Its checks must fail."""

FAILS = ("made", "cleaned")


def solve(env):
    env.wait_volume(env.conn.block_storage.create_volume(name="keep-1", size=1))
