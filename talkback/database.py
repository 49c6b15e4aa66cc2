"""Engine behaviour that the ORM does not give by default."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine

from .extensions import db

# Sent with each statement a DirectRead runs (the engine's own events never see them): the
# query-count tests listen to it beside SQLAlchemy's before_cursor_execute.
direct_read_executed = Namespace().signal("direct-read-executed")


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
        # pysqlite's own BEGIN handling is switched off so that _on_begin chooses the kind of BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers go on while one writer writes; the busy timeout makes a writer wait
        # for the lock instead of failing with "database is locked".
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # A POST writes: take the write lock at BEGIN, so the busy timeout applies. A deferred
        # transaction that reads first and then writes fails at once (SQLITE_BUSY_SNAPSHOT) when
        # another writer got in between.
        if has_request_context() and request.method == "POST" and _may_write():
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def _may_write() -> bool:
    if g.get("talkback_done_writing"):
        return False
    if g.get("talkback_writing"):
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return not getattr(view, "talkback_reads_first", False)


def reads_first(view):
    """Marks a POST view that reads before it writes (placed right under the route decorator, so
    that the function the route registers carries the mark): its transactions begin as plain BEGIN,
    without SQLite's write lock, until it calls `begin_writing()`. Everything it reads before that
    (the article, the settings, the login) is read without holding up other writers."""
    view.talkback_reads_first = True
    return view


def begin_writing() -> None:
    """Ends the reads of a `reads_first` view so that what follows runs as a writer: what must be
    atomic with the write (checks, then the insert) runs under SQLite's write lock, and only that.

    SQLite: the read transaction is committed and BEGIN IMMEDIATE issued on the same connection,
    inside the session's transaction (no new checkout, nothing loaded is expired); later reads see
    everything committed before the lock was taken. PostgreSQL needs nothing: its statements see
    what was committed before each of them, and `serialize_writers` takes the locks."""
    if has_request_context():
        g.talkback_writing = True
    session = db.session()
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return  # on SQLite the next transaction begins IMMEDIATE (_on_begin)
    connection = session.connection()
    if connection.in_transaction():
        connection.exec_driver_sql("COMMIT")
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def done_writing() -> None:
    """Called once a POST has committed what it writes: its later transactions in this request (the
    reads that render the answer) begin as plain BEGIN, so the write lock is not held while the
    page is rendered and other writers go on. A view that writes again must not call it."""
    if has_request_context():
        g.talkback_done_writing = True


def _lock_id(key: str) -> int:
    """A stable signed 64-bit id for an advisory lock."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def serialize_writers(*keys: str) -> None:
    """Makes the rest of this transaction exclusive among writers that name any of the same keys.

    Screening reads (is this a duplicate? a flood?) and then inserts; two identical posts at the
    same moment must not both pass. SQLite already serialises writers (BEGIN IMMEDIATE); on
    PostgreSQL each key takes a transaction-scoped advisory lock, in sorted order so that two
    writers never wait on each other in a cycle.
    """
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        return
    for lock_id in sorted({_lock_id(key) for key in keys}):
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


class DirectRead:
    """One SELECT that every page runs, straight on a pooled DBAPI connection.

    Through the ORM session a small SELECT costs about ten times what the database spends on it: a
    transaction begun and rolled back, the session's bookkeeping, result objects. A single
    statement is consistent on its own and needs none of that, so `rows()` checks a connection out
    of the engine's pool, runs the statement compiled once per dialect, converts the values as the
    columns' types would (dates, booleans) and gives the connection back at once.

    Inside a transaction the session has open (a POST that has written), the statement goes through
    the session instead, so it sees that transaction's own changes.

    On SQLite the rows are kept until the database changes (`_SQLiteChanges`): asking costs less
    than reading them again.
    """

    def __init__(self, statement: sa.Select | sa.CompoundSelect):
        self.statement = statement
        self._compiled: dict[Dialect, tuple[str, Callable[[dict], Any], list]] = {}

    def rows(self, **params: Any) -> tuple[tuple, ...]:
        session = db.session
        if session.registry.has() and session().in_transaction():
            return tuple(tuple(row) for row in session.execute(self.statement, params))
        engine = db.engine
        kept = _sqlite_changes.rows_kept(engine)
        key = (self, tuple(sorted(params.items())))
        if kept is not None and key in kept:
            return kept[key]
        sql, arguments, processors = self._for(engine.dialect)
        if direct_read_executed.receivers:
            direct_read_executed.send(self, statement=sql)
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(sql, arguments(params))
            raw = cursor.fetchall()
            cursor.close()
        finally:
            connection.close()  # back to the pool, which ends the read
        if any(processors):
            raw = [[value if convert is None else convert(value)
                    for convert, value in zip(processors, row, strict=True)] for row in raw]
        rows = tuple(tuple(row) for row in raw)  # kept: callers get tuples they cannot change
        if kept is not None:
            kept[key] = rows
        return rows

    def _for(self, dialect: Dialect) -> tuple[str, Callable[[dict], Any], list]:
        found = self._compiled.get(dialect)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            defaults = dict(compiled.params)  # the statement's own literals, as bound parameters
            if dialect.positional:
                order = list(compiled.positiontup or ())

                def arguments(params: dict) -> tuple:
                    return tuple(params[name] if name in params else defaults[name] for name in order)
            else:
                def arguments(params: dict) -> dict:
                    return {**defaults, **params}
            processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                          for column in self.statement.selected_columns]
            found = self._compiled[dialect] = (compiled.string, arguments, processors)
        return found


class _SQLiteChanges(threading.local):
    """Per thread and SQLite database: a connection of its own that only ever asks `PRAGMA
    data_version`, and the DirectRead rows read since its answer last changed.

    SQLite changes data_version whenever another connection — of this process or any other —
    commits, and this one never writes, so every commit anywhere moves it. Rows read before a
    commit that lands while they are being read are kept under the old version, which the next
    question finds changed.
    """

    KEEP_AT_MOST = 1024  # (statement, parameters) pairs; then start again (404 slugs count too)

    def __init__(self) -> None:
        self.by_engine: weakref.WeakKeyDictionary[Engine, _Probe] = weakref.WeakKeyDictionary()

    def rows_kept(self, engine: Engine) -> dict | None:
        """The rows kept for `engine`, emptied first if the database changed; None if not SQLite."""
        if engine.dialect.name != "sqlite":
            return None
        probe = self.by_engine.get(engine)
        if probe is None or probe.pid != os.getpid():
            probe = self.by_engine[engine] = _Probe(engine)
        if direct_read_executed.receivers:
            direct_read_executed.send(None, statement=_DATA_VERSION)
        (version,) = probe.cursor.execute(_DATA_VERSION).fetchone()
        if version != probe.version or len(probe.rows) >= self.KEEP_AT_MOST:
            probe.version, probe.rows = version, {}
        return probe.rows


_DATA_VERSION = "PRAGMA data_version"


class _Probe:
    def __init__(self, engine: Engine) -> None:
        self.pid = os.getpid()  # a forked worker opens its own
        connection = engine.raw_connection()  # set up as the pool's are (WAL, busy timeout)
        connection.detach()  # this thread's, for its life; never returned to the pool
        self.connection = connection
        self.cursor = connection.cursor()
        self.version: int | None = None
        self.rows: dict = {}


_sqlite_changes = _SQLiteChanges()
