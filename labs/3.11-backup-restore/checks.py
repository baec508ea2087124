"""Checks for lab 3.11: lab-backup is an available backup of a volume that has been deleted since, and
lab-restored was made by restoring it."""


def _backup(env):
    return next((b for b in env.conn.block_storage.backups(details=True) if b.name == "lab-backup"), None)


def check_backup(env):
    """A backup called lab-backup is available."""
    backup = _backup(env)
    assert backup is not None, "no backup called lab-backup"
    assert backup.status == "available", f"lab-backup is {backup.status}"


def check_accident(env):
    """The volume lab-backup was taken of has been deleted."""
    backup = _backup(env)
    assert backup is not None, "no backup called lab-backup"
    deleted = {e["resource_id"] for e in env.events("volume") if e["action"] == "delete"}
    assert backup.volume_id in deleted, "the volume lab-backup was taken of still exists"


def check_restored(env):
    """A volume called lab-restored, made by restoring lab-backup, is available."""
    backup, volume = _backup(env), env.volume("lab-restored")
    assert volume is not None, "no volume called lab-restored"
    assert volume.status == "available", f"lab-restored is {volume.status}"
    made = [e for e in env.events("volume") if e["resource_id"] == volume.id and e["action"] == "create"]
    assert backup is not None and made and made[0]["attributes"].get("backup_id") == backup.id, \
        "lab-restored was not restored from lab-backup"
