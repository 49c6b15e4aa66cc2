"""Screening rules: each rule as a plain function, then every rule through the form on both paths
(htmx fragment and plain form)."""

from __future__ import annotations

import math
import re
import time
import unicodedata
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from screen_helpers import HTMX, create_moderator, form_tokens, log_in, post_comment, stored
from werkzeug.datastructures import MultiDict

from blueprints.comments import screening
from blueprints.comments.forms import StampAge
from blueprints.comments.screening import (
    DUPLICATE_MESSAGE,
    FLOOD_MESSAGE,
    Submission,
    find_words,
    normalise_for_comparison,
    word_list,
)
from talkback import settings
from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus, ModerationEvent, utcnow

AWAITING = "your comment is awaiting moderation"


def submission(**overrides) -> Submission:
    values = dict(author_name="Ada", author_email="ada@example.org", author_website="",
                  body="Hello there.", ip="192.0.2.1", user_agent="test")
    values.update(overrides)
    return Submission(**values)


class FakeSettings(dict):
    """Settings for calling a rule directly: given keys over the config defaults."""

    def __init__(self, app, **values):
        super().__init__({key: app.config[key] for key in app.config if key.isupper()})
        self.update(values)


def _article(app) -> Article:
    article = db.session.scalars(sa.select(Article).order_by(Article.id)).first()
    return article


# --- rules as functions -------------------------------------------------------------------


def test_word_list_accepts_lists_and_lines():
    assert word_list(["Casino", " free   money ", "", "casino"]) == ("Casino", "free money", "casino")
    assert word_list("viagra\n\n  cheap pills \n") == ("viagra", "cheap pills")
    assert word_list(None) == ()


@pytest.mark.parametrize(
    ("words", "fields", "found"),
    [
        (["casino"], {"body": "Visit the CASINO tonight"}, ["casino"]),
        (["casino"], {"body": "casinos are fine, and so is xcasino"}, []),  # whole words only
        (["ass"], {"body": "a classic class assessment"}, []),
        (["free money"], {"body": "get FREE\n  money now"}, ["free money"]),
        (["casino"], {"author_email": "casino@example.org"}, ["casino"]),
        (["casino"], {"author_name": "Casino King"}, ["casino"]),
        (["casino"], {"author_website": "https://best-casino.example"}, ["casino"]),
        (["casino"], {"body": "ｃａｓｉｎｏ in full width"}, ["casino"]),  # compatibility forms
        (["$$$"], {"body": "make $$$ fast"}, ["$$$"]),
        (["c++"], {"body": "I write c++ daily"}, ["c++"]),
        ([".*"], {"body": "anything at all"}, []),  # entries are literal, never patterns
        (["crypto", "bitcoin"], {"body": "Bitcoin and crypto and crypto"}, ["bitcoin", "crypto"]),
    ],
)
def test_find_words(words, fields, found):
    assert find_words(words, submission(**fields)) == found


def test_normalised_bodies_compare_equal():
    assert normalise_for_comparison("Hello   World\n\n") == normalise_for_comparison("hello world")
    assert normalise_for_comparison("Hello World") != normalise_for_comparison("Hello, World")


def test_bot_trap_rule(app):
    site = FakeSettings(app, COMMENT_MIN_FILL_SECONDS=3)
    rule = screening.rule_bot_traps
    assert rule(None, submission(form_age=10), site) is None
    assert rule(None, submission(), site) is None  # not from the public form: no stamp to judge
    honeypot = rule(None, submission(honeypot="http://spam.example", form_age=10), site)
    assert honeypot.status == CommentStatus.SPAM and honeypot.markers == ["honeypot field filled in"]
    fast = rule(None, submission(form_age=1.2), site)
    assert fast.status == CommentStatus.SPAM and fast.markers == ["sent 1.2 s after the form was shown"]
    assert rule(None, submission(form_age=None), site).markers == ["form stamp missing or forged"]
    # A person may leave the page open for days: an expired stamp is held for a moderator, never spam.
    expired = rule(None, submission(form_age=None, stamp_expired=True), site)
    assert expired.status == CommentStatus.PENDING and expired.markers == ["form stamp expired"]
    off = FakeSettings(app, COMMENT_MIN_FILL_SECONDS=0)
    assert rule(None, submission(form_age=0.5), off) is None
    assert rule(None, submission(form_age=None), off) is None  # no timing check, no stamp needed
    assert rule(None, submission(honeypot="x"), off).status == CommentStatus.SPAM


