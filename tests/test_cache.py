"""The anonymous article page is the same bytes for every reader and any HTTP cache may keep it;
the pages kept by Flask-Caching never show anything out of date: every path that changes what the
public sees of an article's comments bumps its comments_version (cache.bump_comments_version)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from support import HTMX, comment_data, log_in, post_comment

from blueprints.comments import cache
from blueprints.moderation import actions
from talkback.extensions import db
from talkback.models import Comment, CommentStatus, Moderator, PolicyRule, Role, SiteSetting


def approved_elsewhere(app: Flask, article_id: int, body: str) -> None:
    """What publishing does, from another process: store the comment approved and bump."""
    with app.app_context():
        now = datetime.now(UTC)
        db.session.add(Comment(article_id=article_id, body=body, author_name="Approved Reader",
                               author_email="approved@example.org", submitted_at=now, status_changed_at=now,
                               status=CommentStatus.APPROVED, held_for=[]))
        cache.bump_comments_version(article_id)
        db.session.commit()


# --- The same bytes for every anonymous reader --------------------------------------------------


def test_an_anonymous_reader_gets_no_cookie_and_the_same_bytes_as_everyone(app, article):
    url = f"/articles/{article.slug}"
    first, second = app.test_client().get(url), app.test_client().get(url)
    for response in (first, second):
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "public, max-age=10"
        assert response.headers["ETag"]
        assert "Cookie" in response.vary
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    html = first.get_data(as_text=True)
    assert "csrf_token" not in html and "X-CSRFToken" not in html
    assert 'name="rendered_at"' in html  # the stamp: the same for every reader of this copy


def test_max_age_is_a_setting(make_app, article):
    app = make_app(ARTICLE_MAX_AGE=60)
    assert app.test_client().get(f"/articles/{article.slug}").headers["Cache-Control"] == "public, max-age=60"


def test_a_conditional_get_is_answered_304_by_werkzeug_until_the_page_changes(app, article):
    url = f"/articles/{article.slug}"
    reader = app.test_client()
    etag = reader.get(url).headers["ETag"]
    again = reader.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and "Set-Cookie" not in again.headers
    approved_elsewhere(app, article.id, "A new approval")
    changed = reader.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "A new approval" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag
    etag = changed.headers["ETag"]
    with app.app_context():  # an admin rewrites a rule of the policy shown under the article
        db.session.execute(sa.update(PolicyRule).where(PolicyRule.number == 1).values(text="Rule rewritten"))
        db.session.commit()
    changed = reader.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Rule rewritten" in changed.get_data(as_text=True)


def test_a_non_utf8_byte_in_the_cookie_header_is_no_500(app, article):
    client = app.test_client()
    # A WSGI server puts header bytes in the environ as latin-1 characters: b"\xff" is "\xff".
    for header in ("talkback_session=\xff\xfe; other=caf\xe9", "analytics=caf\xe9", "talkback_pending=\xc3("):
        response = client.get(f"/articles/{article.slug}", environ_overrides={"HTTP_COOKIE": header})
        assert response.status_code == 200, header
        assert "Content-Security-Policy" in response.headers  # answered by Flask, with its headers


# --- A reader with a cookie of ours -------------------------------------------------------------


def test_a_reader_with_a_pending_comment_gets_a_private_page_with_their_preview(app, article):
    url = f"/articles/{article.slug}"
    reader = app.test_client()
    assert post_comment(app, reader, article.slug, htmx=True, body="My words, waiting.").status_code == 200
    assert reader.get_cookie("talkback_pending") is not None
    mine = reader.get(url)
    assert mine.headers["Cache-Control"] == "private, no-cache"
    assert "My words, waiting." in mine.get_data(as_text=True)
    assert "awaiting moderation" in mine.get_data(as_text=True)
    anonymous = app.test_client().get(url)
    assert anonymous.headers["Cache-Control"].startswith("public")
    assert "My words, waiting." not in anonymous.get_data(as_text=True)


def test_after_a_plain_post_the_message_and_prefill_are_private(app, article):
    url = f"/articles/{article.slug}"
    reader = app.test_client()
    assert post_comment(app, reader, article.slug, author_name="Prefilled Name").status_code == 303
    page = reader.get(url)
    assert page.headers["Cache-Control"] == "private, no-cache"
    html = page.get_data(as_text=True)
    assert "awaiting moderation" in html and 'value="Prefilled Name"' in html
    assert "Prefilled Name" not in app.test_client().get(url).get_data(as_text=True)


def test_a_logged_in_moderator_gets_a_private_page_with_a_token(app, article, moderator_client):
    response = moderator_client.get(f"/articles/{article.slug}")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "X-CSRFToken" in response.get_data(as_text=True)


# --- The kept pages move on with every public change ----------------------------------------------


def test_a_decision_made_in_another_process_shows_at_once(make_app, article):
    reader_app, moderator_app = make_app(), make_app()  # two processes (two caches), one database
    url = f"/articles/{article.slug}"
    first = reader_app.test_client().get(url).data
    assert reader_app.test_client().get(url).data == first  # kept
    moderator = log_in_moderator(moderator_app)
    pending = add_pending(moderator_app, article.id, "Fresh approval")
    approve = moderator.post(f"/moderation/comments/{pending}/approve", headers=HTMX,
                             data={"csrf_token": token_of(moderator), "revision": "1"})
    assert approve.status_code == 200, approve.get_data(as_text=True)
    html = reader_app.test_client().get(url).get_data(as_text=True)
    assert "Fresh approval" in html and "2 Comments" in html
    # The htmx answer to a post is built from the same cache, and is as fresh.
    approved_elsewhere(moderator_app, article.id, "Second approval")
    html = post_comment(reader_app, reader_app.test_client(), article.slug, htmx=True).get_data(as_text=True)
    assert "Second approval" in html and "3 Comments" in html


def log_in_moderator(app: Flask):
    from support import create_moderator

    client = app.test_client()
    name = "Cache Checker"
    create_moderator(app, name)
    assert log_in(client, name).status_code == 303
    return client


def token_of(client) -> str:
    from support import csrf_from

    return csrf_from(client.get("/moderation/").get_data(as_text=True))


def add_pending(app: Flask, article_id: int, body: str) -> int:
    with app.app_context():
        now = datetime.now(UTC)
        comment = Comment(article_id=article_id, body=body, author_name="Waiting Reader",
                          author_email="waiting@example.org", submitted_at=now, status_changed_at=now,
                          status=CommentStatus.PENDING, held_for=[])
        db.session.add(comment)
        db.session.commit()
        return comment.id


@pytest.mark.parametrize("path", ["approve", "reject", "edit", "reply", "undo", "bulk"])
def test_every_moderation_path_changes_the_anonymous_page(app, article, path):
    from support import create_moderator

    url = f"/articles/{article.slug}"
    moderator_id = create_moderator(app, "Path Checker")
    published = add_pending(app, article.id, "Published words")
    other_id = add_pending(app, article.id, "Other words")
    with app.test_request_context():
        moderator = db.session.get(Moderator, moderator_id)
        comment = db.session.get(Comment, published)
        actions.decide(comment, comment.revision, "approve", moderator)
    before = app.test_client().get(url).get_data(as_text=True)
    assert "Published words" in before
    with app.test_request_context():
        moderator = db.session.get(Moderator, moderator_id)
        comment, other = db.session.get(Comment, published), db.session.get(Comment, other_id)
        expected = None
        if path == "approve":
            actions.decide(other, other.revision, "approve", moderator)
            expected = "Other words"
        elif path == "reject":
            actions.decide(comment, comment.revision, "reject", moderator, rule_number=1)
        elif path == "edit":
            actions.edit(comment, comment.revision, "Edited words", moderator)
            expected = "Edited words"
        elif path == "reply":
            actions.reply(other, other.revision, "The staff answer", moderator, ip="127.0.0.1",
                          user_agent="tests")
            expected = "The staff answer"
        elif path == "undo":
            event = db.session.scalar(sa.select(actions.ModerationEvent)
                                      .where(actions.ModerationEvent.comment_id == published))
            actions.undo([event.id], moderator)
        else:
            actions.decide_many([(comment.id, comment.revision)], "spam", moderator)
    after = app.test_client().get(url).get_data(as_text=True)
    assert after != before
    if expected:
        assert expected in after
    else:
        assert "Published words" not in after


def test_removing_a_moderator_changes_the_page_of_their_staff_replies(app, article):
    from support import create_moderator

    from blueprints.auth import accounts

    url = f"/articles/{article.slug}"
    moderator_id = create_moderator(app, "Replying Mod")
    create_moderator(app, "Staying Admin", Role.ADMIN)
    asked = add_pending(app, article.id, "A question for the staff")
    with app.test_request_context():
        comment = db.session.get(Comment, asked)
        actions.reply(comment, comment.revision, "The staff answer", db.session.get(Moderator, moderator_id),
                      ip="127.0.0.1", user_agent="tests")
    before = app.test_client().get(url).get_data(as_text=True)
    assert "comment-staff" in before
    with app.test_request_context():
        accounts.remove(db.session.get(Moderator, moderator_id))
    after = app.test_client().get(url).get_data(as_text=True)
    assert "The staff answer" in after and "comment-staff" not in after


def test_trust_mode_approval_changes_the_anonymous_page(make_app, article):
    app = make_app(TRUST_APPROVED_AUTHORS=True)
    url = f"/articles/{article.slug}"
    first = app.test_client()
    assert post_comment(app, first, article.slug, **comment_data(body="First words")).status_code == 303
    from support import create_moderator

    moderator_id = create_moderator(app, "Trust Checker")
    with app.test_request_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.body == "First words"))
        actions.decide(comment, comment.revision, "approve", db.session.get(Moderator, moderator_id))
    assert "First words" in app.test_client().get(url).get_data(as_text=True)  # kept now
    assert post_comment(app, app.test_client(), article.slug, body="Trusted at once").status_code == 303
    assert "Trusted at once" in app.test_client().get(url).get_data(as_text=True)


def test_an_import_changes_the_anonymous_page(app, article):
    import io
    import json

    from talkback.datatransfer import export_data, import_data

    url = f"/articles/{article.slug}"
    out = io.StringIO()
    with app.app_context():
        export_data(out)
    exported = json.loads(out.getvalue())
    approved_elsewhere(app, article.id, "Only before the import")
    assert "Only before the import" in app.test_client().get(url).get_data(as_text=True)  # kept
    with app.app_context():
        import_data(exported, replace=True)
    assert "Only before the import" not in app.test_client().get(url).get_data(as_text=True)


def test_a_settings_change_shows_on_the_next_anonymous_visit(app, article):
    url = f"/articles/{article.slug}"
    app.test_client().get(url)
    with app.app_context():
        db.session.add(SiteSetting(key="COMMENT_MAX_LENGTH", value=700))
        db.session.execute(sa.update(PolicyRule).where(PolicyRule.number == 2).values(text="Rule two, new"))
        db.session.commit()
    html = app.test_client().get(url).get_data(as_text=True)
    assert "700 characters available" in html and "Rule two, new" in html


def test_asking_for_pages_that_do_not_exist_fills_no_cache(make_app, article):
    from blueprints.articles.content import article_view

    app = make_app(COMMENTS_PER_PAGE=1)
    approved_elsewhere(app, article.id, "Second comment")  # two pages of one
    client = app.test_client()
    url = f"/articles/{article.slug}"
    asked = (None, 1, 3, 50, 999_999, -4, 0)
    for page in asked:
        html = client.get(url if page is None else f"{url}?cpage={page}").get_data(as_text=True)
        assert "Page " in html
    with app.test_request_context(url):
        view = article_view(article.slug)
        kept = {page for page in asked if cache.kept_page(cache.page_key(view, page, False)) is not None}
    assert {None, 1} <= kept  # (-4 and 0 are page 1 too: max(page, 1))
    assert not kept & {3, 50, 999_999}


# --- Redis -------------------------------------------------------------------------------------


def test_with_redis_the_pages_are_shared_between_processes(make_app, article):
    from live_services import delete_redis_keys, redis_url

    url = redis_url()
    prefix = "talkback-reader-test:"
    first, second = (make_app(REDIS_URL=url, CACHE_KEY_PREFIX=prefix) for _ in range(2))
    page = f"/articles/{article.slug}"
    try:
        first.test_client().get(page)
        kept = list(_redis(url).scan_iter(f"{prefix}page:*"))
        assert kept
        stored = _redis(url).get(kept[0])
        # The same length: the value is a pickle.
        _redis(url).set(kept[0], stored.replace(b"Post a Comment", b"Kept elsewhere"))
        assert "Kept elsewhere" in second.test_client().get(page).get_data(as_text=True)
        approved_elsewhere(second, article.id, "Approved after")
        html = first.test_client().get(page).get_data(as_text=True)
        assert "Approved after" in html and "Kept elsewhere" not in html
    finally:
        delete_redis_keys(url, prefix)


def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def test_without_redis_the_page_is_rendered_uncached(make_app, article):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get(f"/articles/{article.slug}")
    assert response.status_code == 200
    assert "1 Comment" in response.get_data(as_text=True)


def test_two_sites_on_one_redis_have_keys_of_their_own(make_app, tmp_path):
    one = make_app()
    other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    assert re.fullmatch(r"talkback:[0-9a-f]{12}:", one.config["CACHE_KEY_PREFIX"])
    from app import create_app

    other = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": other_url,
                        "AUTO_MIGRATE": False, "REQUEST_LOG": False})
    assert other.config["CACHE_KEY_PREFIX"] != one.config["CACHE_KEY_PREFIX"]


def test_the_policy_page_says_reading_sets_no_cookie(app):
    response = app.test_client().get("/policy")
    assert "Reading this site sets no cookie." in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_a_failing_cache_is_left_alone_for_a_while(make_app, article, caplog):
    """After Redis fails, this process renders without it for CACHE_RETRY_SECONDS instead of
    waiting for it on every request (a Redis that hangs costs each attempt its socket timeout)."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert app.config["CACHE_OPTIONS"]["socket_timeout"] <= 1
    assert app.config["RATELIMIT_STORAGE_OPTIONS"]["socket_timeout"] <= 1
    client = app.test_client()
    for _ in range(3):
        assert client.get(f"/articles/{article.slug}").status_code == 200
    failures = [r for r in caplog.records if "page cache unavailable" in r.getMessage()]
    assert len(failures) == 1
