"""Helpers for the moderation tests: act on the dashboard as a moderator's browser would."""

from __future__ import annotations

from typing import Any

from conftest import HTMX, csrf_from
from flask import Flask
from flask.testing import FlaskClient

from talkback.extensions import db
from talkback.models import Comment, ModerationEvent


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