@pytest.mark.parametrize(("body", "markers"), [
    ("one link http://a.example", []),
    ("http://a.example and https://b.example/x", ["2 links"]),
    ("http://a.example http://b.example http://c.example", ["3 links"]),
    ("not links: a.example, javascript:alert(1), ftp://x.example", []),
])
def test_links_rule(app, body, markers):
    decision = screening.rule_links(None, submission(body=body), FakeSettings(app, COMMENT_MAX_LINKS=2))
    assert (decision.markers if decision else []) == markers


def test_screen_collects_every_marker_in_order(app):
    with app.app_context():
        site = FakeSettings(app, HOLD_WORDS=["crypto"], COMMENT_MAX_LINKS=2)
        body = "crypto tips at http://a.example and http://b.example"
        decision = screening.screen(_article(app), submission(body=body, form_age=math.inf), site)
    assert decision.status == CommentStatus.PENDING
    assert decision.markers == ["hold word: crypto", "2 links"]


def test_spam_keeps_earlier_markers_and_stops(app):
    with app.app_context():
        site = FakeSettings(app, DISALLOWED_WORDS=["casino"], HOLD_WORDS=["crypto"])
        decision = screening.screen(_article(app), submission(body="casino crypto", honeypot="x"), site)
    assert decision.status == CommentStatus.SPAM
    assert decision.markers == ["honeypot field filled in"]


def test_auto_close_after_days(app):
    with app.app_context():
        article = _article(app)
        article.published_at = utcnow() - timedelta(days=10)
        assert not screening.comments_closed(article, FakeSettings(app, COMMENTS_CLOSE_AFTER_DAYS=0))
        assert not screening.comments_closed(article, FakeSettings(app, COMMENTS_CLOSE_AFTER_DAYS=11))
        assert screening.comments_closed(article, FakeSettings(app, COMMENTS_CLOSE_AFTER_DAYS=7))
        article.comments_closed = True
        assert screening.comments_closed(article, FakeSettings(app, COMMENTS_CLOSE_AFTER_DAYS=0))


def test_flood_rule_exempts_moderators(app):
    with app.app_context():
        site = FakeSettings(app, COMMENT_FLOOD_SECONDS=15)
        article = _article(app)
        db.session.add(Comment(article_id=article.id, body="first", author_name="Ada",
                               author_email="ada@example.org", author_ip="192.0.2.1",
                               status=CommentStatus.PENDING, held_for=[]))
        db.session.commit()
        assert screening.rule_flood(article, submission(), site).http_status == 429
        assert screening.rule_flood(article, submission(moderator_id=1), site) is None
        other = submission(author_email="bob@example.org", ip="192.0.2.9")
        assert screening.rule_flood(article, other, site) is None
        assert screening.rule_flood(article, submission(ip="192.0.2.9"), site) is not None  # same email
        same_ip = submission(author_email="bob@example.org")
        assert screening.rule_flood(article, same_ip, site) is not None
        assert screening.rule_flood(article, submission(), FakeSettings(app, COMMENT_FLOOD_SECONDS=0)) is None


# --- through the form, on both paths ------------------------------------------------------

PATHS = pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])


def _text(response) -> str:
    return response.get_data(as_text=True)


def _close(app, article, **values):
    with app.app_context():
        db.session.execute(sa.update(Article).where(Article.id == article.id).values(**values))
        db.session.commit()


@PATHS
def test_closed_article_refuses_and_keeps_the_text(app, client, article, htmx):
    client.get(f"/articles/{article.slug}")
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    tokens = form_tokens(page)
    _close(app, article, comments_closed=True)
    data = {**tokens, "author_name": "Ada", "author_email": "ada@example.org",
            "body": "My carefully written words."}
    response = client.post(f"/articles/{article.slug}/comments", data=data, headers=HTMX if htmx else {})
    assert response.status_code == 403
    html = _text(response)
    assert "Comments are closed." in html
    assert "My carefully written words." in html  # kept, to copy
    assert 'id="comment-form"' not in html
    assert not stored(app, author_email="ada@example.org")
    if htmx:
        assert response.headers["HX-Retarget"] == "#comments"


