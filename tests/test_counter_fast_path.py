"""The live counter's fast path (comments/counter.py): the same answers as the Flask view, without
Flask for the ordinary request, and the view for everything else."""

from __future__ import annotations

import urllib.parse
import uuid

import pytest
from flask import request_started

from blueprints.comments import counter
from blueprints.comments.views import FORM_FIELDS

HTMX_FORM = {"HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"}
FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467"

BODIES = [
    b"",
    b"body=",
    urllib.parse.urlencode({"body": "Mangoes are in season 😀 " * 40}).encode(),
    urllib.parse.urlencode({"body": "e\u0301" * 20 + FAMILY * 3 + "🇳🇴"}).encode(),
    urllib.parse.urlencode({"body": "line one\r\nline two\r\n\r\nthree"}).encode(),
    urllib.parse.urlencode({"body": "x" * 1501}).encode(),  # over the limit
    urllib.parse.urlencode({"body": "x" * 1500}).encode(),  # exactly at it
    urllib.parse.urlencode({"body": "  padded \x00 text\t "}).encode(),
    urllib.parse.urlencode({"body": "hi", "csrf_token": "abc", "other": "1", "other2": "2"}).encode(),
    urllib.parse.urlencode([("other", "1"), ("other", "2"), ("body", "an unknown field twice")]).encode(),
]
# Answered by the view: it is the reference for what these get (400, 413, a form in another encoding).
FOR_THE_VIEW = [
    ("repeated body", urllib.parse.urlencode([("body", "a"), ("body", "b")]).encode(), HTMX_FORM, 400),
    ("not UTF-8", b"body=%FF%FE", HTMX_FORM, 400),
    ("raw non-ASCII", "body=é".encode(), HTMX_FORM, 400),
    ("too large", b"body=" + b"x" * (70 * 1024), HTMX_FORM, 413),
    ("multipart", None, {"HX-Request": "true"}, 200),
]


def _headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name != "X-Request-ID"}


def _reached_flask(app) -> list[str]:
    seen: list[str] = []
    request_started.connect(lambda sender, **extra: seen.append("flask"), app, weak=False)
    return seen


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_the_fast_path_answers_exactly_as_the_view(make_app, body):
    fast, view = make_app(), make_app(COUNTER_FAST_PATH=False)
    reached = _reached_flask(fast)
    answers = [app.test_client().post("/comments/counter", data=body, headers=HTMX_FORM)
               for app in (fast, view)]
    assert reached == [], "the fast path let the request through to Flask"
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].data == answers[1].data
    assert _headers(answers[0]) == _headers(answers[1])
    assert "counter-text" in answers[0].get_data(as_text=True)


def test_too_many_marks_is_said_alike(make_app):
    fast, view = make_app(COMMENT_MAX_LENGTH=100), make_app(COMMENT_MAX_LENGTH=100, COUNTER_FAST_PATH=False)
    body = urllib.parse.urlencode({"body": "a" + "\u0301" * 801}).encode()
    answers = [app.test_client().post("/comments/counter", data=body, headers=HTMX_FORM)
               for app in (fast, view)]
    assert answers[0].data == answers[1].data
    assert "too many combining marks" in answers[0].get_data(as_text=True)


def test_the_fast_path_sends_hsts_when_the_view_would(make_app):
    fast, view = make_app(HTTPS=True), make_app(HTTPS=True, COUNTER_FAST_PATH=False)
    answers = [app.test_client().post("/comments/counter", data={"body": "hi"}, headers=HTMX_FORM,
                                      base_url="https://localhost") for app in (fast, view)]
    assert _headers(answers[0]) == _headers(answers[1])
    assert "Strict-Transport-Security" in answers[0].headers


@pytest.mark.parametrize(("what", "body", "headers", "status"), FOR_THE_VIEW,
                         ids=[case[0] for case in FOR_THE_VIEW])
def test_anything_unusual_goes_to_the_view(make_app, what, body, headers, status):
    fast, view = make_app(), make_app(COUNTER_FAST_PATH=False)
    reached = _reached_flask(fast)
    data = body if body is not None else {"body": "sent as multipart"}
    answers = [app.test_client().post("/comments/counter", data=data, headers=headers,
                                      content_type=None if body is not None else "multipart/form-data")
               for app in (fast, view)]
    assert reached == ["flask"]
    assert answers[0].status_code == answers[1].status_code == status
    assert answers[0].data == answers[1].data


def test_a_query_string_goes_to_the_view(make_app):
    app = make_app()
    reached = _reached_flask(app)
    response = app.test_client().post("/comments/counter?x=%FF", data={"body": "hi"}, headers=HTMX_FORM)
    assert reached == ["flask"] and response.status_code == 400


def test_other_requests_are_not_touched(make_app, article):
    app = make_app()
    reached = _reached_flask(app)
    client = app.test_client()
    assert client.get("/comments/counter").status_code == 405
    assert client.get(f"/articles/{article.slug}").status_code == 200
    assert reached == ["flask", "flask"]


def test_the_limit_counts_every_counter_request_once_whichever_side_answers(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COUNTER_RATE_LIMIT="3 per minute")
    reached = _reached_flask(app)
    client = app.test_client()
    ok = client.post("/comments/counter", data={"body": "one"}, headers=HTMX_FORM)
    repeated = client.post("/comments/counter", data=b"body=a&body=b", headers=HTMX_FORM)
    also_ok = client.post("/comments/counter", data={"body": "three"}, headers=HTMX_FORM)
    assert [ok.status_code, repeated.status_code, also_ok.status_code] == [200, 400, 200]
    assert reached == ["flask"]  # only the repeated field
    paused = client.post("/comments/counter", data={"body": "four"}, headers=HTMX_FORM)
    assert paused.status_code == 429
    assert "counter is paused" in paused.get_data(as_text=True)
    assert paused.headers["HX-Retarget"] == "#comment-counter"
    assert 1 <= int(paused.headers["Retry-After"]) <= 61
    # Another address has its own count.
    other = client.post("/comments/counter", data={"body": "x"}, headers=HTMX_FORM,
                        environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 200


def test_the_view_alone_counts_the_limit_too(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COUNTER_RATE_LIMIT="2 per minute", COUNTER_FAST_PATH=False)
    client = app.test_client()
    statuses = [client.post("/comments/counter", data={"body": "x"}, headers=HTMX_FORM).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_broken_limit_store_does_not_stop_the_counter(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                   RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False)
    response = app.test_client().post("/comments/counter", data={"body": "hi"}, headers=HTMX_FORM)
    assert response.status_code == 200 and "characters available" in response.get_data(as_text=True)


def test_the_single_fields_are_the_forms_fields():
    assert set(FORM_FIELDS) == counter.SINGLE_FIELDS


def test_sites_sharing_a_limit_store_count_apart(make_app):
    """RATELIMIT_KEY_PREFIX keeps two sites on one Redis apart (as Flask-Limiter's own keys)."""
    from live_services import redis_url

    url = redis_url()
    apps = [make_app(RATELIMIT_ENABLED=True, COUNTER_RATE_LIMIT="2 per hour", RATELIMIT_STORAGE_URI=url,
                     RATELIMIT_KEY_PREFIX=f"site-{n}-{uuid.uuid4().hex}") for n in range(2)]
    statuses = [[app.test_client().post("/comments/counter", data={"body": "x"},
                                        headers=HTMX_FORM).status_code for _ in range(3)]
                for app in apps]
    assert statuses == [[200, 200, 429], [200, 200, 429]]
