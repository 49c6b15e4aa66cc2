"""Flask's signed-cookie session, opened only when a request actually uses it.

Flask verifies and decodes the session cookie at the start of every request (HMAC, base64, JSON),
whether or not the view reads it. Most requests do (the CSRF check, the article page's token), but
the live counter — a pure function of the posted text — never does, and the check of the cookie
was about a tenth of its time. `LazySession` keeps the cookie's value and decodes it on first use
of the session; a request that never uses it leaves it unread, and no cookie is written back.
Reading and writing behave exactly as Flask's `SecureCookieSession` (accessed, modified).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature


def _loading(name: str) -> Callable[..., Any]:
    method = getattr(SecureCookieSession, name)

    def wrapper(self: LazySession, *args: Any, **kwargs: Any) -> Any:
        if self._loader is not None:
            self._load()
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    wrapper.__doc__ = method.__doc__
    return wrapper


class LazySession(SecureCookieSession):
    """A session whose contents are read from the cookie on first use."""

    def __init__(self, loader: Callable[[], dict[str, Any]] | None = None) -> None:
        super().__init__()
        self._loader = loader

    @property
    def loaded(self) -> bool:
        return self._loader is None

    def _load(self) -> None:
        loader, self._loader = self._loader, None
        if loader is not None:
            dict.update(self, loader())  # not a modification: no on_update callback

    __hash__ = None  # type: ignore[assignment]  (as dict's)


# Every way of reading or changing the contents loads them first.
for _name in ("__getitem__", "__setitem__", "__delitem__", "__contains__", "__iter__", "__len__",
              "__repr__", "__eq__", "__ne__", "__or__", "__ior__", "__reversed__", "get", "setdefault",
              "pop", "popitem", "clear", "update", "keys", "values", "items", "copy"):
    setattr(LazySession, _name, _loading(_name))
del _name


class LazySessionInterface(SecureCookieSessionInterface):
    session_class = LazySession

    def __init__(self) -> None:
        self._serializers: dict[tuple, Any] = {}

    def get_signing_serializer(self, app: Flask):
        """Flask builds a new serializer for every request; it is the same while the keys are."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers = {keys: serializer}
        return serializer

    def open_session(self, app: Flask, request: Request) -> LazySession | None:
        if not app.secret_key:
            return None

        def load() -> dict[str, Any]:
            # The Cookie header itself is parsed only now: the counter never needs it.
            value = request.cookie(self.get_cookie_name(app))
            if not value:
                return {}
            serializer = self.get_signing_serializer(app)
            max_age = int(app.permanent_session_lifetime.total_seconds())
            try:
                return serializer.loads(value, max_age=max_age)
            except BadSignature:
                return {}

        return LazySession(load)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, LazySession) and not session.loaded:
            return  # never read nor written in this request: the browser's cookie stands
        super().save_session(app, session, response)