@PATHS
def test_auto_closed_article_refuses(make_app, htmx):
    app = make_app(COMMENTS_CLOSE_AFTER_DAYS=30)  # the demo article is from 2022
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    page = _text(client.get(f"/articles/{slug}"))
    assert "Comments are closed." in page and 'id="comment-form"' not in page
    response = post_comment_raw(client, slug, page, htmx)
    assert response.status_code == 403 and "Comments are closed." in _text(response)
    assert not stored(app, author_email="ada@example.org")


def post_comment_raw(client, slug, page, htmx):
    """A stale tab posts to an article that has closed meanwhile (its form is gone from the page)."""
    data = {"author_name": "Ada", "author_email": "ada@example.org", "body": "Hello"}
    return client.post(f"/articles/{slug}/comments", data=data, headers=HTMX if htmx else {})


@PATHS
def test_duplicate_is_refused_with_409_and_the_form_kept(app, client, article, htmx):
    first = post_comment(app, client, article.slug, body="Same old   words")
    assert first.status_code == 303
    again = post_comment(app, client, article.slug, htmx=htmx, body="same old words\n")
    assert again.status_code == 409
    html = _text(again)
    assert DUPLICATE_MESSAGE.replace("’", "&#8217;") in html or DUPLICATE_MESSAGE in html
    assert "same old words" in html  # the textarea keeps it
    assert len(stored(app, author_email="ada@example.org")) == 1
    # Another name, or another article's comment, is not a duplicate.
    other_name = post_comment(app, client, article.slug, author_name="Ada L.", body="Same old words")
    assert other_name.status_code == 303


def test_a_trashed_comment_is_no_duplicate(app, client, article):
    post_comment(app, client, article.slug, body="Try again")
    with app.app_context():
        db.session.execute(sa.update(Comment).where(Comment.body == "Try again")
                           .values(status=CommentStatus.TRASH))
        db.session.commit()
    assert post_comment(app, client, article.slug, body="Try again").status_code == 303


@PATHS
def test_flood_is_refused_with_429(make_app, htmx):
    app = make_app(COMMENT_FLOOD_SECONDS=15)
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    assert post_comment(app, client, slug, body="first").status_code == 303
    response = post_comment(app, client, slug, htmx=htmx, author_email="other@example.org", body="second")
    assert response.status_code == 429
    assert FLOOD_MESSAGE in _text(response) and "second" in _text(response)
    # From another address and email it goes through.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    assert post_comment(app, other, slug, author_email="carol@example.org", body="third").status_code == 303
    assert [c.body for c in stored(app)][-2:] == ["first", "third"]


def test_logged_in_moderators_are_exempt_from_flood(make_app):
    app = make_app(COMMENT_FLOOD_SECONDS=15)
    client = app.test_client()
    log_in(app, client, create_moderator(app))
    with app.app_context():
        slug = _article(app).slug
    assert post_comment(app, client, slug, body="one").status_code == 303
    assert post_comment(app, client, slug, body="two").status_code == 303


@PATHS
def test_honeypot_is_stored_as_spam_but_looks_pending(app, client, article, htmx):
    response = post_comment(app, client, article.slug, htmx=htmx, url="http://bot.example", body="Nice")
    if htmx:
        assert response.status_code == 200 and AWAITING in _text(response)
    else:
        assert response.status_code == 303
        page = _text(client.get(response.headers["Location"]))
        assert AWAITING in page
        assert "Your comment is awaiting moderation." in page  # the sender's preview
    [comment] = stored(app, author_email="ada@example.org")
    assert comment.status == CommentStatus.SPAM
    assert comment.held_for == ["honeypot field filled in"]


