"""Engine behaviour that the ORM does not give by default."""

from __future__ import annotations

import hashlib
import sqlite3

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


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
