"""Snapshots of the whole lab state by name: the database and the files beside it (image data, volume and
volume-snapshot files, simulated guests), as training-labs snapshots a VM after each step.

    <data_dir>/lab-snapshots/<name>/meta.json, stacklab.db, files/<each top-level folder of the data dir>

Saving runs while the cloud serves: the worker is held between jobs and a write lock is taken on the database
(API writes wait a moment), the database is copied with SQLite's online backup and the folders are copied
(sparse files stay sparse; image files, which never change once written, are hard-linked). The snapshot is
built under a temporary name and renamed into place, so a half-written snapshot never shows up in the list.

Restoring is atomic and also runs while the cloud serves. It stages first (the snapshot's folders are copied
beside the live ones: a failure here changes nothing), then, with the worker held and one SQLite write
transaction open, it replaces every table's rows with the snapshot's and swaps the folders by renames; the
transaction commits only after the swap. Any error before the commit rolls the transaction back and renames
the folders back: the lab is left in its previous state, never a mix. A journal file records a swap in
progress, so a process killed in the middle is put back by `recover()` at the next start. Tokens issued since
the snapshot are kept (for users that exist in it), so the instructor's session survives its own restore; the
cloud's caches (the clock offset, resolved tokens) are reloaded afterwards.

SQLite only (the default database): a PostgreSQL lab snapshots with pg_dump.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.config import DIR_MODE, FILE_MODE, private_dir, write_private

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

SNAPSHOTS = "lab-snapshots"
STAGING = ".lab-restore"
JOURNAL = ".lab-restore.journal"
DB_NAME = "stacklab.db"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Not lab state: the snapshots themselves, restore scratch space, a private libvirtd's runtime files, the
# dashboard's settings, secret key and sessions (lab/dashboard/server.py: a running Horizon works in that folder,
# and swapping it under it would pull its working directory away).
SKIP_DIRS = {SNAPSHOTS, STAGING, "libvirtd", "dashboard"}
KEEP_TABLES = {"tokens"}  # handled apart: current sessions survive a restore


@dataclass(frozen=True)
class SnapshotInfo:
    name: str
    created_at: str
    lab_time: str
    size_bytes: int
    folders: tuple[str, ...]


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not NAME.match(name):
        raise BadRequest(f"Invalid snapshot name {name!r}: 1 to 64 letters, digits, '.', '-' or '_'.")


class SnapshotStore:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.data_dir = cloud.settings.data_dir
        self.root = self.data_dir / SNAPSHOTS

    # ------------------------------------------------------------------ helpers
    def _db_path(self) -> Path:
        url = self.cloud.db.engine.url
        if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
            raise BadRequest("Lab snapshots need the SQLite database (the default); with another database "
                             "use its own backup tool.")
        return Path(url.database)

    def _state_dirs(self) -> list[str]:
        return sorted(p.name for p in self.data_dir.iterdir()
                      if p.is_dir() and p.name not in SKIP_DIRS and not p.name.startswith("."))

    def path(self, name: str) -> Path:
        _check_name(name)
        return self.root / name

    # ------------------------------------------------------------------ list / show / delete
    def list(self) -> list[SnapshotInfo]:
        if not self.root.is_dir():
            return []
        return [self._info(p) for p in sorted(self.root.iterdir())
                if p.is_dir() and not p.name.startswith(".") and (p / "meta.json").exists()]

    def _info(self, path: Path) -> SnapshotInfo:
        meta = json.loads((path / "meta.json").read_text())
        return SnapshotInfo(path.name, meta["created_at"], meta["lab_time"], int(meta["size_bytes"]),
                            tuple(meta["folders"]))

    def get(self, name: str) -> SnapshotInfo:
        path = self.path(name)
        if not (path / "meta.json").exists():
            raise NotFound(f"Could not find snapshot: {name}. See `stacklab snapshot list`.")
        return self._info(path)

    def delete(self, name: str) -> None:
        self.get(name)
        path = self.path(name)
        trash = self.root / f".deleting-{name}-{uuid.uuid4().hex[:8]}"
        path.rename(trash)  # gone from the list at once; the files go next
        shutil.rmtree(trash, ignore_errors=True)

    # ------------------------------------------------------------------ save
    def save(self, name: str) -> SnapshotInfo:
        """Save the lab's state as `name`. 409 when a snapshot of that name exists."""
        final = self.path(name)
        if final.exists():
            raise Conflict(f"A snapshot named {name} already exists: delete it first or choose another name.")
        db_path = self._db_path()
        private_dir(self.root)  # the snapshots hold the same secrets as the live database
        tmp = self.root / f".saving-{name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(mode=DIR_MODE)
        try:
            with self.cloud.worker.paused():
                lock = sqlite3.connect(db_path, timeout=30, isolation_level=None)
                try:
                    lock.execute("BEGIN IMMEDIATE")  # no API write commits while the files are copied
                    source = sqlite3.connect(db_path, timeout=30)
                    os.close(os.open(tmp / DB_NAME, os.O_RDWR | os.O_CREAT, FILE_MODE))
                    target = sqlite3.connect(tmp / DB_NAME)
                    try:
                        source.backup(target)
                    finally:
                        target.close()
                        source.close()
                    folders = self._state_dirs()
                    for folder in folders:
                        copy_tree(self.data_dir / folder, tmp / "files" / folder, link=folder == "images")
                    lab_time = self.cloud.clock.now().isoformat()
                finally:
                    lock.execute("ROLLBACK")
                    lock.close()
            size = sum(f.stat().st_blocks * 512 for f in tmp.rglob("*") if f.is_file())
            meta = {"name": name, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "lab_time": lab_time, "size_bytes": size, "folders": folders}
            write_private(tmp / "meta.json", json.dumps(meta, indent=1))
            if final.exists():
                raise Conflict(f"A snapshot named {name} already exists: delete it first or choose another name.")
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self._info(final)

    # ------------------------------------------------------------------ restore
    def restore(self, name: str, fail_after_swap: bool = False) -> SnapshotInfo:
        """Put the lab back to snapshot `name`. 404 for an unknown name; the lab is unchanged on any error.
        `fail_after_swap` simulates a failure at the last moment (tests prove the rollback with it)."""
        info = self.get(name)
        snap = self.path(name)
        db_path = self._db_path()
        self.recover()
        staging = self.data_dir / STAGING
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=DIR_MODE)
        try:
            # 1. Stage: a failure here leaves the live lab untouched.
            for folder in info.folders:
                copy_tree(snap / "files" / folder, staging / "new" / folder, link=folder == "images")
            (staging / "old").mkdir()
            # 2. Swap, under the worker pause and one write transaction.
            with self.cloud.worker.paused():
                self._swap(db_path, snap / DB_NAME, staging, set(info.folders), fail_after_swap)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._reload()
        return info

    def _swap(self, db_path: Path, snap_db: Path, staging: Path, folders: set[str], fail: bool) -> None:
        conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        moved: list[tuple[Path, Path]] = []  # (from, to) renames done, undone in reverse on failure
        journal = self.data_dir / JOURNAL
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("ATTACH DATABASE ? AS snap", (str(snap_db),))
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("PRAGMA defer_foreign_keys=ON")
            _replace_tables(conn)
            # Files: live folders aside, staged ones in; the journal lets `recover()` undo a killed swap.
            live = set(self._state_dirs())
            journal.write_text(json.dumps({"staging": str(staging), "moves": []}))
            for folder in sorted(live | folders):
                current, old, new = self.data_dir / folder, staging / "old" / folder, staging / "new" / folder
                if current.exists():
                    current.rename(old)
                    moved.append((current, old))
                    _journal(journal, moved)
                if new.exists():
                    new.rename(current)
                    moved.append((new, current))
                    _journal(journal, moved)
            if fail:
                raise RuntimeError("simulated failure after the swap")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            _undo(moved)
            raise
        finally:
            conn.close()
            journal.unlink(missing_ok=True)

    def recover(self) -> bool:
        """Undo a folder swap that a killed process left half done (its database transaction never committed,
        so the folders are put back to match). True when something was put back."""
        journal = self.data_dir / JOURNAL
        if not journal.exists():
            return False
        try:
            moves = json.loads(journal.read_text()).get("moves", [])
        except ValueError:
            moves = []
        _undo([(Path(a), Path(b)) for a, b in moves])
        journal.unlink(missing_ok=True)
        shutil.rmtree(self.data_dir / STAGING, ignore_errors=True)
        return True

    def clean_debris(self) -> tuple[Path, ...]:
        """At start, after `recover()`: remove what a killed restore's staging or a killed save left behind
        (`.lab-restore/`, `lab-snapshots/.saving-*`). Only the starting process may call it: a save or restore
        in progress elsewhere would lose its scratch space. Returns what was removed."""
        debris = [self.data_dir / STAGING, *self.root.glob(".saving-*")] if self.root.is_dir() \
            else [self.data_dir / STAGING]
        removed = tuple(path for path in debris if path.exists())
        for path in removed:
            shutil.rmtree(path, ignore_errors=True)
        return removed

    def _reload(self) -> None:
        """Caches that hold database state: the clock offset and the resolved tokens; and plain passwords a
        snapshot from before hashing brought back (see LabStudent) are emptied again."""
        self.cloud.clock.load()
        self.cloud.services["labapi"].camp.classes.forget_plain_passwords()
        self.cloud.identity.forget_tokens()
        self.cloud.worker.wake()


