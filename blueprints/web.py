"""Site-wide web plumbing: security headers, error pages, template helpers, login loading."""

from __future__ import annotations

import json
import urllib.parse
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, abort, current_app, g, request, url_for
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from blueprints.comments.text import excerpt, render_body
from blueprints.htmx import is_htmx, render_page_or_fragment
from talkback import settings
from talkback.extensions import db, login_manager
from talkback.models import Moderator

NOT_UTF8_MESSAGE = "The text you sent was not valid UTF-8. Please check it and send it again."
FORM_MIMETYPE = "application/x-www-form-urlencoded"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = (("Strict-Transport-Security", "max-age=31536000"),)

# htmx reads this from <meta name="htmx-config">. No eval, no script tags from responses, no
# indicator <style> (CSP), self requests only; 422 (invalid form) swaps in place, other errors
# land in the page's error region unless the view retargets them.
HTMX_CONFIG = {
    "allowEval": False,
    "allowScriptTags": False,
    "includeIndicatorStyles": False,
    "selfRequestsOnly": True,
    "historyRestoreAsHxRequest": False,
    "defaultSwapStyle": "outerHTML",
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True},
        {"code": "[45]..", "swap": True, "error": True, "target": "#request-error",
         "swapOverride": "innerHTML"},
    ],
}

ERROR_MESSAGES = {
    400: "The request could not be understood.",
    403: "You are not allowed to do that.",
    404: "There is nothing at this address.",
    405: "That action is not available here.",
    409: "That conflicts with something that already happened.",
    413: "That was too large to accept.",
    422: "Some of what was sent could not be accepted.",
    429: "Too many requests; please wait a moment and try again.",
    500: "Something went wrong on our side. Nothing you sent was lost; please try again.",
}
DATABASE_UNAVAILABLE_TITLE = "The site is busy for a moment"
DATABASE_UNAVAILABLE_MESSAGE = ("We cannot reach our database right now; nothing you sent was stored. "
                                "Please try again in a minute.")
DATABASE_UNAVAILABLE_RETRY_AFTER = 30


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    app.before_request_funcs.setdefault(None, []).insert(0, _reject_non_utf8)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.register_error_handler(sa_exc.DBAPIError, _database_error)
    app.register_error_handler(sa_exc.TimeoutError, _database_error)  # the pool: no connection free
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(_end_session)
    app.jinja_env.filters["localdate"] = localdate
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["isodate"] = lambda value: value.isoformat()
    app.jinja_env.filters["comment_html"] = _comment_html
    app.jinja_env.filters["excerpt"] = excerpt
    from .articles.markdown import render_markdown  # (the articles blueprint imports this module)

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["article_excerpt"] = article_excerpt
    app.jinja_env.globals["is_htmx"] = is_htmx
    app.jinja_env.globals["brand"] = Brand()
    app.jinja_env.globals["htmx_config"] = json.dumps(HTMX_CONFIG, separators=(",", ":"))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from blueprints.auth.views import login_required_response

    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_moderator)
    login_manager.unauthorized_handler(login_required_response)


