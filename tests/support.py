"""Helpers the tests share (importable as `support`; pytest puts tests/ on sys.path)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from talkback.database import direct_read_executed
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
    """Collects the SQL statements the app's engine runs inside the block: through SQLAlchemy, and
    straight on a DBAPI connection (database.DirectRead)."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def direct(_read, statement):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    direct_read_executed.connect(direct)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        direct_read_executed.disconnect(direct)
