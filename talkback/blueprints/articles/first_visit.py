"""A first visit to an article page, answered before Flask.

Most of what a news site serves is a reader arriving at an article from elsewhere, with no cookie
of ours. Every such reader is sent the same page but for three values: the form's CSRF token, the
session cookie that carries it, and the stamp of when the form was rendered. The view keeps that
page rendered once, with those values punched out (`comments.cache`). Flask's request machinery —
contexts, hooks, the session, Flask-WTF's token — costs about three times what filling the holes
does, so `FirstVisitMiddleware`, in front of the Flask app, answers such a request itself once the
page is kept, with the status, headers and bytes the view would send (tests compare the two).

Anything else goes on to the view: a cookie of ours (session, pending comments, remembered author,
a moderator's remember-me), a query string other than `cpage=<digits>`, a method other than GET,
an htmx request, a slug that names no article, a page not kept yet (the view renders and keeps
it). `ARTICLE_FAST_PATH = False` turns the middleware off; so does a default or application-wide
Flask-Limiter limit, which only the Flask side would count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.http import parse_cookie

from ... import settings
from ...sessions import new_reader_session
from ..comments import cache
from ..comments.cookies import AUTHOR_COOKIE, PENDING_COOKIE
from ..comments.forms import form_stamp
from ..comments.screening import comments_closed
from .content import article_view

ENDPOINT = "articles.show"
# Slugs as the site makes them (and any of URL-safe characters); anything else goes to the view.
_SLUG = re.compile(r"[A-Za-z0-9._~-]+")
_PAGE_QUERY = re.compile(r"cpage=([0-9]{1,9})")  # an older page of comments, as its links ask
# The view's own header (see articles.views.show): the page carries a per-session CSRF token.
CACHE_CONTROL = "private, no-cache"
_HOLES = ("csrf_token", "rendered_at")  # what the kept page leaves out (comments.cache.FRESH_VALUES)


class FirstVisitMiddleware:
    """Answers a first visit to an already kept article page (see the module's docstring)."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        from ...web import security_header_values  # (web imports the blueprints)

        self.app = app
        self.wsgi_app = wsgi_app
        rule = next(rule.rule for rule in app.url_map.iter_rules(ENDPOINT))
        self.prefix, _, variable = rule.partition("<")
        if variable != "slug>":
            raise RuntimeError(f"{ENDPOINT} is routed as {rule!r}; the first-visit path expects <slug> last")
        self.security_headers = security_header_values(app.config["HTTPS"])
        if set(cache.FRESH_VALUES) != set(_HOLES):
            raise RuntimeError(f"the kept page has holes {sorted(cache.FRESH_VALUES)}, not {_HOLES}")
        self.our_cookies = frozenset({
            app.config["SESSION_COOKIE_NAME"], PENDING_COOKIE, AUTHOR_COOKIE,
            app.config.get("REMEMBER_COOKIE_NAME") or "remember_token"})

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (environ.get("REQUEST_METHOD") != "GET" or not path.startswith(self.prefix)
                or environ.get("HTTP_HX_REQUEST") or not self._first_visit(environ)):
            return self.wsgi_app(environ, start_response)
        slug = path[len(self.prefix):]
        script_root = environ.get("SCRIPT_NAME", "")
        query = environ.get("QUERY_STRING")
        page = _PAGE_QUERY.fullmatch(query) if query else None
        if not _SLUG.fullmatch(slug) or not script_root.isascii() or (query and page is None):
            return self.wsgi_app(environ, start_response)
        with self.app.app_context():
            answer = self._answer(slug, script_root.rstrip("/"), int(page[1]) if page else None)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        body, cookie = answer
        start_response("200 OK", [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", CACHE_CONTROL),
            *self.security_headers,
            ("Vary", "Cookie"),
            ("Set-Cookie", cookie),
        ])
        return [body]

    def _first_visit(self, environ: dict[str, Any]) -> bool:
        """No cookie of ours: other cookies of the site's domain (analytics, say) do not count."""
        header = environ.get("HTTP_COOKIE")
        return not header or self.our_cookies.isdisjoint(parse_cookie(header))

    def _answer(self, slug: str, script_root: str, page: int | None) -> tuple[bytes, str] | None:
        """The kept page with a new session's values in its holes, and the session's Set-Cookie."""
        app = self.app
        article = article_view(slug)
        if article is None:
            return None
        key = cache.page_key(app, script_root, article, page, comments_closed(article, settings.current()))
        parts = cache.stored_page(app, key)
        session = new_reader_session(app) if parts is not None else None
        if session is None:
            return None
        token, cookie = session
        body = cache.fill_page(parts, dict(zip(_HOLES, (token.encode(), form_stamp().encode()), strict=True)))
        return body, cookie


def init_app(app: Flask) -> None:
    limited = any(app.config.get(key) for key in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"))
    if app.config["ARTICLE_FAST_PATH"] and not limited:
        app.wsgi_app = FirstVisitMiddleware(app, app.wsgi_app)
