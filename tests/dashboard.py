"""Helpers for the dashboard's tests (moderation, login, settings): act on the dashboard as a
moderator's browser would. tests/conftest.py's moderator fixtures log in with `log_in` too."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from support import csrf_from

from talkback.extensions import db
from talkback.models import Comment, ModerationEvent

HTMX = {"HX-Request": "true"}
MODERATOR_PASSWORD = "correct horse battery staple"


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
