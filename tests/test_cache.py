"""The comment caches and the article page's ETag never show a reader anything out of date or
anyone else's: a moderation decision in another process shows at once, every visitor gets their
own working CSRF token, and a conditional GET answers 304 only when nothing on the page changed."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from conftest import HTMX, csrf_from
from flask import Flask

from blueprints.comments import cache
from blueprints.comments.forms import stamp_age
from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus, PolicyRule, SiteSetting


def decide(app: Flask, article_id: int, body: str) -> None:
    """What a moderator's approval does, from another process: store the comment approved and
    bump the article's comments_version."""
    with app.app_context():
        now = datetime.now(UTC)
        db.session.add(Comment(article_id=article_id, body=body, author_name="Approved Reader",
                               author_email="approved@example.org", submitted_at=now, status_changed_at=now,
                               status=CommentStatus.APPROVED, held_for=[]))
        db.session.execute(sa.update(Article).where(Article.id == article_id)
                           .values(comments_version=Article.comments_version + 1))
        db.session.commit()


def post(client, url: str, token: str, n: int = 1, **headers):
    return client.post(f"{url}/comments", headers=headers, data={
        "csrf_token": token, "author_name": f"Reader {n}", "author_email": f"reader{n}@example.org",
        "body": f"A view worth sharing, number {n}."})


def test_a_decision_made_in_another_process_shows_at_once(make_app, article):
    reader_app, moderator_app = make_app(), make_app()  # two processes, one database
    url = f"/articles/{article.slug}"
    reader = reader_app.test_client()
    assert "Fresh approval" not in reader.get(url).get_data(as_text=True)
    assert "Fresh approval" not in reader_app.test_client().get(url).get_data(as_text=True)  # cached
    decide(moderator_app, article.id, "Fresh approval")
    for client in (reader, reader_app.test_client()):
        html = client.get(url).get_data(as_text=True)
        assert "Fresh approval" in html
        assert "2 Comments" in html
    # The htmx answer to a post is built from the same cache, and is as fresh.
    token = csrf_from(reader.get(url).get_data(as_text=True))
    decide(moderator_app, article.id, "Second approval")
    html = post(reader, url, token, **HTMX).get_data(as_text=True)
    assert "Second approval" in html and "3 Comments" in html


def test_every_first_visitor_gets_a_token_of_their_own_that_works(app, article):
    url = f"/articles/{article.slug}"
    first, second = app.test_client(), app.test_client()
    token_1 = csrf_from(first.get(url).get_data(as_text=True))
    html_2 = second.get(url).get_data(as_text=True)  # served from the page cache
    token_2 = csrf_from(html_2)
    assert token_1 != token_2
    assert html_2.count(token_2) == 2  # the form's hidden field and the body's hx-headers
    assert cache.PAGE_EXTENSION in app.extensions
    assert app.extensions[cache.PAGE_EXTENSION][1] not in html_2  # no placeholder left behind
    assert post(second, url, token_1).status_code == 400  # one session's token fails in another
    assert post(second, url, token_2, 2).status_code == 303
    assert post(first, url, token_1, 3).status_code == 303


