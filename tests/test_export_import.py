"""`flask export` / `flask import` move a whole site between databases without loss, and
`flask backup` copies a live SQLite database. The round trip runs SQLite → PostgreSQL → SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from live_services import throwaway_postgres

from app import create_app
from blueprints.ops.health import code_revision
from talkback.extensions import db
from talkback.models import (
    Article,
    Comment,
    CommentStatus,
    ModerationEvent,
    Moderator,
    PolicyRule,
    Role,
    SettingChange,
    SiteSetting,
)

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def _app(url: str) -> Flask:
    """An app on an empty database brought to the head by the migrations (as `flask db upgrade`)."""
    app = create_app({"DATABASE_URL": url, "AUTO_MIGRATE": False, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        upgrade(revision="head")
    return app


@pytest.fixture
def apps() -> Iterator[list[Flask]]:
    made: list[Flask] = []
    yield made
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def populate(app: Flask) -> None:
    """A site with a bit of everything: every status, a staff reply, edits, an undo, settings."""
    with app.app_context():
        admin = Moderator(name="Ana Admin", password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                          role=Role.ADMIN, created_at=T0, session_generation=3)
        mod = Moderator(name="Mo Derator", password_hash="$argon2id$x", created_at=T0 + timedelta(days=1))
        rules = [PolicyRule(number=n, text=f"Rule {n}: no ‘{n}’ things") for n in range(1, 8)]
        open_article = Article(slug="storm-warning", title="Storm warning — Roseau ⛈", byline="Staff",
                               body="First paragraph.\n\nSecond, with “quotes”.", copyright_notice="© 2026",
                               published_at=T0, comments_version=7)
        closed = Article(slug="closed", title="Closed", body="Old news.",
                         published_at=T0 - timedelta(days=400), comments_closed=True)
        db.session.add_all([admin, mod, *rules, open_article, closed])
        db.session.flush()
        comments = []
        for i, status in enumerate(CommentStatus):
            comments.append(Comment(
                article_id=open_article.id,
                body=f"Comment {i} 👍🏽 family 👨‍👩‍👧\nsecond line <b>not html</b>",
                author_name=f"Reader {i}", author_email=f"r{i}@example.org",
                author_website="https://example.org/~r" if i % 2 else "", author_ip=f"203.0.113.{i}",
                user_agent="Mozilla/5.0", submitted_at=T0 + timedelta(minutes=i, microseconds=i),
                status=status, held_for=["2 links", "hold word: crypto"] if i == 0 else [],
                revision=i + 1, status_changed_at=T0 + timedelta(hours=i)))
        db.session.add_all(comments)
        db.session.flush()
        reply = Comment(article_id=open_article.id, parent_id=comments[1].id, body="Thanks, fixed.",
                        author_name="Ana Admin", author_email="ana@news.example", staff_moderator_id=admin.id,
                        submitted_at=T0 + timedelta(hours=9), status=CommentStatus.APPROVED,
                        status_changed_at=T0 + timedelta(hours=9), held_for=[])
        db.session.add(reply)
        db.session.flush()
        approve = ModerationEvent(comment_id=comments[1].id, moderator_id=mod.id, action="approve",
                                  created_at=T0 + timedelta(hours=1), from_status=CommentStatus.PENDING,
                                  to_status=CommentStatus.APPROVED)
        reject = ModerationEvent(comment_id=comments[2].id, moderator_id=admin.id, action="reject",
                                 created_at=T0 + timedelta(hours=2), from_status=CommentStatus.PENDING,
                                 to_status=CommentStatus.REJECTED, rule_id=rules[2].id, rule_number=3,
                                 rule_text=rules[2].text, note="Off topic.")
        edit = ModerationEvent(comment_id=comments[1].id, moderator_id=None, action="edit",
                               created_at=T0 + timedelta(hours=3), from_status=CommentStatus.APPROVED,
                               to_status=CommentStatus.APPROVED, previous_body="old", new_body="new")
        db.session.add_all([approve, reject, edit])
        db.session.flush()
        db.session.add(ModerationEvent(
            comment_id=comments[2].id, moderator_id=admin.id, action="undo", undoes_event_id=reject.id,
            created_at=T0 + timedelta(hours=4), from_status=CommentStatus.REJECTED,
            to_status=CommentStatus.PENDING))
        for key, value in [("DISALLOWED_WORDS", ["casino", "crypto ’coin’"]),
                           ("TRUST_APPROVED_AUTHORS", True), ("COMMENT_MAX_LENGTH", 2000),
                           ("POLICY_DISCLAIMER", "Be kind.\n\nThanks.")]:
            db.session.add(SiteSetting(key=key, value=value, updated_at=T0, updated_by_id=admin.id))
            db.session.add(SettingChange(key=key, old_value=None, new_value=value, moderator_id=admin.id,
                                         created_at=T0 + timedelta(seconds=len(key))))
        db.session.add(SettingChange(key="HOLD_WORDS", old_value=["a"], new_value=[], moderator_id=None,
                                     created_at=T0))
        db.session.commit()


def rows(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, as Python values, in key order."""
    with app.app_context(), db.engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(
                sa.select(table).order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables
        }


