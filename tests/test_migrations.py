"""Migrations: one head; the head matches models.py; an empty database goes up to the head and back
down to nothing, on SQLite and on PostgreSQL (a throwaway database, never the shared test one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from live_services import throwaway_postgres

from app import create_app
from talkback.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        with throwaway_postgres("migrations") as url:
            yield url


def _app(url: str) -> Flask:
    return create_app({"DATABASE_URL": url, "AUTO_MIGRATE": False, "SECRET_KEY": "test",
                       "TESTING": True})


def _tables(app: Flask) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def _script(app: Flask) -> ScriptDirectory:
    with app.app_context():
        return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_single_head(tmp_path: Path) -> None:
    app = _app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    heads = _script(app).get_heads()
    assert len(heads) == 1, f"migrations have several heads {heads}: merge them (flask db merge)"
    _dispose(app)


def test_upgrade_to_head_and_down_to_base(empty_database: str) -> None:
    app = _app(empty_database)
    model_tables = {table.name for table in db.metadata.sorted_tables}
    try:
        assert _tables(app) == set()
        with app.app_context():
            upgrade(revision="head")
        assert model_tables <= _tables(app)
        head = _script(app).get_current_head()
        with app.app_context():
            assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
            db.session.remove()

            downgrade(revision="base")
        assert _tables(app) - {"alembic_version"} == set()

        # And up again: every downgrade left the database as the upgrade found it.
        with app.app_context():
            upgrade(revision="head")
        assert model_tables <= _tables(app)
    finally:
        _dispose(app)


def test_head_matches_the_models(empty_database: str) -> None:
    """`flask db migrate` would find nothing to do: models.py and the migrations agree."""
    app = _app(empty_database)
    try:
        with app.app_context():
            upgrade(revision="head")
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "compare_server_default": False}
                )
                differences = compare_metadata(context, db.metadata)
        assert differences == [], "models.py and the migrations differ; add a revision:\n" + "\n".join(
            map(repr, differences)
        )
    finally:
        _dispose(app)
