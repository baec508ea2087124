"""A wrong but plausible solution of lab 3.11: after the delete, a blank volume of the same size is made and
named lab-restored (it is available, and empty). Its checks must fail."""

FAILS = ("restored",)


def solve(env):
    storage = env.conn.block_storage
    volume = env.wait_volume(storage.create_volume(name="shop-db", size=1))
    backup = storage.create_backup(volume_id=volume.id, name="lab-backup")
    env.wait(lambda: storage.get_backup(backup.id), lambda b: b.status == "available", "lab-backup")
    storage.delete_volume(volume)
    env.wait(lambda: env.volume("shop-db"), lambda v: v is None, "shop-db deleted")
    env.wait_volume(storage.create_volume(name="lab-restored", size=1))
