"""An article page for a reader with nothing of their own on it, answered before Flask.

Most of what a news site serves is a reader arriving at an article, either from elsewhere with no
cookie of ours (a first visit) or with a session that holds a CSRF token and nothing else (they
have read here before but have no comment waiting, no remembered name, no login). Every such reader
is sent the same page but for the form's CSRF token and the stamp of when the form was rendered —
and, on a first visit, the session cookie that carries the token. The view keeps that page rendered
once, with those values punched out (`comments.cache`). Flask's request machinery — contexts, hooks,
the session, Flask-WTF's token — costs about three times what filling the holes does, so
`ReaderPageMiddleware`, in front of the Flask app, answers such a request itself once the page is
kept, with the status, headers and bytes the view would send (tests compare the two):

* a first visit: the kept page with a new session's token, and that session's cookie;
* a reader with a token alone: the kept page with their token signed afresh and the page's ETag,
  or 304 when their If-None-Match has it (the ETag is checked, as the view does, without opening
  the session: it covers the session cookie as sent).

Anything else goes on to the view: another cookie of ours (pending comments, remembered author,
a moderator's remember-me), a session that holds more or does not verify, a query string other than
`cpage=<digits>`, a method other than GET, an htmx request, a slug that names no article, a page
not kept yet (the view renders and keeps it). `ARTICLE_FAST_PATH = False` turns the middleware off;
so does a default or application-wide Flask-Limiter limit, which only the Flask side would count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.http import parse_cookie, parse_etags, quote_etag

from talkback import settings
from talkback.sessions import new_reader_session, reader_csrf_token

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
_NOT_MINE = object()  # a request that carries per-browser state: the view's


class ReaderPageMiddleware:
    """Answers a kept article page for a reader with nothing of their own on it (see the module)."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        from blueprints.web import security_header_values  # (web imports the blueprints)

        self.app = app
        self.wsgi_app = wsgi_app
        rule = next(rule.rule for rule in app.url_map.iter_rules(ENDPOINT))
        self.prefix, _, variable = rule.partition("<")
        if variable != "slug>":
            raise RuntimeError(f"{ENDPOINT} is routed as {rule!r}; the reader-page path expects <slug> last")
        if set(cache.FRESH_VALUES) != set(_HOLES):
            raise RuntimeError(f"the kept page has holes {sorted(cache.FRESH_VALUES)}, not {_HOLES}")
        self.security_headers = security_header_values(app.config["HTTPS"])
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        # Cookies of ours that put something of this browser's own on the page (or a login).
        self.per_browser_cookies = frozenset({
            PENDING_COOKIE, AUTHOR_COOKIE, app.config.get("REMEMBER_COOKIE_NAME") or "remember_token"})

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (environ.get("REQUEST_METHOD") != "GET" or not path.startswith(self.prefix)
                or environ.get("HTTP_HX_REQUEST")):
            return self.wsgi_app(environ, start_response)
        slug = path[len(self.prefix):]
        script_root = environ.get("SCRIPT_NAME", "")
        query = environ.get("QUERY_STRING")
        page = _PAGE_QUERY.fullmatch(query) if query else None
        sent_session = self._sent_session(environ)
        if (sent_session is _NOT_MINE or not _SLUG.fullmatch(slug) or not script_root.isascii()
                or (query and page is None)):
            return self.wsgi_app(environ, start_response)
        with self.app.app_context():
            answer = self._answer(slug, script_root.rstrip("/"), int(page[1]) if page else None,
                                  sent_session, environ.get("HTTP_IF_NONE_MATCH"))
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _sent_session(self, environ: dict[str, Any]) -> str | None | object:
        """The session cookie as sent (None on a first visit), or _NOT_MINE when the browser sends a
        cookie of ours with something of its own in it. Other cookies of the site's domain
        (analytics, say) do not count."""
        header = environ.get("HTTP_COOKIE")
        if not header:
            return None
        cookies = parse_cookie(header)
        if not self.per_browser_cookies.isdisjoint(cookies):
            return _NOT_MINE
        return cookies.get(self.session_cookie) or None

    def _answer(self, slug: str, script_root: str, page: int | None, sent_session: str | None,
                if_none_match: str | None) -> tuple[str, list[tuple[str, str]], bytes] | None:
        app = self.app
        article = article_view(slug)
        if article is None:
            return None
        key = cache.page_key(app, script_root, article, page, comments_closed(article, settings.current()))
        headers = [("Cache-Control", CACHE_CONTROL), *self.security_headers, ("Vary", "Cookie")]
        if sent_session is not None:
            etag = cache.page_etag(key, ["", ""], sent_session)
            headers.insert(0, ("ETag", quote_etag(etag)))
            if if_none_match and etag in parse_etags(if_none_match):
                return "304 NOT MODIFIED", headers, b""
        parts = cache.stored_page(app, key)
        if parts is None:
            return None
        if sent_session is None:
            session = new_reader_session(app)
            if session is None:
                return None
            token, cookie = session
            headers.append(("Set-Cookie", cookie))
        else:
            token = reader_csrf_token(app, sent_session)
            if token is None:
                return None
        body = cache.fill_page(parts, dict(zip(_HOLES, (token.encode(), form_stamp().encode()), strict=True)))
        return "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                          *headers], body


def init_app(app: Flask) -> None:
    limited = any(app.config.get(key) for key in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"))
    if app.config["ARTICLE_FAST_PATH"] and not limited:
        app.wsgi_app = ReaderPageMiddleware(app, app.wsgi_app)
