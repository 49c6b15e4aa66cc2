"""Constant work per request: SQL statements counted (never timed) at 0, 100 and 10,000 comments.

Statements are counted with SQLAlchemy's `before_cursor_execute` event on the app's engine. The
article page, posting and the moderation queue must run the same number whatever the number of
comments; the live counter runs one (the site settings, as the validator reads them).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import HTMX
from flask import Flask
from support import counting

from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus

SIZES = (0, 100, 10_000)


def grow_to(app: Flask, article_id: int, status: CommentStatus, total: int, tag: str) -> None:
    """Adds comments until the article has `total` of `status`; bumps comments_version as a
    moderation decision would (the comment caches are keyed on it)."""
    with app.app_context():
        have = db.session.scalar(sa.select(sa.func.count(Comment.id)).where(
            Comment.article_id == article_id, Comment.status == status)) or 0
        start = datetime(2026, 1, 1, tzinfo=UTC)
        rows = [dict(article_id=article_id, body=f"Comment {i} :) https://example.org/{i}",
                     author_name=f"Reader {tag} {i}", author_email=f"r-{tag}-{i}@example.org",
                     author_website="https://example.org" if i % 2 else "", author_ip="10.0.0.1",
                     user_agent="test", submitted_at=start + timedelta(seconds=i),
                     status_changed_at=start + timedelta(seconds=i), status=status, held_for=[],
                     revision=1)
                for i in range(have, total)]
        if rows:
            db.session.execute(sa.insert(Comment), rows)
        db.session.commit()
    bump_version(app, article_id)


def bump_version(app: Flask, article_id: int) -> None:
    with app.app_context():
        db.session.execute(sa.update(Article).where(Article.id == article_id)
                           .values(comments_version=Article.comments_version + 1))
        db.session.commit()


def clear(app: Flask, article_id: int) -> None:
    with app.app_context():
        db.session.execute(sa.delete(Comment).where(Comment.article_id == article_id))
        db.session.commit()


def explain(counts: dict[int, list[str]]) -> str:
    return "\n".join(f"{n} comments: {len(s)} statements\n  " + "\n  ".join(s) for n, s in counts.items())


def test_article_page_runs_the_same_queries_at_any_number_of_comments(make_app, article):
    app = make_app()
    clear(app, article.id)
    url = f"/articles/{article.slug}"
    returning = app.test_client()  # a reader with a pending comment of their own
    returning.get(url)
    returning.post(f"{url}/comments", data={"author_name": "Own", "author_email": "own@example.org",
                                            "body": "Mine."})
    cases: dict[str, dict[int, list[str]]] = {}
    for n in SIZES:
        grow_to(app, article.id, CommentStatus.APPROVED, n, "a")
        for path in (url, f"{url}?cpage=1"):
            for reader in ("first visit", "returning reader with a pending comment"):
                for cached in (False, True):
                    if not cached:
                        bump_version(app, article.id)  # as a moderation decision would
                    client = returning if reader.startswith("returning") else app.test_client()
                    with counting(app) as statements:
                        response = client.get(path)
                    assert response.status_code == 200
                    html = response.get_data(as_text=True)
                    assert (f"{n} Comments" if n > 1 else "1 Comment" if n else "No comments yet") in html
                    case = f"{path}, {reader}, {'cached' if cached else 'uncached'}"
                    cases.setdefault(case, {})[n] = statements
        assert "Your comment is awaiting moderation" in html
    for case, counts in cases.items():
        assert len({len(s) for s in counts.values()}) == 1, f"{case}:\n{explain(counts)}"
    # Cached, the count and the page of comments are skipped ...
    assert len(cases[f"{url}, first visit, cached"][0]) < len(cases[f"{url}, first visit, uncached"][0])
    # ... leaving two reads, plain SQLAlchemy ones: the article row (its comments_version is in the
    # page's key), and the settings with the policy rules (one UNION ALL; their digest too).
    for n in SIZES:
        cached = cases[f"{url}, first visit, cached"][n]
        selects = [s for s in cached if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 2, explain({n: selects})
        assert "FROM article" in selects[0] and "UNION ALL" in selects[1], explain({n: selects})


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_posting_runs_the_same_queries_at_any_number_of_comments(make_app, article, htmx):
    app = make_app()
    clear(app, article.id)
    url = f"/articles/{article.slug}"
    counts = {}
    for n in SIZES:
        grow_to(app, article.id, CommentStatus.APPROVED, n, "a")
        client = app.test_client()
        client.get(url)
        data = {"author_name": f"Poster {n}", "author_email": f"p{n}@example.org",
                "body": f"My view, number {n}."}
        with counting(app) as statements:
            response = client.post(f"{url}/comments", data=data, headers=HTMX if htmx else {})
        assert response.status_code == (200 if htmx else 303)
        counts[n] = statements
    assert len({len(s) for s in counts.values()}) == 1, explain(counts)
    assert any(re.match(r"\s*INSERT INTO comment", s) for s in counts[0])


def test_counter_runs_one_query(client):
    """The settings, read as the validator reads them (no copy of them kept anywhere)."""
    with counting(client.application) as statements:
        response = client.post("/comments/counter", data={"body": "é" * 1000}, headers=HTMX)
    assert response.status_code == 200
    assert "500 characters available" in response.get_data(as_text=True)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "UNION ALL" in selects[0] and "site_setting" in selects[0]


def _plan(app: Flask, statement) -> str:
    with app.app_context():
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        rows = db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's query planner")
def test_the_public_list_and_its_count_are_read_from_the_index(app, article):
    grow_to(app, article.id, CommentStatus.APPROVED, 200, "p")
    approved = (Comment.article_id == article.id, Comment.status == CommentStatus.APPROVED)
    page = (sa.select(Comment).where(*approved).order_by(Comment.submitted_at, Comment.id)
            .limit(50).offset(100))
    plan = _plan(app, page)
    assert "USING INDEX ix_comment_article_status_time" in plan and "TEMP B-TREE" not in plan, plan
    plan = _plan(app, sa.select(sa.func.count(Comment.id)).where(*approved))
    assert "USING COVERING INDEX ix_comment_article_status_time" in plan, plan


def _next_link(html: str) -> str | None:
    match = re.search(r'<a rel="next" href="([^"]+)"', html)
    return match and match.group(1).replace("&amp;", "&")


def test_the_moderation_queue_runs_the_same_queries_at_any_number_pending(app, article, moderator_client):
    first: dict[int, list[str]] = {}
    second: dict[int, list[str]] = {}
    for n in SIZES:
        grow_to(app, article.id, CommentStatus.PENDING, n, "q")
        with counting(app) as statements:
            response = moderator_client.get("/moderation/")
        assert response.status_code == 200
        first[n] = statements
        html = response.get_data(as_text=True)
        nxt = _next_link(html)
        assert (nxt is None) == (n <= 50)
        if nxt:
            with counting(app) as statements:
                assert moderator_client.get(nxt).status_code == 200
            second[n] = statements
    assert len({len(s) for n, s in first.items() if n}) == 1, explain(first)
    assert len({len(s) for s in second.values()}) == 1, explain(second)
    # An empty queue has nothing to look up for its rows: never more than a full one.
    assert len(first[0]) <= len(first[100]), explain(first)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's query planner")
def test_screening_reads_one_authors_comments_not_the_articles(app, article):
    """Screening runs under the writers' lock on every post: its reads go through the author's
    email (a handful of rows), never through every comment of the article or of the site."""
    from datetime import timedelta

    from blueprints.comments import screening
    from talkback.models import utcnow

    grow_to(app, article.id, CommentStatus.APPROVED, 200, "s")
    c = Comment.__table__.c
    statements = {
        "duplicate": screening._SAME_AUTHOR_BODIES.params(email="a@example.org", article_id=article.id),
        "trusted": screening._AUTHOR_STATUSES.params(email="a@example.org"),
        "flood": sa.select(sa.exists().where(sa.or_(c.author_email == "a@example.org",
                                                    c.author_ip == "10.0.0.1"),
                                             c.submitted_at > utcnow() - timedelta(seconds=60))),
    }
    for name, statement in statements.items():
        plan = _plan(app, statement)
        assert "ix_comment_author_email (author_email=?)" in plan, f"{name}:\n{plan}"
        assert "ix_comment_article_status_time" not in plan and "ix_comment_status_time" not in plan, plan