@PATHS
def test_too_fast_or_unstamped_forms_are_spam(make_app, htmx):
    app = make_app(COMMENT_MIN_FILL_SECONDS=3)
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    assert post_comment(app, client, slug, htmx=htmx, age=1, body="fast").status_code in (200, 303)
    assert post_comment(app, client, slug, htmx=htmx, age=30, body="slow").status_code in (200, 303)
    forged = post_comment(app, client, slug, htmx=htmx, age=None, rendered_at="1700000000.0", body="forged")
    assert forged.status_code in (200, 303)
    statuses = {c.body: (c.status, c.held_for) for c in stored(app, author_email="ada@example.org")}
    assert statuses["fast"][0] == CommentStatus.SPAM
    # Stamps have whole seconds (TimestampSigner), rounded down: a form never looks younger than it is.
    assert re.fullmatch(r"sent (1\.\d|2\.0) s after the form was shown", statuses["fast"][1][0])
    assert statuses["slow"] == (CommentStatus.PENDING, [])
    assert statuses["forged"] == (CommentStatus.SPAM, ["form stamp missing or forged"])


@PATHS
def test_an_expired_stamp_is_held_not_binned(make_app, htmx):
    app = make_app(COMMENT_MIN_FILL_SECONDS=3, FORM_STAMP_MAX_AGE=3600)
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    for age, body in ((3600 + 60, "left open"), (3600 - 60, "in time")):
        assert post_comment(app, client, slug, htmx=htmx, age=age, body=body).status_code in (200, 303)
    statuses = {c.body: (c.status, c.held_for) for c in stored(app, author_email="ada@example.org")}
    assert statuses["left open"] == (CommentStatus.PENDING, ["form stamp expired"])
    assert statuses["in time"] == (CommentStatus.PENDING, [])


def test_a_stamp_is_signed_and_expires(app):
    from blueprints.comments.forms import form_stamp, stamp_age

    with app.app_context():
        now = time.time()
        assert 59 <= stamp_age(form_stamp(now - 60)).seconds <= 61
        assert stamp_age(form_stamp(now - 2 * 86_400)) == StampAge(None, expired=True)
        assert stamp_age(form_stamp(now)[:-2] + "xx") == StampAge(None)  # forged
        assert stamp_age("1700000000.0") == StampAge(None) and stamp_age(None) == StampAge(None)


