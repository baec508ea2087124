"""Reference solution for lab 3.11."""


def solve(env):
    storage = env.conn.block_storage
    volume = env.wait_volume(storage.create_volume(name="shop-db", size=1, description="the database"))
    backup = storage.create_backup(volume_id=volume.id, name="lab-backup")
    env.wait(lambda: storage.get_backup(backup.id), lambda b: b.status == "available", "lab-backup")
    storage.delete_volume(volume)
    env.wait(lambda: env.volume("shop-db"), lambda v: v is None, "shop-db deleted")
    storage.restore_backup(backup, name="lab-restored")
    env.wait(lambda: env.volume("lab-restored"), lambda v: v is not None and v.status == "available",
             "lab-restored to be available")
