"""An article page for a reader with nothing of their own on it, answered in front of Flask
(articles/reader_page.py): the same status, headers and page as the view, on a first visit and for
a returning reader (200 and 304), a session and token that work for posting, and the view for
everything else."""

from __future__ import annotations

import re

import pytest
from dashboard import decide
from flask import request_started
from support import csrf_from

from blueprints.comments.cookies import PENDING_COOKIE

_STAMP = re.compile(r'name="rendered_at" value="([^"]+)"')
_SESSION = re.compile(r"^session=([^;]+);")


def _reached_flask(app) -> list[str]:
    seen: list[str] = []
    request_started.connect(lambda sender, **extra: seen.append("flask"), app, weak=False)
    return seen


def _with_cookie(client, header: str | None):
    if header:
        name, _, value = header.partition("=")
        client.set_cookie(name, value)
    return client


def _normalised(response) -> tuple[str, dict[str, str]]:
    """The page and headers with this visit's own values (token, form stamp, session, request id)
    replaced by their names."""
    html = response.get_data(as_text=True)
    html = html.replace(csrf_from(html), "TOKEN")
    html = _STAMP.sub('name="rendered_at" value="STAMP"', html)
    headers = {name: value for name, value in response.headers.items() if name != "X-Request-ID"}
    if "Set-Cookie" in headers:
        headers["Set-Cookie"] = _SESSION.sub("session=SESSION;", headers["Set-Cookie"])
    return html, headers


def _kept(app, url: str) -> None:
    """A first visit through the view, which keeps the page."""
    assert app.test_client().get(url).status_code == 200


@pytest.mark.parametrize("config", [{}, {"HTTPS": True}, {"COMMENTS_CLOSE_AFTER_DAYS": 1}],
                         ids=["plain", "https", "closed"])
@pytest.mark.parametrize("query", ["", "?cpage=1"], ids=["newest", "page 1"])
def test_a_first_visit_is_sent_what_the_view_sends(make_app, article, add_comment, config, query):
    for n in range(3):
        add_comment(status="approved", body=f"Approved comment {n}.")
    fast, view = make_app(**config), make_app(ARTICLE_FAST_PATH=False, **config)
    url = f"/articles/{article.slug}{query}"
    _kept(fast, url)
    reached = _reached_flask(fast)
    answers = [app.test_client().get(url) for app in (fast, view)]
    assert reached == [], "the first visit went through to Flask"
    assert answers[0].status_code == answers[1].status_code == 200
    assert _normalised(answers[0]) == _normalised(answers[1])
    assert "Approved comment 2." in answers[0].get_data(as_text=True)
    if config.get("COMMENTS_CLOSE_AFTER_DAYS"):
        assert 'id="comment-form"' not in answers[0].get_data(as_text=True)


def test_every_first_visit_gets_a_session_and_token_of_its_own(app, article):
    url = f"/articles/{article.slug}"
    _kept(app, url)
    reached = _reached_flask(app)
    answers = [app.test_client().get(url) for _ in range(3)]
    assert reached == []
    assert len({csrf_from(a.get_data(as_text=True)) for a in answers}) == 3
    assert len({a.headers["Set-Cookie"] for a in answers}) == 3


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_session_and_token_it_mints_let_the_reader_post(app, article, htmx):
    url = f"/articles/{article.slug}"
    _kept(app, url)
    reader = app.test_client()
    reached = _reached_flask(app)
    token = csrf_from(reader.get(url).get_data(as_text=True))
    assert reached == []
    headers = {"HX-Request": "true", "X-CSRFToken": token} if htmx else {}
    response = reader.post(f"{url}/comments", headers=headers, data={
        "csrf_token": token, "author_name": "First Visitor", "author_email": "first@example.org",
        "body": "Posted with the token of a page sent in front of Flask."})
    assert response.status_code == (200 if htmx else 303)
    assert PENDING_COOKIE in response.headers.get("Set-Cookie", "")
    # The reader now has cookies of ours: the page comes from the view, with their own comment.
    page = reader.get(url).get_data(as_text=True)
    assert "Posted with the token of a page sent in front of Flask." in page
    assert reached == ["flask", "flask"]


def test_a_page_sent_in_front_of_flask_is_refused_with_a_forged_session(app, article):
    url = f"/articles/{article.slug}"
    _kept(app, url)
    reader = app.test_client()
    token = csrf_from(reader.get(url).get_data(as_text=True))
    other = app.test_client()
    other.get(url)  # another visitor's session, with another token
    response = other.post(f"{url}/comments", data={
        "csrf_token": token, "author_name": "Forger", "author_email": "forger@example.org",
        "body": "Sent with someone else's token."})
    assert response.status_code == 400


@pytest.mark.parametrize(("name", "request_args"), [
    ("a session that does not verify", {"cookie": "session=anything"}),
    ("pending comments", {"cookie": f"{PENDING_COOKIE}=x"}),
    ("remembered author", {"cookie": "talkback_author=x"}),
    ("moderator's remember-me", {"cookie": "remember_token=x"}),
    ("another query", {"query_string": "cpage=1&x=2"}),
    ("a page number of another form", {"query_string": "cpage=+1"}),
    ("htmx", {"headers": {"HX-Request": "true"}}),
    ("HEAD", {"method": "HEAD"}),
    ("an odd slug", {"path_suffix": "%C3%A9"}),
])
def test_anything_else_goes_to_the_view(app, article, name, request_args):
    url = f"/articles/{article.slug}"
    _kept(app, url)
    _kept(app, url + "?cpage=1")
    reached = _reached_flask(app)
    args = dict(request_args)
    method = args.pop("method", "GET")
    path = url + args.pop("path_suffix", "")
    client = _with_cookie(app.test_client(), args.pop("cookie", None))
    response = client.open(path, method=method, **args)
    assert reached == ["flask"], name
    assert response.status_code in (200, 404)


