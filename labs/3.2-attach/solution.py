"""Reference solution for lab 3.2."""


def solve(env):
    server = env.boot("lab-storage")
    volume = env.wait_volume(env.conn.block_storage.create_volume(name="lab-data", size=1))
    env.conn.compute.create_volume_attachment(server, volume=volume)
    env.wait_volume(volume, "in-use")
