"""Reference answer for exercise nb3."""


def solve(env):
    storage = env.conn.block_storage
    volume = env.wait_volume(storage.create_volume(name="nb3-exercise", size=1))
    env.wait_snapshot(storage.create_snapshot(volume_id=volume.id, name="nb3-exercise-snap"))
    storage.extend_volume(volume, 3)
    env.wait(lambda: storage.get_volume(volume.id), lambda v: v.size == 3 and v.status == "available",
             "nb3-exercise to be 3 GB")