def _security_headers(response):
    """Each header unless the view set its own (one pass over the response's headers)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for name, value in security_header_values(current_app.config["HTTPS"]):
        if name.lower() not in present:
            headers.add(name, value)
    return response


def security_header_values(https: bool) -> tuple[tuple[str, str], ...]:
    return SECURITY_HEADERS + (HSTS if https else ())


def _reject_non_utf8():
    """Werkzeug quietly re-quotes bytes that are not UTF-8; we answer 400 instead of storing mangled
    text. The query string and a form body are checked before anything parses them (the body is
    read once: Werkzeug's form parser then reads the cached bytes)."""
    if request.query_string and not is_utf8(request.query_string):
        abort(400, NOT_UTF8_MESSAGE)
    if request.mimetype == FORM_MIMETYPE and not is_utf8(request.get_data(cache=True)):
        abort(400, NOT_UTF8_MESSAGE)


def is_utf8(form_encoded: bytes) -> bool:
    """Whether every name and value of a form-encoded (or query) string is UTF-8 once unquoted.
    (Separators are ASCII, so checking the whole string unquoted checks each part.)"""
    try:
        urllib.parse.unquote_to_bytes(form_encoded).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _render_error(status: int, message: str, title: str | None = None, **extra):
    response = render_page_or_fragment(
        "errors/page.html", "errors/_error.html", status,
        status_code=status, title=title or ERROR_MESSAGES.get(status, "Error"), message=message, **extra,
    )
    return response


def _kept_form() -> dict | None:
    """A reader's comment that could not be stored, to send again from the error page (without
    JavaScript there is no form left to keep it in; htmx leaves the form as it was)."""
    if request.method != "POST" or request.endpoint != "comments.create" or "body" not in request.form:
        return None
    hidden = [(name, value) for name, value in request.form.items(multi=True) if name != "body"]
    return {"action": request.path, "body": request.form["body"], "hidden": hidden}


def _csrf_error(error: CSRFError):
    return _render_error(
        400,
        "This form has expired or was sent from elsewhere. Please reload the page and send it again; "
        "copy your text first if you typed a lot.",
        title="Please reload the page",
    )


def http_error(error: HTTPException):
    status = error.code or 500
    if status < 400:
        return error
    if error.response is not None:  # a view or on_breach callback built the answer already
        return error.response
    description = error.description if error.description != type(error).description else None
    if isinstance(error, RateLimitExceeded) and not error.limit.error_message:
        description = None  # "5 per 1 minute" is no message for a reader
    response = _render_error(status, description or ERROR_MESSAGES.get(status, error.name))
    if status == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    current_app.logger.exception("unhandled error", exc_info=error)
    db.session.rollback()
    return _render_error(500, ERROR_MESSAGES[500], title=InternalServerError().name)


def database_unavailable(error: Exception) -> bool:
    """Whether `error` says the database cannot serve just now (restarting, unreachable, SQLite's
    disk full or lock timeout), as opposed to a bug: such requests get a 503 and may be retried."""
    if isinstance(error, sa_exc.TimeoutError | sa_exc.OperationalError):
        return True
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


def _database_error(error: Exception):
    """503, the site's own page (or the htmx fragment, so a form keeps the reader's text), with
    Retry-After; never a traceback. The pool replaces dead connections by itself (pool_pre_ping),
    so the next request after the database is back is served normally."""
    if not database_unavailable(error):
        return _unexpected_error(error)
    current_app.logger.warning("database unavailable: %s", error)
    _end_session(error)  # its connection may be dead: the next use checks out another
    try:
        response = _render_error(503, DATABASE_UNAVAILABLE_MESSAGE, title=DATABASE_UNAVAILABLE_TITLE,
                                 kept_form=_kept_form())
    except sa_exc.SQLAlchemyError:
        # The page itself needed the database (a logged-in moderator's login): a plain answer.
        response = ServiceUnavailable(DATABASE_UNAVAILABLE_MESSAGE).get_response()
    response.headers["Retry-After"] = str(DATABASE_UNAVAILABLE_RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _end_session(_error: BaseException | None) -> None:
    """Ends the request's session. When the database went away after the answer was made (a
    restart cuts every connection), the rollback that ends it fails: the connection is dropped
    instead, and the answer already made is sent rather than replaced by a bare 500."""
    try:
        db.session.remove()
    except sa_exc.SQLAlchemyError as error:
        current_app.logger.warning("database connection lost after the answer: %s", error)
        db.session().invalidate()  # (the Session itself: the scoped proxy has no invalidate)
        db.session.remove()


def _load_moderator(user_id: str) -> Moderator | None:
    try:
        moderator_id, generation = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    moderator = db.session.get(Moderator, moderator_id)
    if moderator is None or moderator.session_generation != generation:
        return None
    return moderator


def _comment_html(text: str) -> Markup:
    # The smiley's URL, once per request (a page of comments asked url_for for it per comment).
    src = g.get("talkback_mrgreen_src")
    if src is None:
        src = g.talkback_mrgreen_src = url_for("static", filename="img/mrgreen.svg")
    return render_body(text, mrgreen_src=src)


def article_excerpt(article) -> str:
    """What the front page says of an article: its excerpt, or its first words."""
    from .articles.markdown import excerpt_of

    return article.excerpt or excerpt_of(article.body)


def _tz() -> ZoneInfo:
    return ZoneInfo(brand_setting("SITE_TIMEZONE"))


def brand_setting(key: str) -> str:
    """A branding setting (site name, owner, copyright line, time zone) of this request. An error
    page must render even when the database cannot be read: then the config's value."""
    try:
        return settings.current()[key]
    except sa_exc.SQLAlchemyError:
        db.session.rollback()
        return current_app.config[key]


class Brand:
    """`brand` in templates: the site's name, owner and copyright line, read from the settings only
    by a template that shows one (settings.current(): the request's one query)."""

    @property
    def name(self) -> str:
        return brand_setting("SITE_NAME")

    @property
    def owner(self) -> str:
        return brand_setting("SITE_OWNER")

    @property
    def copyright(self) -> str:
        return brand_setting("COPYRIGHT_NOTICE").replace("{site}", self.owner)


def localdate(value: datetime) -> str:
    local = value.astimezone(_tz())
    return f"{local:%B} {local.day}, {local.year}"


def localtime(value: datetime) -> str:
    local = value.astimezone(_tz())
    hour = local.hour % 12 or 12
    return f"{localdate(value)} at {hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"