def test_cookies_not_of_ours_still_make_a_first_visit(app, article):
    url = f"/articles/{article.slug}"
    _kept(app, url)
    reached = _reached_flask(app)
    client = _with_cookie(_with_cookie(app.test_client(), "_ga=GA1.1.123"), "consent=yes")
    response = client.get(url)
    assert response.status_code == 200 and reached == []


def test_an_unknown_article_and_a_page_not_kept_yet_go_to_the_view(app, article):
    url = f"/articles/{article.slug}"
    reached = _reached_flask(app)
    assert app.test_client().get("/articles/no-such-article").status_code == 404
    assert app.test_client().get(url).status_code == 200  # not kept yet: the view renders, keeps it
    assert reached == ["flask", "flask"]
    assert app.test_client().get(url).status_code == 200
    assert reached == ["flask", "flask"]  # kept: answered in front of Flask


def test_a_moderation_decision_is_on_the_next_first_visit(app, article, add_comment, moderator_client):
    url = f"/articles/{article.slug}"
    comment_id = add_comment(body="Waiting for a moderator.")
    _kept(app, url)
    assert "Waiting for a moderator." not in app.test_client().get(url).get_data(as_text=True)
    assert decide(moderator_client, comment_id, "approve").status_code in (200, 303)
    reached = _reached_flask(app)
    assert "Waiting for a moderator." in app.test_client().get(url).get_data(as_text=True)
    assert reached == ["flask"]  # the decision changed the page's key: the view renders it anew
    assert "Waiting for a moderator." in app.test_client().get(url).get_data(as_text=True)
    assert reached == ["flask"]  # ... and keeps it


def test_a_settings_change_is_on_the_next_first_visit(app, article, admin_client):
    from talkback import settings

    url = f"/articles/{article.slug}"
    _kept(app, url)
    with app.app_context():
        settings.change("COMMENT_MAX_LENGTH", 700, None)
        from talkback.extensions import db

        db.session.commit()
    assert "700 characters available" in app.test_client().get(url).get_data(as_text=True)


def test_it_can_be_turned_off(make_app, article):
    for config in ({"ARTICLE_FAST_PATH": False}, {"RATELIMIT_DEFAULT": "1000 per hour"}):
        app = make_app(**config)
        url = f"/articles/{article.slug}"
        _kept(app, url)
        reached = _reached_flask(app)
        app.test_client().get(url)
        assert reached == ["flask"], config


def _session_of(response) -> str:
    return _SESSION.match(response.headers["Set-Cookie"])[1]


@pytest.mark.parametrize("query", ["", "?cpage=1"], ids=["newest", "page 1"])
def test_a_returning_reader_is_sent_what_the_view_sends(make_app, article, query):
    fast, view = make_app(), make_app(ARTICLE_FAST_PATH=False)
    url = f"/articles/{article.slug}{query}"
    first = view.test_client().get(url)
    session = _session_of(first)
    _kept(fast, url)
    reached = _reached_flask(fast)
    answers = []
    for app in (fast, view):
        client = app.test_client()
        client.set_cookie("session", session)
        answers.append(client.get(url))
    assert reached == [], "the returning reader went through to Flask"
    assert answers[0].status_code == answers[1].status_code == 200
    assert "Set-Cookie" not in answers[0].headers
    assert _normalised(answers[0]) == _normalised(answers[1])
    assert answers[0].headers["ETag"]
    # Their own session's token, signed afresh: it posts.
    page_token = csrf_from(answers[0].get_data(as_text=True))
    reader = fast.test_client()
    reader.set_cookie("session", session)
    posted = reader.post(f"/articles/{article.slug}/comments", data={
        "csrf_token": page_token, "author_name": "Returning Reader", "author_email": "back@example.org",
        "body": "Back again, with the token of a page sent in front of Flask."})
    assert posted.status_code == 303

    # Revalidated: 304, as the view sends it.
    etag = answers[0].headers["ETag"]
    revalidated = []
    for app in (fast, view):
        client = app.test_client()
        client.set_cookie("session", session)
        revalidated.append(client.get(url, headers={"If-None-Match": etag}))
    assert revalidated[0].status_code == revalidated[1].status_code == 304
    assert revalidated[0].data == revalidated[1].data == b""
    assert _headers(revalidated[0]) == _headers(revalidated[1])
    assert revalidated[0].headers["Vary"] == "Cookie"


def _headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name != "X-Request-ID"}


def test_a_session_with_more_than_a_token_goes_to_the_view(app, article, moderator_client):
    url = f"/articles/{article.slug}"
    _kept(app, url)
    reached = _reached_flask(app)
    moderator_client.get(url)  # a moderator's session holds their login
    assert reached == ["flask"]


def test_a_session_that_does_not_verify_gets_a_new_one_from_the_view(app, article):
    url = f"/articles/{article.slug}"
    _kept(app, url)
    other = make_other_secret_session(app, url)
    reached = _reached_flask(app)
    client = app.test_client()
    client.set_cookie("session", other)
    response = client.get(url)
    assert reached == ["flask"]
    assert _session_of(response) != other


def make_other_secret_session(app, url: str) -> str:
    """A session cookie signed with another secret key."""
    from talkback.sessions import LazySessionInterface

    with app.app_context():
        old = app.secret_key
        app.secret_key = "another-secret"
        try:
            return LazySessionInterface().get_signing_serializer(app).dumps({"csrf_token": "c" * 40})
        finally:
            app.secret_key = old
