"""Every helper the tests share, in one module (`from support import …`; pytest puts tests/ on
sys.path). Fixtures live in conftest.py and use these; tests never import from conftest.

- pages: `csrf_from`, `HTMX`, `collect` (the elements a page has);
- statements: `counting` (the SQL an app runs);
- staff: `log_in` (the real login form), `log_in_as`, `create_moderator`, and acting on the dashboard
  as a moderator's browser would (`token`, `post`, `decide`, `comment`, `events`);
- readers: posting through the real comment form (`post_comment`, `comment_data`, `form_tokens`)
  and reading what was stored (`stored`). The reader's form has no CSRF token (its views check the
  origin); its signed render stamp is sent back, and `age` back-dates it so the "sent too fast" rule
  is tested without sleeping.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from blueprints.comments.forms import form_stamp
from talkback.extensions import db
from talkback.models import Comment, ModerationEvent, Moderator, Role

HTMX = {"HX-Request": "true"}
MODERATOR_PASSWORD = "correct horse battery staple"
TEST_AGENT = "talkback-tests/1.0"

# --- Pages --------------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_CSRF_HEADER = re.compile(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|"X-CSRFToken": "([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token a page carries (hidden input, or the body's hx-headers)."""
    match = _CSRF.search(html) or _CSRF_HEADER.search(html)
    assert match, "no CSRF token on the page"
    return next(group for group in match.groups() if group)


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


# --- Statements ---------------------------------------------------------------------------------


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


# --- Staff --------------------------------------------------------------------------------------


def log_in(client: FlaskClient, name: str, password: str = MODERATOR_PASSWORD, **extra: str):
    """Logs in through the real login form, as a browser would: GET the page, read its CSRF token,
    POST the form (`extra`: more fields, e.g. next)."""
    page = client.get("/moderation/login").get_data(as_text=True)
    return client.post("/moderation/login", data={"csrf_token": csrf_from(page), "name": name,
                                                   "password": password, **extra})


def token(client: FlaskClient, page: str = "/moderation/") -> str:
    return csrf_from(client.get(page).get_data(as_text=True))


def post(client: FlaskClient, url: str, *, htmx: bool = False, **data: Any):
    data.setdefault("csrf_token", token(client))
    return client.post(url, data=data, headers=HTMX if htmx else {})


def decide(client: FlaskClient, comment_id: int, action: str, *, htmx: bool = False, revision: int = 1,
           back: str = "/moderation/", **data: Any):
    """Presses a decision button of a comment's row (approve, reject, spam, trash, restore)."""
    return post(client, f"/moderation/comments/{comment_id}/{action}", htmx=htmx, revision=revision,
                back=back, **data)


def comment(app: Flask, comment_id: int) -> Comment:
    with app.app_context():
        found = db.session.get(Comment, comment_id)
        db.session.expunge(found)
        return found


def events(app: Flask, comment_id: int | None = None) -> list[ModerationEvent]:
    with app.app_context():
        query = db.select(ModerationEvent).order_by(ModerationEvent.id)
        if comment_id is not None:
            query = query.where(ModerationEvent.comment_id == comment_id)
        found = list(db.session.scalars(query).unique())  # the moderator is loaded with each event
        db.session.expunge_all()
        return found


def create_moderator(app: Flask, name: str = "mod", role: Role = Role.MODERATOR) -> int:
    from blueprints.auth import accounts

    with app.app_context():
        return accounts.create_moderator(name, MODERATOR_PASSWORD, role).id


def log_in_as(app: Flask, client: FlaskClient, moderator_id: int) -> None:
    """Logs the client in as a moderator through the real login form."""
    client.environ_base["HTTP_USER_AGENT"] = TEST_AGENT
    with app.app_context():
        name = db.session.get(Moderator, moderator_id).name
    assert log_in(client, name).status_code == 303


# --- Readers ------------------------------------------------------------------------------------

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
