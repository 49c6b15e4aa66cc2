"""What a reader's browser remembers: their pending comments and, if asked, their details.

Both cookies are signed (nobody can claim another reader's comment ids) and HttpOnly.
"""

from __future__ import annotations

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

PENDING_COOKIE = "talkback_pending"
AUTHOR_COOKIE = "talkback_author"
# Enough for any real reader; keeps the cookie small.
MAX_PENDING_IDS = 50


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def has_our_cookie() -> bool:
    """Whether the request carries any cookie of ours (the session, a moderator's remember-me,
    pending comments, remembered details): its article page may then show something of this
    browser's own, so it is rendered for it alone and sent `private`."""
    config = current_app.config
    ours = (config["SESSION_COOKIE_NAME"], config["REMEMBER_COOKIE_NAME"], PENDING_COOKIE, AUTHOR_COOKIE)
    return any(name in request.cookies for name in ours)


def _load(name: str, salt: str):
    raw = request.cookies.get(name)
    if not raw:
        return None
    try:
        return _serializer(salt).loads(raw)
    except BadSignature:
        return None


def _set(response: Response, name: str, value, salt: str, max_age: int) -> None:
    response.set_cookie(
        name,
        _serializer(salt).dumps(value),
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["HTTPS"],
    )


def pending_ids() -> list[int]:
    ids = _load(PENDING_COOKIE, "pending-comments")
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int)][-MAX_PENDING_IDS:]


def remember_pending(response: Response, comment_id: int, existing: list[int]) -> None:
    ids = [i for i in existing if i != comment_id] + [comment_id]
    _set(response, PENDING_COOKIE, ids[-MAX_PENDING_IDS:], "pending-comments",
         current_app.config["PENDING_COOKIE_MAX_AGE"])


def remembered_author() -> dict[str, str]:
    data = _load(AUTHOR_COOKIE, "remembered-author")
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if k in ("author_name", "author_email", "author_website") and isinstance(v, str)}


def remember_author(response: Response, details: dict[str, str] | None) -> None:
    """Stores the details when the reader ticked the box; forgets them when they did not."""
    if details:
        _set(response, AUTHOR_COOKIE, details, "remembered-author",
             current_app.config["REMEMBER_AUTHOR_MAX_AGE"])
    elif AUTHOR_COOKIE in request.cookies:
        response.delete_cookie(AUTHOR_COOKIE, httponly=True, samesite="Lax")