class _Hidden(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.values[a["name"]] = a.get("value") or ""


def hidden_values(html: str) -> dict[str, str]:
    parser = _Hidden()
    parser.feed(html)
    return parser.values


def test_a_cached_page_repeats_no_per_render_value(app, article):
    """Every hidden field (the CSRF token, and any stamp of when the form was rendered) is made
    afresh for each visitor, cached page or not."""
    url = f"/articles/{article.slug}"
    pages = [app.test_client().get(url).get_data(as_text=True) for _ in range(3)]
    assert len(app.extensions[cache.PAGE_EXTENSION][0]) == 1  # the second and third were cached
    values = [hidden_values(html) for html in pages]
    assert set(values[0]) == set(cache.FRESH_VALUES)
    with app.test_request_context():  # the cached page's stamp says "rendered just now"
        assert 0 <= stamp_age(values[2]["rendered_at"]) < 5
    assert "csrf_token" in values[0]
    assert len({v["csrf_token"] for v in values}) == 3
    # The stamp says when, not to whom: forms rendered in the same tenth of a second share one,
    # and a later render gets a later one (it is never kept with the cached page).
    time.sleep(0.15)
    later = hidden_values(app.test_client().get(url).get_data(as_text=True))
    assert later["rendered_at"] not in {v["rendered_at"] for v in values}
    # Apart from those values the pages are the same page.
    stripped = set()
    for html, hidden in zip(pages, values, strict=True):
        for value in hidden.values():
            html = html.replace(value, "")
        stripped.add(html)
    assert len(stripped) == 1


def test_conditional_get_answers_304_only_while_nothing_on_the_page_changed(make_app, article):
    app = make_app()
    url = f"/articles/{article.slug}"
    reader = app.test_client()
    first = reader.get(url)
    assert first.headers["Cache-Control"] == "private, no-cache"
    # The first answer gives the browser its session (the form's CSRF token), so its next request
    # differs anyway: no ETag yet. The next answer has one.
    assert "ETag" not in first.headers
    etag = reader.get(url).headers["ETag"]

    again = reader.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "private, no-cache"

    # Another browser (another session, another CSRF token) never gets a 304 for this ETag.
    assert app.test_client().get(url, headers={"If-None-Match": etag}).status_code == 200

    # A moderation decision.
    decide(make_app(), article.id, "Approved meanwhile")
    changed = reader.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Approved meanwhile" in changed.get_data(as_text=True)
    etag = changed.headers["ETag"]

    # The reader posts (no JS): the redirect carries a one-shot message, so no ETag, no 304.
    token = csrf_from(changed.get_data(as_text=True))
    assert post(reader, url, token).status_code == 303
    with_message = reader.get(url, headers={"If-None-Match": etag})
    assert with_message.status_code == 200 and "ETag" not in with_message.headers
    assert "awaiting moderation" in with_message.get_data(as_text=True)
    # Later visits show their pending comment; the ETag now covers the pending-comments cookie.
    later = reader.get(url, headers={"If-None-Match": etag})
    assert later.status_code == 200 and later.headers["ETag"] != etag
    assert "Your comment is awaiting moderation" in later.get_data(as_text=True)
    etag = later.headers["ETag"]
    assert reader.get(url, headers={"If-None-Match": etag}).status_code == 304

    # A site setting or a policy rule changes.
    with app.app_context():
        db.session.add(SiteSetting(key="COMMENT_MAX_LENGTH", value=900))
        db.session.commit()
    changed = reader.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "900 characters available" in changed.get_data(as_text=True)
    etag = changed.headers["ETag"]
    with app.app_context():
        db.session.execute(sa.update(PolicyRule).where(PolicyRule.number == 1).values(text="Rule rewritten"))
        db.session.commit()
    changed = reader.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Rule rewritten" in changed.get_data(as_text=True)


def test_a_first_visit_page_shows_the_current_settings_and_rules(app, article):
    url = f"/articles/{article.slug}"
    app.test_client().get(url)
    with app.app_context():
        db.session.add(SiteSetting(key="COMMENT_MAX_LENGTH", value=700))
        db.session.execute(sa.update(PolicyRule).where(PolicyRule.number == 2).values(text="Rule two, new"))
        db.session.commit()
    html = app.test_client().get(url).get_data(as_text=True)
    assert "700 characters available" in html and "Rule two, new" in html


def test_asking_for_pages_that_do_not_exist_fills_no_cache(make_app, article):
    app = make_app(COMMENTS_PER_PAGE=1)
    decide(app, article.id, "Second comment")  # two pages of one
    client = app.test_client()
    url = f"/articles/{article.slug}"
    client.get(url)
    client.get(f"{url}?cpage=1")
    store = app.extensions[cache.EXTENSION]
    size = len(store)
    for page in (3, 50, 999_999, -4, 0):
        html = client.get(f"{url}?cpage={page}").get_data(as_text=True)
        assert "Page " in html
    assert len(store) == size


def test_lru_keeps_the_most_recently_used():
    store = cache.LRUStore(2)
    store.set("a", "1")
    store.set("b", "2")
    assert store.get("a") == "1"
    store.set("c", "3")
    assert store.get("b") is None and store.get("a") == "1" and store.get("c") == "3"
    cache.LRUStore(0).set("x", "y")


def _redis_or_skip(url: str):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at " + url)
    return client


def test_with_redis_the_rendered_comments_are_shared_between_processes(make_app, article):
    url = "redis://127.0.0.1:6379/0"
    redis = _redis_or_skip(url)
    first, second = make_app(REDIS_URL=url), make_app(REDIS_URL=url)
    assert isinstance(first.extensions.get(cache.EXTENSION) or cache._make_store(first), cache.RedisStore)
    page = f"/articles/{article.slug}"
    try:
        first.test_client().get(page)
        with first.test_request_context(page), first.app_context():
            key = cache.cache_key(db.session.get(Article, article.id), 50, cache.NEWEST)
        assert redis.ttl(key) > 0
        redis.set(key, b'<h2 id="comments-heading">Rendered by the other process</h2>')
        # A first visit to the second process: its page cache is empty, the comments come from Redis.
        assert "Rendered by the other process" in second.test_client().get(page).get_data(as_text=True)
        decide(second, article.id, "Approved after")
        html = first.test_client().get(page).get_data(as_text=True)
        assert "Approved after" in html and "Rendered by the other process" not in html
    finally:
        for stale in redis.scan_iter(f"talkback:comments:{key.split(':')[2]}:*"):
            redis.delete(stale)


def test_without_redis_the_page_is_rendered_uncached(make_app, article):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get(f"/articles/{article.slug}")
    assert response.status_code == 200
    assert "1 Comment" in response.get_data(as_text=True)


def test_a_bulk_update_of_comments_bumps_the_articles_it_touches(make_app, article):
    app = make_app()
    url = f"/articles/{article.slug}"
    client = app.test_client()
    token = csrf_from(client.get(url).get_data(as_text=True))
    assert post(client, url, token).status_code == 303
    assert "1 Comment" in app.test_client().get(url).get_data(as_text=True)  # cached
    with app.app_context():
        db.session.execute(sa.update(Comment).where(Comment.status == CommentStatus.PENDING)
                           .values(status=CommentStatus.APPROVED))
        db.session.commit()
    assert "2 Comments" in app.test_client().get(url).get_data(as_text=True)
    with app.app_context():
        db.session.execute(sa.delete(Comment).where(Comment.author_name == "Reader 1"))
        db.session.commit()
    assert "1 Comment" in app.test_client().get(url).get_data(as_text=True)
