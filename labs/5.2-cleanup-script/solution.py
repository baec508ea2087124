"""Reference solution for lab 5.2."""


def solve(env):
    storage = env.conn.block_storage
    volumes = [storage.create_volume(name=name, size=1) for name in ("keep-1", "tmp-1", "tmp-2")]
    for volume in volumes:
        env.wait_volume(volume)
    for volume in storage.volumes():
        if (volume.name or "").startswith("tmp-"):
            storage.delete_volume(volume)
    env.wait(lambda: [v for v in storage.volumes() if (v.name or "").startswith("tmp-")], lambda left: not left,
             "the tmp- volumes to go")
