"""First start on a fresh machine: instance folder, secret key, migrations, seed data."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import ROOT_DIR, create_app
from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus, PolicyRule


@pytest.fixture
def fresh_instance(tmp_path, monkeypatch) -> Path:
    instance = tmp_path / "instance"
    monkeypatch.setenv("TALKBACK_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TALKBACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("TALKBACK_SECRET_KEY", raising=False)
    return instance


def test_first_start_creates_instance_migrates_and_loads_the_demo(fresh_instance):
    app = create_app()
    assert (fresh_instance / "talkback.sqlite3").exists()
    key_file = fresh_instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) >= 64
    with app.app_context():
        [article] = db.session.scalars(sa.select(Article)).all()
        assert article.byline == "IOM Director General, António Vitorino"
        assert article.published_at.date().isoformat() == "2022-07-30"
        assert len(article.paragraphs) == 12
        [comment] = db.session.scalars(sa.select(Comment)).all()
        assert comment.author_name == "Waiting For Airport"
        assert comment.status == CommentStatus.APPROVED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyRule)) == 7
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()

    # A second start keeps the key and does not load the demo twice.
    again = create_app()
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    with again.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 1
        db.engine.dispose()


def test_demo_content_can_be_turned_off(fresh_instance, monkeypatch):
    monkeypatch.setenv("TALKBACK_DEMO_CONTENT", "false")
    app = create_app()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0
        # The policy rules are not demo content: moderators cite them.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyRule)) == 7
        db.engine.dispose()
    assert "No articles have been published yet." in app.test_client().get("/").get_data(as_text=True)


def test_env_overrides_config(fresh_instance, monkeypatch):
    monkeypatch.setenv("TALKBACK_COMMENT_MAX_LENGTH", "2000")
    app = create_app()
    assert app.config["COMMENT_MAX_LENGTH"] == 2000
    html = app.test_client().get("/").get_data(as_text=True)
    assert html
    slug = html.split('href="/articles/')[1].split('"')[0]
    page = app.test_client().get(f"/articles/{slug}").get_data(as_text=True)
    assert "2000 characters available" in page
    with app.app_context():
        db.engine.dispose()


def test_a_production_database_needs_a_secret_key_from_the_environment(fresh_instance, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(RuntimeError, match="TALKBACK_SECRET_KEY"):
        create_app()


def test_vendored_htmx_matches_its_recorded_sha256():
    vendor = ROOT_DIR / "static" / "vendor"
    recorded, name = (vendor / "htmx-2.0.11.min.js.sha256").read_text().split()
    assert name == "htmx-2.0.11.min.js"
    assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == recorded


def test_flask_finds_the_app_without_flask_app(fresh_instance):
    # `flask run` looks for app.py and its create_app in the current directory.
    root = ROOT_DIR
    assert (root / "app.py").exists()
    import app as entry  # noqa: PLC0415

    assert entry.create_app is create_app
    assert "FLASK_APP" not in os.environ
