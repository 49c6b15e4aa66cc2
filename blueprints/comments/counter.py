"""The live character counter: text in, "N characters available" out, at every pause in typing.

It is the busiest request the site serves, and a pure function of the posted text and two
settings (the longest comment, the counter's per-address limit). Flask's request machinery —
contexts, hooks, the lazy session, Flask-Limiter's bookkeeping — cost about four times the counting
itself, so `CounterMiddleware`, in front of the Flask app, answers an ordinary counter request on
its own: a form-encoded body of valid UTF-8 within the size limit, each field once, from an address
within its limit. It sends the same status, headers and bytes as the Flask view `comments.counter`
(tests compare the two). Anything else — a malformed or oversized body, a repeated field, the limit
reached, a query string — goes on to that view, which answers it with the site's usual fragments.

The per-address limit (COUNTER_RATE_LIMIT) is counted here for every counter request, whichever
side answers it, in the storage Flask-Limiter uses (memory, or Redis shared by every server); the
verdict travels to the view in the WSGI environ, so no request is counted twice.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import Flask
from limits import RateLimitItem, parse_many

from talkback import settings
from talkback.extensions import limiter
from talkback.web_request import parse_form

from .fields import count_body
from .forms import FORM_FIELDS
from .text import Count

ENDPOINT = "comments.counter"
TEMPLATE = "comments/_counter.html"
LIMIT_SCOPE = "talkback-counter"
VERDICT_KEY = "talkback.counter_limit"  # the WSGI environ key the verdict travels under
FORM_MIMETYPE = "application/x-www-form-urlencoded"
# Fields a browser sends once; a request with one repeated goes to the view (400).
SINGLE_FIELDS = frozenset(FORM_FIELDS)
_FRAGMENTS_KEPT = 4096  # distinct counter texts kept rendered (a few per character of the limit)

log = logging.getLogger("talkback")


@dataclass(frozen=True)
class LimitVerdict:
    reached: bool
    reset_at: float  # when the address may count again (seconds since the epoch); 0 when not reached

    def retry_after(self) -> int:
        return max(1, int(self.reset_at - time.time()) + 1)


@lru_cache(maxsize=32)
def _limit_items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec)) if spec else ()


def hit_limit(app: Flask, address: str) -> LimitVerdict | None:
    """Counts one counter request from `address`; None when limits are off or the storage failed
    (a broken Redis must not stop the counter: Flask-Limiter swallows its errors the same way)."""
    if not app.config["RATELIMIT_ENABLED"]:
        return None
    items = _limit_items(settings.rate_limit(settings.snapshot(app.config), "COUNTER_RATE_LIMIT"))
    # RATELIMIT_KEY_PREFIX keeps sites that share one Redis apart, as it does Flask-Limiter's keys.
    prefix = app.config.get("RATELIMIT_KEY_PREFIX")
    identifiers = (prefix, LIMIT_SCOPE, address) if prefix else (LIMIT_SCOPE, address)
    try:
        strategy = limiter.limiter
        for item in items:
            if not strategy.hit(item, *identifiers):
                return LimitVerdict(True, strategy.get_window_stats(item, *identifiers).reset_time)
    except Exception:  # noqa: BLE001  (any storage error: count nothing, as Flask-Limiter does)
        log.warning("counter limit: storage unavailable, not counting", exc_info=True)
        return None
    return LimitVerdict(False, 0)


def limit_verdict(app: Flask, environ: dict[str, Any], address: str) -> LimitVerdict | None:
    """The verdict the middleware reached for this request, or one reached now (the view called
    without the middleware in front, as when COUNTER_FAST_PATH is off)."""
    if VERDICT_KEY not in environ:
        environ[VERDICT_KEY] = hit_limit(app, address)
    return environ[VERDICT_KEY]


def fragment(app: Flask, count: Count | None = None, paused: str | None = None) -> str:
    """The counter's HTML: `comments/_counter.html`, the template the form includes on the page's
    first render. Rendered without Flask's context processors (the template uses nothing but
    `count` and `paused`), and kept per distinct text once rendered."""
    if app.jinja_env.auto_reload:  # templates edited while `flask run --debug` runs
        return _render(app, count, paused)
    key = (count.message, count.too_long) if count is not None else ("paused", paused)
    kept: dict = app.extensions.setdefault("talkback_counter_fragments", {})
    html = kept.get(key)
    if html is None:
        html = _render(app, count, paused)
        if len(kept) >= _FRAGMENTS_KEPT:
            kept.clear()
        kept[key] = html
    return html


def _render(app: Flask, count: Count | None, paused: str | None) -> str:
    return app.jinja_env.get_template(TEMPLATE).render(count=count, paused=paused)


def hx_trigger(count: Count) -> str:
    """The event the page's script sets aria-invalid on the textarea from."""
    return '{"talkback:counted": {"tooLong": %s}}' % ("true" if count.too_long else "false")


class CounterMiddleware:
    """Answers the ordinary counter request before Flask (see the module's docstring)."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        from blueprints.web import security_header_values  # (web imports this blueprint)

        self.app = app
        self.wsgi_app = wsgi_app
        self.path = next(rule.rule for rule in app.url_map.iter_rules(ENDPOINT))
        self.security_headers = security_header_values(app.config["HTTPS"])

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        verdict = environ[VERDICT_KEY] = hit_limit(self.app, environ.get("REMOTE_ADDR") or "unknown")
        count = None if verdict is not None and verdict.reached else self._count(environ)
        if count is None:
            return self.wsgi_app(environ, start_response)
        body = fragment(self.app, count).encode()
        start_response("200 OK", [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("HX-Trigger", hx_trigger(count)),
            *self.security_headers,
        ])
        return [body]

    def _count(self, environ: dict[str, Any]) -> Count | None:
        """The count of an ordinary request's text; None for anything the view should answer."""
        if environ.get("QUERY_STRING") or environ.get("HTTP_TRANSFER_ENCODING"):
            return None
        if environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != FORM_MIMETYPE:
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        largest = [self.app.config.get("MAX_CONTENT_LENGTH"), self.app.config.get("MAX_FORM_MEMORY_SIZE")]
        if length < 0 or any(size is not None and length > size for size in largest):
            return None  # the view answers 413
        data = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(data)  # the view may still read it
        if len(data) != length:
            return None
        try:
            fields = parse_form(data)
        except UnicodeDecodeError:
            return None  # the view answers 400
        text, seen = "", set()
        for name, value in fields:
            if name in seen and name in SINGLE_FIELDS:
                return None  # the view answers 400
            if name not in seen and name == "body":
                text = value
            seen.add(name)
        return count_body(text, settings.snapshot(self.app.config)["COMMENT_MAX_LENGTH"])


def init_app(app: Flask) -> None:
    if app.config["COUNTER_FAST_PATH"]:
        app.wsgi_app = CounterMiddleware(app, app.wsgi_app)
