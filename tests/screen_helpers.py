"""Helpers shared by the screening, security, hostile-input and concurrency tests.

Posting goes through the real form: the article page is fetched as a browser would, and its signed
render stamp is sent back (the reader's form has no CSRF token: its views check the origin).
`age` back-dates the stamp (in seconds) so the "sent too fast" rule can be tested without sleeping.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa
import support
from flask import Flask
from flask.testing import FlaskClient
from support import MODERATOR_PASSWORD

from blueprints.comments.forms import form_stamp
from talkback.extensions import db
from talkback.models import Comment, Moderator, Role

HTMX = {"HX-Request": "true"}
TEST_AGENT = "talkback-tests/1.0"

_HIDDEN = re.compile(r'<input[^>]*name="(rendered_at)"[^>]*value="([^"]*)"')


def form_tokens(html: str) -> dict[str, str]:
    """The hidden rendered_at of the comment form on a page."""
    found = dict(_HIDDEN.findall(html))
    assert "rendered_at" in found, "no comment form on the page"
    return found


def comment_data(**fields: Any) -> dict[str, Any]:
    data = {
        "author_name": "Ada Lovelace",
        "author_email": "ada@example.org",
        "author_website": "",
        "body": "A thoughtful comment.",
    }
    data.update(fields)
    return data


def post_comment(
    app: Flask, client: FlaskClient, slug: str, *, htmx: bool = False, age: float | None = 60,
    headers: dict[str, str] | None = None, **fields: Any,
):
    """Posts the comment form of /articles/<slug>. `age`: seconds since the form was "rendered"
    (None: send the page's own stamp as is)."""
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    tokens = form_tokens(page)
    data = {**tokens, **comment_data(**fields)}
    if age is not None:
        with app.app_context():
            data["rendered_at"] = form_stamp(time.time() - age)
    all_headers = {**(HTMX if htmx else {}), **(headers or {})}
    return client.post(f"/articles/{slug}/comments", data=data, headers=all_headers)


def stored(app: Flask, **where: Any) -> list[Comment]:
    with app.app_context():
        query = sa.select(Comment).order_by(Comment.id)
        for key, value in where.items():
            query = query.where(getattr(Comment, key) == value)
        rows = db.session.scalars(query).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def create_moderator(app: Flask, name: str = "mod", role: Role = Role.MODERATOR) -> int:
    from blueprints.auth import accounts

    with app.app_context():
        return accounts.create_moderator(name, MODERATOR_PASSWORD, role).id


def log_in(app: Flask, client: FlaskClient, moderator_id: int) -> None:
    """Logs the client in as a moderator through the real login form."""
    client.environ_base["HTTP_USER_AGENT"] = TEST_AGENT
    with app.app_context():
        name = db.session.get(Moderator, moderator_id).name
    assert support.log_in(client, name).status_code == 303


class ElementCollector(HTMLParser):
    """Every start tag as (tag, sorted attribute names), and every attribute with its value."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shapes: set[tuple[str, tuple[str, ...]]] = set()
        self.attributes: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self.shapes.add((tag, tuple(sorted(name for name, _ in attrs))))
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))

    handle_startendtag = handle_starttag


def collect(html: str) -> ElementCollector:
    parser = ElementCollector()
    parser.feed(html)
    parser.close()
    return parser
