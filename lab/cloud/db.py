"""The database layer: one SQLAlchemy engine per cloud, sessions for reading and for writing.

SQLite (the default) runs in WAL mode with synchronous=NORMAL: a commit costs microseconds and survives a
killed process. Writes go through `Database.write()`, which opens the transaction with `BEGIN IMMEDIATE`, so
allocations that must be unique (IPs, MACs, quota usage) are decided by one writer at a time instead of by
check-then-insert across two transactions. Any SQLAlchemy URL works too (PostgreSQL for larger classes).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, SessionTransaction, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The one declarative base: every service's models.py defines its tables on it."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime()}


def new_id() -> str:
    """A fresh resource id, formatted as OpenStack formats them (a dashed UUID)."""
    return str(uuid.uuid4())


def new_hex_id() -> str:
    """A fresh Keystone-style id (32 hex digits, no dashes)."""
    return uuid.uuid4().hex


class Database:
    """The engine and the two kinds of session the services use."""

    def __init__(self, url: str):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"json_deserializer": _json_loads}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            private_sqlite_file(url)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writers = sessionmaker(self.engine.execution_options(begin_immediate=True),
                                     expire_on_commit=False)

    def create_all(self) -> None:
        """Create every table that the imported models define (idempotent)."""
        Base.metadata.create_all(self.engine)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; anything it writes is discarded. Objects loaded stay usable after it closes
        (closing detaches them without expiring them)."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction taken with BEGIN IMMEDIATE; committed on success, rolled back on any error."""
        with self._writers() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


_LONG_DIGITS = re.compile(r"\d{19}")


def _json_loads(text: str) -> Any:
    """JSON columns are read with orjson (a list of servers decodes four per row). The standard library,
    which writes them, reads what orjson reads differently: integers of 19 digits or more (orjson makes
    them floats), NaN and Infinity, lone surrogates (orjson refuses them)."""
    if _LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def private_sqlite_file(url: str) -> None:
    """Create the SQLite file of `url` as 0600 before SQLite opens it (and make an existing one 0600): SQLite
    gives its -wal and -shm files the database file's mode, so all three stay the owner's only."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.chmod(path + suffix, 0o600)


def _tune_sqlite(engine: Engine) -> None:
    """WAL, NORMAL sync, foreign keys; and take control of BEGIN so writers can ask for IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite must not issue its own BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("begin_immediate")
        # Straight to the driver: SQLAlchemy's statement machinery costs more than the BEGIN itself, and every
        # request opens at least one transaction.
        connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


_MEMOS = "stacklab.memos"
_LISTENING = "stacklab.memos forgotten"  # the session has the listeners that forget its memos


class _Memo:
    __slots__ = ("depends_on", "deletes_of", "answers")

    def __init__(self, depends_on: tuple[type, ...], deletes_of: tuple[type, ...]):
        self.depends_on = depends_on
        self.deletes_of = deletes_of
        self.answers: dict[Any, Any] = {}


def remembered(db: Session, name: str, key: Any, compute: Callable[[], Any],
               depends_on: tuple[type, ...] = (), deletes_of: tuple[type, ...] = ()) -> Any:
    """`compute()`'s answer for `key`, asked once per transaction while the transaction does not write what
    it depends on: the same question (is this network shared with that project?) asked again by the policy
    target and by the rendering costs no statement.

    `depends_on`: the models the answer is read from; `deletes_of`: models whose deletes cascade to them in the
    database. Pending changes are flushed first, as the query would autoflush them; a flush that writes a row
    of one of them (or, with no `depends_on`, any flush) or deletes one of the others, an ORM write statement
    on one of their tables (or on a table not known), and the end of the transaction forget the answers, so
    an answer is never older than the session's own last write of what it reads."""
    if db.autoflush:
        db.flush()  # what the query would do first (a flush that writes forgets what it makes stale)
    memos: dict[str, _Memo] | None = db.info.get(_MEMOS)
    if memos is None:
        memos = db.info[_MEMOS] = {}
        if not db.info.get(_LISTENING):  # on this session only: the others' statements pay nothing
            db.info[_LISTENING] = True
            event.listen(db, "after_flush", _forget_after_flush)
            event.listen(db, "do_orm_execute", _forget_on_write)
    memo = memos.get(name)
    if memo is None:
        memo = memos[name] = _Memo(depends_on, deletes_of)
    if key not in memo.answers:
        memo.answers[key] = compute()
    return memo.answers[key]


def keep(db: Session, row: Any) -> Any:
    """Hold `row` for the session's life: the identity map keeps only what something references, and a later
    `db.get()` of it (a policy target's, a rendering's) then costs no statement."""
    db.info.setdefault("stacklab.kept", []).append(row)
    return row


def _forget(session: Session, touched: Callable[[tuple[type, ...]], bool],
            deleted: Callable[[tuple[type, ...]], bool]) -> None:
    memos: dict[str, _Memo] | None = session.info.get(_MEMOS)
    if memos:
        for name in [n for n, memo in memos.items()
                     if not memo.depends_on or touched(memo.depends_on) or deleted(memo.deletes_of)]:
            del memos[name]


def _forget_after_flush(session: Session, _context: Any) -> None:
    if session.info.get(_MEMOS):
        gone = list(session.deleted)  # what this flush wrote (the session still shows it as pending)
        written = [*session.new, *session.dirty, *gone]
        _forget(session, lambda models: any(isinstance(row, models) for row in written),
                lambda models: bool(models) and any(isinstance(row, models) for row in gone))


def _forget_on_write(state: ORMExecuteState) -> None:
    if not state.is_select and state.session.info.get(_MEMOS):
        mapper = state.bind_mapper
        model = mapper.class_ if mapper is not None else None

        def hits(models: tuple[type, ...]) -> bool:
            return model is None or (bool(models) and issubclass(model, models))
        _forget(state.session, hits, lambda models: (state.is_delete or model is None) and hits(models))


def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None or transaction.nested:  # not a flush's inner transaction
        session.info.pop(_MEMOS, None)


event.listen(Session, "after_transaction_end", _forget_at_end)  # cheap: once per transaction (and flush)


def count(db: Session, model: Any, *where: Any) -> int:
    """How many rows of `model` match `where`."""
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)
