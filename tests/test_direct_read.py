"""database.DirectRead: the reads every page makes, straight on a pooled connection, and on SQLite
kept until the database changes. A change from anywhere shows at once."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from conftest import TEST_DATABASE_URL

from talkback.extensions import db
from talkback.models import Article

sqlite_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="PRAGMA data_version is SQLite's")


def _title(client, slug: str) -> str:
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    return html.split("<h1", 1)[1].split(">", 1)[1].split("</h1>", 1)[0]


@sqlite_only
def test_a_change_by_another_connection_shows_at_once(app, article):
    client = app.test_client()
    assert _title(client, article.slug) == article.title
    # Another process would do the same: its own connection to the file.
    with app.app_context():
        path = db.engine.url.database
    other = sqlite3.connect(path)
    other.execute("UPDATE article SET title = 'Changed elsewhere' WHERE id = ?", (article.id,))
    other.commit()
    other.close()
    assert _title(client, article.slug) == "Changed elsewhere"


@pytest.mark.parametrize("pool", [{"pool_size": 1, "max_overflow": 0}, {}], ids=["one connection", "pool"])
def test_a_change_made_in_this_process_shows_at_once(make_app, article, pool):
    """With one pooled connection the write and the read share it, and a connection's own commits
    leave its data_version alone: the process's own count of commits covers them."""
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=pool)
    client = app.test_client()
    for n in range(3):
        assert _title(client, article.slug) == (article.title if n == 0 else f"Changed here {n}")
        with app.app_context():
            db.session.execute(sa.update(Article).where(Article.id == article.id)
                               .values(title=f"Changed here {n + 1}"))
            db.session.commit()
    assert _title(client, article.slug) == "Changed here 3"


def test_a_read_inside_a_writing_transaction_sees_its_own_changes(app, article):
    from blueprints.articles.content import article_view

    with app.test_request_context():
        assert article_view(article.slug).title == article.title  # kept with the connection
        db.session.execute(sa.update(Article).where(Article.id == article.id)
                           .values(title="Not yet committed"))
        assert article_view(article.slug).title == "Not yet committed"
        db.session.rollback()
        assert article_view(article.slug).title == article.title