def _journal(journal: Path, moved: list[tuple[Path, Path]]) -> None:
    tmp = journal.with_suffix(".tmp")
    tmp.write_text(json.dumps({"moves": [[str(a), str(b)] for a, b in moved]}))
    os.replace(tmp, journal)


def _undo(moved: list[tuple[Path, Path]]) -> None:
    for source, target in reversed(moved):
        if target.exists() and not source.exists():
            target.rename(source)


def _replace_tables(conn: sqlite3.Connection) -> None:
    """Every table's rows replaced by the snapshot's (columns both have), inside the caller's transaction.
    All deletes come before all inserts, so ON DELETE CASCADE never removes a row just copied in."""
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    snap_tables = {r[0] for r in conn.execute("SELECT name FROM snap.sqlite_master WHERE type='table'")}
    conn.execute("CREATE TEMP TABLE keep_tokens AS SELECT * FROM main.tokens") if "tokens" in tables else None
    for table in tables:
        conn.execute(f'DELETE FROM main."{table}"')
    has_sequence = conn.execute("SELECT 1 FROM main.sqlite_master WHERE name='sqlite_sequence'").fetchone()
    if has_sequence:
        conn.execute("DELETE FROM main.sqlite_sequence")
    for table in tables:
        if table not in snap_tables:
            continue
        mine = [r[1] for r in conn.execute(f'PRAGMA main.table_info("{table}")')]
        theirs = {r[1] for r in conn.execute(f'PRAGMA snap.table_info("{table}")')}
        columns = ", ".join(f'"{c}"' for c in mine if c in theirs)
        conn.execute(f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM snap."{table}"')
    if has_sequence and "sqlite_sequence" in snap_tables:
        conn.execute("INSERT INTO main.sqlite_sequence SELECT * FROM snap.sqlite_sequence")
    if "tokens" in tables:
        conn.execute("INSERT OR IGNORE INTO main.tokens SELECT * FROM temp.keep_tokens WHERE user_id IN "
                     "(SELECT id FROM main.users) AND (project_id IS NULL OR project_id IN "
                     "(SELECT id FROM main.projects))")
        conn.execute("DROP TABLE temp.keep_tokens")
    problems = conn.execute("PRAGMA main.foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"the snapshot's rows break {len(problems)} foreign key(s), e.g. {problems[0]}")


# ---------------------------------------------------------------------------------------------- files
def copy_tree(source: Path, target: Path, link: bool = False) -> None:
    """Copy a folder: regular files only (sockets and the like are runtime state), sparse files kept sparse;
    with `link`, files are hard-linked when possible (image data never changes once written)."""
    target.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    for entry in os.scandir(source):
        src, dst = Path(entry.path), target / entry.name
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in SKIP_DIRS:
                copy_tree(src, dst, link)
        elif entry.is_file(follow_symlinks=False) and not entry.name.endswith((".part", ".tmp")):
            if link:
                try:
                    os.link(src, dst)
                    continue
                except OSError:
                    pass
            sparse_copy(src, dst)


def sparse_copy(source: Path, target: Path) -> None:
    """Copy `source` to `target` writing only its data extents (holes stay holes), keeping its mode."""
    with open(source, "rb") as fin, open(target, "wb") as fout:
        fd = fin.fileno()
        size = os.fstat(fd).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
                end = os.lseek(fd, start, os.SEEK_HOLE)
            except OSError as exc:
                if exc.errno == errno.ENXIO:  # only a hole is left
                    break
                start, end = offset, size  # no hole support here: copy the rest as it is
            fin.seek(start)
            fout.seek(start)
            remaining = end - start
            while remaining > 0:
                chunk = fin.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                fout.write(chunk)
                remaining -= len(chunk)
            offset = end
        fout.truncate(size)
    shutil.copymode(source, target)


def dir_files(path: Path) -> dict[str, Any]:
    """{relative path: size} of the regular files under `path` (tests compare lab states with it)."""
    return {str(p.relative_to(path)): p.stat().st_size for p in sorted(path.rglob("*")) if p.is_file()}
