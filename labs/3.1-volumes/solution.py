"""Reference solution for lab 3.1."""


def solve(env):
    env.wait_volume(env.conn.block_storage.create_volume(name="lab-vol", size=1))