def export(app: Flask, path: Path) -> dict:
    result = app.test_cli_runner().invoke(args=["export", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def import_(app: Flask, path: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["import", str(path), *extra])


def test_round_trip_sqlite_postgresql_sqlite(apps, tmp_path: Path) -> None:
    with throwaway_postgres("roundtrip") as pg_url:
        source = _app(f"sqlite:///{tmp_path / 'source.sqlite3'}")
        apps.append(source)
        populate(source)
        first = export(source, tmp_path / "from-sqlite.json")
        assert first["source"] == "sqlite"

        middle = _app(pg_url)
        apps.append(middle)
        result = import_(middle, tmp_path / "from-sqlite.json")
        assert result.exit_code == 0, result.output
        assert rows(middle) == rows(source)
        second = export(middle, tmp_path / "from-postgresql.json")
        assert second["source"] == "postgresql"

        # PostgreSQL hands out the next ids after the imported ones.
        with middle.app_context():
            article = db.session.scalars(sa.select(Article).where(Article.slug == "storm-warning")).one()
            fresh = Comment(article_id=article.id, body="after the move", author_name="New",
                            author_email="new@example.org", status=CommentStatus.PENDING, held_for=[])
            db.session.add(fresh)
            db.session.add(Moderator(name="New mod", password_hash="x"))
            db.session.commit()
            assert fresh.id == max(r[0] for r in first["tables"]["comment"]["rows"]) + 1
            db.session.delete(fresh)
            db.session.execute(sa.delete(Moderator).where(Moderator.name == "New mod"))
            db.session.commit()

        # `flask backup` is for SQLite; on PostgreSQL it points at pg_dump.
        result = middle.test_cli_runner().invoke(args=["backup", str(tmp_path / "pg.sqlite3")])
        assert result.exit_code != 0 and "pg_dump" in result.output

        target = _app(f"sqlite:///{tmp_path / 'target.sqlite3'}")
        apps.append(target)
        result = import_(target, tmp_path / "from-postgresql.json")
        assert result.exit_code == 0, result.output
        third = export(target, tmp_path / "back-in-sqlite.json")

    assert rows(target) == rows(source)
    assert first["tables"] == second["tables"] == third["tables"]
    counts = {name: len(block["rows"]) for name, block in first["tables"].items()}
    assert counts == {"article": 2, "moderator": 2, "policy_rule": 7, "comment": 6, "moderation_event": 4,
                      "site_setting": 4, "setting_change": 5, "article_redirect": 0, "article_change": 0}


def test_every_column_of_every_table_is_exported(apps, tmp_path: Path) -> None:
    app = _app(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    apps.append(app)
    populate(app)
    data = export(app, tmp_path / "a.json")
    with app.app_context():
        assert data["schema_revision"] == code_revision()
    for table in db.metadata.sorted_tables:
        assert data["tables"][table.name]["columns"] == [c.name for c in table.columns]
    (comment_columns, comment_rows) = data["tables"]["comment"].values()
    first = dict(zip(comment_columns, comment_rows[0], strict=True))
    assert first["submitted_at"] == "2026-03-01T09:30:15.123456+00:00"
    assert first["status"] == "pending" and first["held_for"] == ["2 links", "hold word: crypto"]


def test_import_into_a_site_with_data_is_refused_unless_replacing(apps, tmp_path: Path) -> None:
    source = _app(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    apps.append(source)
    populate(source)
    export(source, tmp_path / "site.json")

    seeded = _app(f"sqlite:///{tmp_path / 'seeded.sqlite3'}")
    apps.append(seeded)
    with seeded.app_context():
        db.session.add(PolicyRule(number=1, text="Seeded rule"))
        db.session.commit()
    before = rows(seeded)
    result = import_(seeded, tmp_path / "site.json")
    assert result.exit_code != 0
    assert "empty database" in result.output and "policy_rule" in result.output
    assert rows(seeded) == before

    result = import_(seeded, tmp_path / "site.json", "--replace")
    assert result.exit_code == 0, result.output
    assert rows(seeded) == rows(source)


def test_import_refuses_another_schema_revision_or_unknown_columns(apps, tmp_path: Path) -> None:
    source = _app(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    apps.append(source)
    populate(source)
    data = export(source, tmp_path / "site.json")
    target = _app(f"sqlite:///{tmp_path / 'target.sqlite3'}")
    apps.append(target)

    (tmp_path / "old.json").write_text(json.dumps({**data, "schema_revision": "0000_older"}))
    result = import_(target, tmp_path / "old.json")
    assert result.exit_code != 0 and "schema revision 0000_older" in result.output

    data["tables"]["comment"]["columns"].append("mood")
    for row in data["tables"]["comment"]["rows"]:
        row.append("sunny")
    (tmp_path / "extra.json").write_text(json.dumps(data))
    result = import_(target, tmp_path / "extra.json")
    assert result.exit_code != 0 and "mood" in result.output
    assert all(not table_rows for table_rows in rows(target).values())


def test_a_failed_import_leaves_nothing_behind(apps, tmp_path: Path) -> None:
    source = _app(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    apps.append(source)
    populate(source)
    data = export(source, tmp_path / "site.json")
    # The last table in the file breaks a foreign key: everything before it must roll back too.
    data["tables"]["setting_change"]["rows"][0][data["tables"]["setting_change"]["columns"].index(
        "moderator_id")] = 999
    (tmp_path / "broken.json").write_text(json.dumps(data))
    target = _app(f"sqlite:///{tmp_path / 'target.sqlite3'}")
    apps.append(target)
    result = import_(target, tmp_path / "broken.json")
    assert result.exit_code != 0
    assert all(not table_rows for table_rows in rows(target).values())


def test_backup_copies_the_live_sqlite_database(apps, tmp_path: Path) -> None:
    app = _app(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    apps.append(app)
    populate(app)
    destination = tmp_path / "backups" / "copy.sqlite3"
    result = app.test_cli_runner().invoke(args=["backup", str(destination)])
    assert result.exit_code == 0, result.output
    assert str(destination) in result.output

    with sqlite3.connect(destination) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    restored = create_app({"DATABASE_URL": f"sqlite:///{destination}", "AUTO_MIGRATE": False,
                           "SECRET_KEY": "test", "TESTING": True})
    apps.append(restored)
    assert rows(restored) == rows(app)

    again = app.test_cli_runner().invoke(args=["backup", str(destination)])
    assert again.exit_code != 0 and "--force" in again.output
    forced = app.test_cli_runner().invoke(args=["backup", "--force", str(destination)])
    assert forced.exit_code == 0, forced.output