def test_the_pages_own_stamp_is_accepted(make_app):
    """The stamp the page wrote is valid; back-dating it here stands in for the reader's typing time."""
    app = make_app(COMMENT_MIN_FILL_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    assert post_comment(app, client, slug, age=None, body="as rendered").status_code == 303
    [comment] = stored(app, author_email="ada@example.org")
    assert comment.status == CommentStatus.PENDING


def test_a_rerendered_form_keeps_its_stamp(make_app):
    app = make_app(COMMENT_MIN_FILL_SECONDS=3)
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    invalid = post_comment(app, client, slug, age=60, author_email="not an email", body="kept")
    assert invalid.status_code == 422
    tokens = form_tokens(_text(invalid))
    data = {**tokens, "author_name": "Ada", "author_email": "ada@example.org", "body": "kept"}
    assert client.post(f"/articles/{slug}/comments", data=data).status_code == 303
    [comment] = stored(app, author_email="ada@example.org")
    assert comment.status == CommentStatus.PENDING  # sixty seconds after the first render


@PATHS
def test_disallowed_words_are_spam(make_app, htmx):
    app = make_app(DISALLOWED_WORDS=["casino"])
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    response = post_comment(app, client, slug, htmx=htmx, author_website="casino.example", body="Hi")
    assert response.status_code in (200, 303)
    [comment] = stored(app, author_email="ada@example.org")
    assert comment.status == CommentStatus.SPAM and comment.held_for == ["disallowed word: casino"]


@PATHS
def test_hold_words_and_links_hold_with_markers(make_app, htmx):
    app = make_app(HOLD_WORDS=["crypto"], COMMENT_MAX_LINKS=2)
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    body = "Crypto is here: https://a.example and http://b.example/page."
    assert post_comment(app, client, slug, htmx=htmx, body=body).status_code in (200, 303)
    [comment] = stored(app, author_email="ada@example.org")
    assert comment.status == CommentStatus.PENDING
    assert comment.held_for == ["hold word: crypto", "2 links"]


def test_settings_changed_by_an_admin_apply(app, client, article):
    with app.test_request_context():
        settings.change("HOLD_WORDS", ["gold"], None)
        db.session.commit()
    post_comment(app, client, article.slug, body="Buy gold")
    [comment] = stored(app, author_email="ada@example.org")
    assert comment.held_for == ["hold word: gold"]


def _approved_author(app) -> dict[str, str]:
    """An author with an approved comment (on the demo article)."""
    author = {"author_name": "Grace Hopper", "author_email": "grace@example.org"}
    with app.app_context():
        db.session.add(Comment(article_id=_article(app).id, body="Earlier, approved.", **author,
                               status=CommentStatus.APPROVED, held_for=[]))
        db.session.commit()
    return {**author, "author_name": "grace hopper"}  # the name compares case-insensitively


@PATHS
def test_trust_mode_approves_returning_authors(make_app, htmx):
    app = make_app(TRUST_APPROVED_AUTHORS=True, HOLD_WORDS=["crypto"])
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    returning = _approved_author(app)
    with app.app_context():
        version = db.session.scalar(sa.select(Article.comments_version).where(Article.slug == slug))
    response = post_comment(app, client, slug, htmx=htmx, body="Back again", **returning)
    assert response.status_code in (200, 303)
    page = _text(response) if htmx else _text(client.get(response.headers["Location"]))
    assert "your comment is published" in page and "Back again" in page and "3 Comments" in page
    [comment] = stored(app, body="Back again")
    assert comment.status == CommentStatus.APPROVED
    with app.app_context():
        event = db.session.scalars(
            sa.select(ModerationEvent).where(ModerationEvent.comment_id == comment.id)
        ).one()
        assert (event.from_status, event.to_status, event.moderator_id) == ("pending", "approved", None)
        assert db.session.get(Article, comment.article_id).comments_version == version + 1
        assert comment.held_for == [screening.TRUST_MARKER]
    # Held words still hold; a new author still waits.
    post_comment(app, client, slug, body="crypto again", **returning)
    post_comment(app, client, slug, body="First time here")
    assert stored(app, body="crypto again")[0].status == CommentStatus.PENDING
    assert stored(app, body="First time here")[0].status == CommentStatus.PENDING


def test_trust_mode_is_off_by_default(app, client, article):
    post_comment(app, client, article.slug, body="Back again", **_approved_author(app))
    assert stored(app, body="Back again")[0].status == CommentStatus.PENDING


# --- Flask-Limiter ------------------------------------------------------------------------


@PATHS
def test_posting_rate_limit_answers_429_and_keeps_the_form(make_app, htmx):
    app = make_app(RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    # Form errors do not count against the limit.
    assert post_comment(app, client, slug, body="").status_code == 422
    for n in range(2):
        assert post_comment(app, client, slug, body=f"comment {n}").status_code == 303
    response = post_comment(app, client, slug, htmx=htmx, body="one too many")
    assert response.status_code == 429
    html = _text(response)
    assert "You have posted too many comments" in html and "one too many" in html
    assert int(response.headers["Retry-After"]) >= 1
    if htmx:
        assert response.headers["HX-Retarget"] == "#comments"
        assert "<html" not in html
    assert len(stored(app, author_email="ada@example.org")) == 2
    # Another address has its own allowance.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    assert post_comment(app, other, slug, body="from elsewhere").status_code == 303


def test_moderators_are_exempt_from_the_posting_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="1 per minute")
    client = app.test_client()
    log_in(app, client, create_moderator(app))
    with app.app_context():
        slug = _article(app).slug
    for n in range(3):
        assert post_comment(app, client, slug, body=f"staff note {n}").status_code == 303


def test_an_invalid_limit_setting_falls_back_to_the_default(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="1 per minute")
    client = app.test_client()
    with app.test_request_context():
        settings.change("COMMENT_RATE_LIMIT", "lots and lots", None)
        db.session.commit()
    with app.app_context():
        slug = _article(app).slug
    assert post_comment(app, client, slug, body="one").status_code == 303
    assert post_comment(app, client, slug, body="two").status_code == 429


def test_an_empty_limit_setting_means_no_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="")
    client = app.test_client()
    with app.app_context():
        slug = _article(app).slug
    for n in range(4):
        assert post_comment(app, client, slug, body=f"n{n}").status_code == 303


