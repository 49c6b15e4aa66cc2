"""Nothing lost under load: 16 threads post at once to a live server on the test database (SQLite
by default). Every comment acknowledged with a 2xx/303 must be in the database, and no request may
fail with "database is locked" (WAL, a busy timeout, BEGIN IMMEDIATE for POSTs, short transactions).
"""

from __future__ import annotations

import http.client
import logging
import threading
import urllib.parse
from http.cookies import SimpleCookie

import pytest
import sqlalchemy as sa
from support import form_tokens
from werkzeug.serving import make_server

from talkback.extensions import db
from talkback.models import Article, Comment

THREADS = 16
POSTS_PER_THREAD = 8


class Browser:
    """One reader: its own cookies, talking HTTP to the live server."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, text
        finally:
            connection.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)


class ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage() + (str(record.exc_info[1]) if record.exc_info else ""))


@pytest.mark.slow
def test_sixteen_threads_posting_at_once_lose_nothing(app, live_server):
    with app.app_context():
        slug = db.session.scalars(sa.select(Article.slug).order_by(Article.id)).first()
        before = db.session.scalar(sa.select(sa.func.count(Comment.id)))
    errors = ErrorLog()
    app.logger.addHandler(errors)
    acknowledged: list[str] = []
    failures: list[tuple[int, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def reader(n: int) -> None:
        browser = Browser(live_server)
        status, page = browser.request("GET", f"/articles/{slug}")
        assert status == 200
        tokens = form_tokens(page)
        htmx = n % 2 == 0  # half post like htmx, half like a plain form
        start.wait()
        for i in range(POSTS_PER_THREAD):
            body = f"Reader {n}, comment {i}: nothing lost."
            form = {**tokens, "author_name": f"Reader {n}", "author_email": f"reader{n}@example.org",
                    "author_website": "", "body": body}
            status, text = browser.request("POST", f"/articles/{slug}/comments", form,
                                           {"HX-Request": "true"} if htmx else {})
            with lock:
                if status in (200, 303) and (status == 303 or "awaiting moderation" in text):
                    acknowledged.append(body)
                else:
                    failures.append((status, text[:500]))

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    app.logger.removeHandler(errors)

    assert not any(thread.is_alive() for thread in threads)
    assert not failures, failures[:3]
    assert not errors.messages, errors.messages[:3]
    assert len(acknowledged) == THREADS * POSTS_PER_THREAD
    with app.app_context():
        db.session.remove()
        bodies = set(db.session.scalars(sa.select(Comment.body)))
        assert set(acknowledged) <= bodies
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == before + len(acknowledged)


def _post_at_once(port: int, slug: str, forms: list[dict[str, str]]) -> list[tuple[int, str]]:
    """Each form posted by its own browser (htmx), all released at the same moment."""
    browsers = [Browser(port) for _ in forms]
    tokens = []
    for browser in browsers:
        status, page = browser.request("GET", f"/articles/{slug}")
        assert status == 200
        tokens.append(form_tokens(page))
    start = threading.Barrier(len(forms))
    results: list[tuple[int, str]] = [(0, "")] * len(forms)

    def post(n: int) -> None:
        start.wait()
        results[n] = browsers[n].request("POST", f"/articles/{slug}/comments",
                                         {**tokens[n], **forms[n]}, {"HX-Request": "true"})

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _stored(app, email: str) -> int:
    with app.app_context():
        db.session.remove()
        return db.session.scalar(sa.select(sa.func.count(Comment.id)).where(Comment.author_email == email))


@pytest.mark.slow
def test_the_same_comment_sent_eight_times_at_once_is_stored_once(app, live_server):
    with app.app_context():
        slug = db.session.scalars(sa.select(Article.slug).order_by(Article.id)).first()
    form = {"author_name": "Twin", "author_email": "twin@example.org", "author_website": "",
            "body": "Said once, sent eight times at the same moment."}
    results = _post_at_once(live_server, slug, [form] * 8)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 7, statuses
    assert _stored(app, "twin@example.org") == 1


@pytest.mark.slow
def test_a_flood_sent_at_once_is_stored_once(make_app):
    app = make_app(COMMENT_FLOOD_SECONDS=60)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with app.app_context():
            slug = db.session.scalars(sa.select(Article.slug).order_by(Article.id)).first()
        forms = [{"author_name": "Hasty", "author_email": "hasty@example.org", "author_website": "",
                  "body": f"Different words, number {n}."} for n in range(8)]
        results = _post_at_once(server.server_port, slug, forms)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [429] * 7, statuses
    assert _stored(app, "hasty@example.org") == 1
