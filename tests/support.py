"""Helpers the tests share (importable as `support`; pytest puts tests/ on sys.path)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from talkback.extensions import db

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_CSRF_HEADER = re.compile(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|"X-CSRFToken": "([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token a page carries (hidden input, or the body's hx-headers)."""
    match = _CSRF.search(html) or _CSRF_HEADER.search(html)
    assert match, "no CSRF token on the page"
    return next(group for group in match.groups() if group)


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """Collects the SQL statements the app's engine runs inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


MODERATOR_PASSWORD = "correct horse battery staple"


def log_in(client, name: str, password: str = MODERATOR_PASSWORD, **extra: str):
    """Logs in through the login form, as a browser would (CSRF token from the page)."""
    token = csrf_from(client.get("/moderation/login").get_data(as_text=True))
    return client.post("/moderation/login", data={"csrf_token": token, "name": name, "password": password,
                                                   **extra})
