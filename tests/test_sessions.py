"""The session cookie and the CSRF token, signed by talkback.sessions' kept signers: the same format
as Flask's and Flask-WTF's own, read by them and reading theirs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import URLSafeTimedSerializer

from talkback.sessions import LazySessionInterface, SigningSerializer, csrf_token, new_reader_session
from talkback.web_request import Request

SESSIONS = [
    {"csrf_token": "0123456789abcdef0123456789abcdef01234567"},
    {"csrf_token": "a" * 40, "_user_id": "7", "_fresh": True, "_id": "f" * 128},
    {"flash": [("comment-status", "Thank you")], "when": datetime(2026, 11, 29, tzinfo=UTC),
     "raw": b"\x00\xff"},
    {" t": "a key that looks like a tag"},
    {"prefill": "x" * 600},  # long enough to be compressed
]


def _app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update({"SECRET_KEY": "secret-one", **config})
    return app


@pytest.mark.parametrize("data", SESSIONS, ids=range(len(SESSIONS)))
def test_session_cookies_read_both_ways(data):
    app = _app()
    ours = LazySessionInterface().get_signing_serializer(app)
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    assert isinstance(ours, SigningSerializer)
    with app.app_context():
        assert flasks.loads(ours.dumps(data)) == data
        assert ours.loads(flasks.dumps(data)) == data
        # A session of plain strings is the very same JSON Flask would write.
        if all(isinstance(v, str) for v in data.values()):
            assert ours.serializer.dumps(data) == flasks.serializer.dumps(data)


def test_a_long_session_is_still_compressed():
    app = _app()
    with app.app_context():
        value = LazySessionInterface().get_signing_serializer(app).dumps({"prefill": "x" * 600})
    assert value.startswith(".")


def test_an_old_secret_key_still_reads():
    old = _app()
    with old.app_context():
        value = LazySessionInterface().get_signing_serializer(old).dumps({"csrf_token": "b" * 40})
    new = _app(SECRET_KEY="secret-two", SECRET_KEY_FALLBACKS=["secret-one"])
    with new.app_context():
        assert LazySessionInterface().get_signing_serializer(new).loads(value) == {"csrf_token": "b" * 40}
    stranger = _app(SECRET_KEY="secret-two")
    with stranger.app_context(), pytest.raises(Exception, match="Signature"):
        LazySessionInterface().get_signing_serializer(stranger).loads(value)


def test_the_token_is_flask_wtfs():
    app = _app(WTF_CSRF_TIME_LIMIT=None)
    with app.test_request_context():
        token = csrf_token()
        assert csrf_token() == token == g.csrf_token  # once per request
        raw = session["csrf_token"]
        assert len(raw) == 40 and int(raw, 16) >= 0
        validate_csrf(token)  # raises if not
        assert URLSafeTimedSerializer("secret-one", salt="wtf-csrf-token").loads(token) == raw
    with app.test_request_context():
        session["csrf_token"] = raw
        validate_csrf(generate_csrf())
        g.pop("csrf_token")
        validate_csrf(csrf_token())  # the same session's raw token, signed again
        assert session["csrf_token"] == raw


def test_the_token_follows_flask_wtfs_settings():
    app = _app(WTF_CSRF_SECRET_KEY="another-secret", WTF_CSRF_FIELD_NAME="token")
    with app.test_request_context():
        token = csrf_token()
        assert "token" in session and "csrf_token" not in session
        validate_csrf(token)
        signed_by = URLSafeTimedSerializer("another-secret", salt="wtf-csrf-token")
        assert signed_by.loads(token) == session["token"]


def test_a_new_readers_session_outside_a_request():
    app = _app(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True)
    app.session_interface = LazySessionInterface()
    app.request_class = Request
    token, cookie = new_reader_session(app)
    name, _, rest = cookie.partition("=")
    value, _, attributes = rest.partition(";")
    assert name == "session"
    assert attributes.strip().split("; ") == ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"]
    with app.test_request_context(headers={"Cookie": f"session={value}"}):
        validate_csrf(token)  # the cookie's session holds the raw token the page's token signs
        assert list(session.keys()) == ["csrf_token"]