def test_counter_rate_limit_pauses_the_counter(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COUNTER_RATE_LIMIT="3 per minute")
    client = app.test_client()
    client.get(_first_url(app))
    for _ in range(3):
        ok = client.post("/comments/counter", data={"body": "hi"}, headers=HTMX)
        assert ok.status_code == 200 and "characters available" in _text(ok)
    paused = client.post("/comments/counter", data={"body": "hi"}, headers=HTMX)
    assert paused.status_code == 429
    assert "counter is paused" in _text(paused) and "<html" not in _text(paused)
    assert paused.headers["HX-Retarget"] == "#comment-counter"
    assert paused.headers["HX-Reswap"] == "innerHTML"
    assert int(paused.headers["Retry-After"]) >= 1


def _first_url(app) -> str:
    with app.app_context():
        return f"/articles/{_article(app).slug}"


def test_check_rate_limit():
    assert settings.check_rate_limit("5 per minute; 50 per day") is None
    assert settings.check_rate_limit("") is None
    assert settings.check_rate_limit("lots")
    assert settings.check_rate_limit("0 per minute")
    assert settings.EDITABLE_KEYS["COUNTER_RATE_LIMIT"].check is settings.check_rate_limit


@PATHS
def test_a_repeated_field_is_a_400_with_a_message(app, client, article, htmx):
    tokens = form_tokens(_text(client.get(f"/articles/{article.slug}")))
    data = MultiDict([*tokens.items(), ("author_name", "Ada"), ("author_email", "ada@example.org"),
            ("body", "one"), ("body", "two")])
    response = client.post(f"/articles/{article.slug}/comments", data=data, headers=HTMX if htmx else {})
    assert response.status_code == 400
    assert "“body” sent more than once" in _text(response)
    assert not stored(app, author_email="ada@example.org")


# --- configuration ------------------------------------------------------------------------


def test_every_config_key_is_documented():
    import ast
    from pathlib import Path

    import talkback.config

    source = Path(talkback.config.__file__).read_text(encoding="utf-8")
    lines = source.splitlines()
    keys = []
    for node in ast.parse(source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id.isupper():
            keys.append(target.id)
            above = lines[node.lineno - 2].strip()
            assert above.startswith("#") or "#" in lines[node.lineno - 1], f"{target.id} has no comment"
    for spec in settings.EDITABLE:
        assert spec.key in keys, f"{spec.key} is editable but has no documented default"


def test_screening_settings_come_from_the_environment(monkeypatch, make_app):
    monkeypatch.setenv("TALKBACK_DISALLOWED_WORDS", '["casino", "cheap pills"]')
    monkeypatch.setenv("TALKBACK_COMMENT_MAX_LINKS", "4")
    monkeypatch.setenv("TALKBACK_TRUST_APPROVED_AUTHORS", "true")
    app = make_app()
    with app.test_request_context():
        site = settings.current()
        assert site["DISALLOWED_WORDS"] == ["casino", "cheap pills"]
        assert site["COMMENT_MAX_LINKS"] == 4 and site["TRUST_APPROVED_AUTHORS"] is True


@given(st.lists(st.text(max_size=12), max_size=5), st.text(max_size=200))
@hyp_settings(max_examples=200, deadline=None)
def test_find_words_is_total_and_only_reports_what_is_there(words, body):
    found = find_words(words, submission(body=body))
    haystack = " ".join(unicodedata.normalize("NFKC", body).casefold().split())
    for word in found:
        assert word in haystack


@given(st.text(min_size=1, max_size=20).filter(str.strip), st.text(max_size=50), st.text(max_size=50))
@hyp_settings(max_examples=200, deadline=None)
def test_a_word_standing_alone_is_always_found(word, before, after):
    word = " ".join(word.split())
    body = f"{before} {word} {after}"
    assert find_words([word], submission(body=body))
