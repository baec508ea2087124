"""Reference solution for lab 3.5."""


def solve(env):
    volume = env.wait_volume(env.conn.block_storage.create_volume(name="lab-grow", size=1))
    env.conn.block_storage.extend_volume(volume, 2)
    env.wait(lambda: env.conn.block_storage.get_volume(volume.id),
             lambda v: v.size == 2 and v.status == "available", "lab-grow to be 2 GB")
