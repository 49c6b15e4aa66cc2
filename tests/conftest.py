"""Test apps on a real database: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set.

SQLite: the schema is migrated once per session into a template file that each test copies.
PostgreSQL: migrated once per session; each test starts from emptied tables and fresh seed data.
CSRF stays on: helpers read the token from the page, as a browser does.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dashboard import MODERATOR_PASSWORD, log_in
from flask import Flask
from flask.testing import FlaskClient
from support import csrf_from  # noqa: F401  (re-exported for tests)

from app import create_app
from talkback.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
HTMX = {"HX-Request": "true"}

BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "DEMO_CONTENT": True,
    "RATELIMIT_ENABLED": False,
    "COMMENT_FLOOD_SECONDS": 0,
    "COMMENT_MIN_FILL_SECONDS": 0,
    "PASSWORD_HASH_PROFILE": "CHEAPEST",
}


@pytest.fixture(scope="session")
def _template_database(tmp_path_factory) -> str:
    """A database at the newest migration with seed data, made once per session."""
    if TEST_DATABASE_URL:
        app = create_app({**BASE_CONFIG, "DATABASE_URL": TEST_DATABASE_URL, "AUTO_MIGRATE": False})
        with app.app_context(), db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        app = create_app({**BASE_CONFIG, "DATABASE_URL": TEST_DATABASE_URL, "AUTO_MIGRATE": True})
        with app.app_context():
            db.engine.dispose()
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "talkback.sqlite3"
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{path}", "AUTO_MIGRATE": True})
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return str(path)


def _reset_postgres(app: Flask) -> None:
    from talkback.startup import seed

    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        seed(app)


@pytest.fixture
def make_app(_template_database: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Builds an app on a fresh copy of the seeded database; keyword arguments override config."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        config = {**BASE_CONFIG, **overrides}
        if TEST_DATABASE_URL:
            config["DATABASE_URL"] = TEST_DATABASE_URL
            app = create_app({**config, "AUTO_MIGRATE": False})
            if not apps:
                _reset_postgres(app)
                if not config["DEMO_CONTENT"]:
                    with app.app_context():
                        db.session.execute(sa.text("DELETE FROM article"))
                        db.session.commit()
        else:
            path = tmp_path / "talkback.sqlite3"
            if not apps:
                shutil.copy(_template_database, path)
            config["DATABASE_URL"] = f"sqlite:///{path}"
            app = create_app({**config, "AUTO_MIGRATE": False})
            if not apps and not config["DEMO_CONTENT"]:
                with app.app_context():
                    db.session.execute(sa.text("DELETE FROM article"))
                    db.session.commit()
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def htmx() -> dict[str, str]:
    """Headers of an htmx request."""
    return dict(HTMX)


@pytest.fixture
def csrf(client: FlaskClient) -> Callable[[str], str]:
    """csrf(url): fetches a page as a browser would and returns its CSRF token."""

    def fetch(url: str = "/") -> str:
        response = client.get(url)
        return csrf_from(response.get_data(as_text=True))

    return fetch


@pytest.fixture
def article(app: Flask):
    """The demo article (from content/demo.json)."""
    from talkback.models import Article

    with app.app_context():
        found = db.session.scalars(sa.select(Article).order_by(Article.id)).first()
        db.session.expunge(found)
        return found


# --- Moderators ---------------------------------------------------------------------------------

@pytest.fixture
def make_moderator(app: Flask) -> Callable[..., int]:
    """make_moderator(name, admin=False, password=MODERATOR_PASSWORD) → the new moderator's id."""
    from blueprints.auth import accounts
    from talkback.models import Role

    def create(name: str = "Morgan", admin: bool = False, password: str = MODERATOR_PASSWORD) -> int:
        with app.app_context():
            return accounts.create_moderator(name, password, Role.ADMIN if admin else Role.MODERATOR).id

    return create


@pytest.fixture
def moderator_client(app: Flask, make_moderator) -> FlaskClient:
    """A client logged in as the moderator "Morgan"."""
    make_moderator("Morgan")
    client = app.test_client()
    assert log_in(client, "Morgan").status_code == 303
    return client


@pytest.fixture
def admin_client(app: Flask, make_moderator) -> FlaskClient:
    """A client logged in as the admin "Ada"."""
    make_moderator("Ada", admin=True)
    client = app.test_client()
    assert log_in(client, "Ada").status_code == 303
    return client


@pytest.fixture
def add_comment(app: Flask, article) -> Callable[..., int]:
    """add_comment(**fields) stores a comment straight in the database (pending by default) → id."""
    from datetime import timedelta

    from talkback.models import Comment, CommentStatus, utcnow

    counter = iter(range(1, 10**9))

    def add(**fields: Any) -> int:
        n = next(counter)
        when = fields.pop("submitted_at", None) or utcnow() - timedelta(hours=1) + timedelta(seconds=n)
        values = {
            "article_id": article.id, "body": f"Reader comment number {n}.", "author_name": f"Reader {n}",
            "author_email": f"reader{n}@example.org", "author_ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (test)", "status": CommentStatus.PENDING, "held_for": [],
            "submitted_at": when, "status_changed_at": when, **fields,
        }
        with app.app_context():
            comment = Comment(**values)
            db.session.add(comment)
            db.session.commit()
            return comment.id

    return add
