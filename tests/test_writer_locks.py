"""Screening reads, then posting inserts: two identical posts at once must not both pass."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support import counting

from talkback.database import _lock_id, serialize_writers
from talkback.extensions import db


def test_lock_ids_are_stable_and_distinct():
    assert _lock_id("email:a@example.org") == _lock_id("email:a@example.org")
    assert _lock_id("email:a@example.org") != _lock_id("ip:127.0.0.1")
    assert -(2**63) <= _lock_id("x") < 2**63


def test_a_writer_holds_its_keys_until_commit_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; advisory locks are PostgreSQL's")
        serialize_writers("email:same@example.org", "ip:10.0.0.1")
        other = db.engine.connect()
        try:
            held = other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:id)"),
                                 {"id": _lock_id("email:same@example.org")}).scalar()
            free = other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:id)"),
                                 {"id": _lock_id("email:someone.else@example.org")}).scalar()
            other.rollback()
            assert held is False and free is True
            db.session.commit()  # ends the transaction, and with it the locks
            after = other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:id)"),
                                  {"id": _lock_id("email:same@example.org")}).scalar()
            assert after is True
        finally:
            other.rollback()
            other.close()


def test_on_sqlite_it_takes_no_lock(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        with counting(app) as statements:
            serialize_writers("email:a@example.org")
        assert statements == []
