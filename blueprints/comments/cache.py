"""An article's rendered approved comments, cached until the next moderation decision on it.

The cache key is (article id, article.comments_version, comments per page, page), plus a salt for
everything else the HTML depends on (the templates' source, the site's time zone, the URL root).
Every moderation decision bumps `comments_version` on the article row, and the key is read from
that row on each request, so a decision is visible at once in every process: an outdated entry is
simply never asked for again (the in-process LRU evicts it, Redis lets it expire).

With REDIS_URL set the HTML is shared by every process through Redis; otherwise each process keeps
an LRU of COMMENT_CACHE_SIZE pages. If Redis fails, the page is rendered as if nothing were cached.
Only pages that exist are stored (an out-of-range ?cpage= is clamped and stored under the page it
shows), so nobody can fill the cache by asking for page numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request, session
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import Session

from talkback import settings
from talkback.models import Article, Comment, CommentStatus
from talkback.sessions import csrf_token
from talkback.settings import EDITABLE

from .cookies import AUTHOR_COOKIE, PENDING_COOKIE
from .forms import form_stamp
from .listing import approved_page
from .text import MORE_SMILIES, PICKER_SMILIES

if TYPE_CHECKING:
    from ..articles.content import ArticleView

TEMPLATE = "comments/_approved.html"
# Templates whose source is part of every key: a deploy with a new look never serves old HTML.
KEYED_TEMPLATES = (TEMPLATE, "comments/_comment.html")
EXTENSION = "talkback_comment_cache"
NEWEST = "newest"


class Store(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


class LRUStore:
    """This process's most recently used pages, at most `size` of them."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def set(self, key: str, value: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class RedisStore:
    """Pages shared by every process; an entry lives `ttl` seconds (outdated ones are never read)."""

    def __init__(self, url: str, ttl: int):
        import redis

        self._redis = redis
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.ttl = ttl

    def get(self, key: str) -> str | None:
        try:
            value = self.client.get(key)
        except self._redis.RedisError:
            current_app.logger.warning("comment cache: Redis unavailable, rendering uncached")
            return None
        return value.decode() if value is not None else None

    def set(self, key: str, value: str) -> None:
        try:
            self.client.set(key, value.encode(), ex=self.ttl)
        except self._redis.RedisError:
            current_app.logger.warning("comment cache: Redis unavailable, not storing")


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = _make_store(app)


def _make_store(app: Flask) -> Store:
    if app.config.get("REDIS_URL"):
        return RedisStore(app.config["REDIS_URL"], app.config["COMMENT_CACHE_TTL"])
    return LRUStore(app.config["COMMENT_CACHE_SIZE"])


def store() -> Store:
    app = current_app._get_current_object()
    if EXTENSION not in app.extensions:
        init_app(app)
    return app.extensions[EXTENSION]


def _salt(app: Flask) -> str:
    """What the HTML depends on besides the key: templates' source and the time zone; and the
    database, so that sites sharing one Redis never see each other's comments."""
    salt = app.extensions.get(EXTENSION + "_salt")
    if salt is None:
        digest = hashlib.sha256(app.config["SITE_TIMEZONE"].encode())
        digest.update(app.config["SQLALCHEMY_DATABASE_URI"].encode())
        for name in KEYED_TEMPLATES:
            source, _, _ = app.jinja_env.loader.get_source(app.jinja_env, name)
            digest.update(source.encode())
        salt = digest.hexdigest()[:16]
        if not app.jinja_env.auto_reload:  # templates edited while `flask run --debug` runs
            app.extensions[EXTENSION + "_salt"] = salt
    return salt


def cache_key(article: Article, per_page: int, page: int | str) -> str:
    app = current_app._get_current_object()
    return (f"talkback:comments:{_salt(app)}:{request.script_root}:{article.id}:{article.slug}:"
            f"v{article.comments_version}:{per_page}:{page}")


def approved_comments_html(article: Article, page: int | None, per_page: int) -> Markup:
    """The approved-comments block of `page` (None: the newest page), from the cache when it can."""
    wanted: int | str = NEWEST if page is None else max(page, 1)
    cache = store()
    html = cache.get(cache_key(article, per_page, wanted))
    if html is not None:
        return Markup(html)  # noqa: S704  (HTML we rendered ourselves with autoescape)
    comment_page = approved_page(article, page, per_page)
    html = render_template(TEMPLATE, article=article, comment_page=comment_page)
    if wanted == NEWEST or wanted == comment_page.page:
        cache.set(cache_key(article, per_page, wanted), html)
    if wanted != comment_page.page:
        cache.set(cache_key(article, per_page, comment_page.page), html)
    return Markup(html)  # noqa: S704


def smiley_bar_html(article: Article) -> Markup:
    """The form's smiley bar: the same for every reader of an article, so rendered once per
    process (its buttons' formaction names the article; ~45 buttons were a fifth of a post)."""
    app = current_app._get_current_object()
    key = f"{_all_templates_salt(app)}:{request.script_root}:{article.slug}"
    bars = app.extensions.setdefault(EXTENSION + "_smiley_bars", LRUStore(app.config["PAGE_CACHE_SIZE"]))
    html = bars.get(key)
    if html is None:
        html = render_template("comments/_smiley_bar.html", article=article,
                               picker_smilies=PICKER_SMILIES, more_smilies=MORE_SMILIES)
        bars.set(key, html)
    return Markup(html)  # noqa: S704  (HTML we rendered ourselves with autoescape)


# ------------------------------------------------------------------------------------------------
# Keeping the key honest
# ------------------------------------------------------------------------------------------------
#
# The moderation actions bump comments_version themselves. So that no other way of changing a
# comment (a shell, a command, a test, a future feature) can leave a stale page, every transaction
# that changes an article's comments bumps that article's comments_version once at its commit,
# unless the transaction already bumped it itself:
#
# * changed or deleted comments, and new ones that are public at once, found at each flush (a new
#   pending or spam comment changes nothing public, and a bot's spam must not empty the cache);
# * bulk UPDATE or DELETE of comments run through the session (`db.session.execute(
#   sa.update(Comment)...)`), whose articles are looked up before the statement runs;
# * explicit bumps (`sa.update(Article).values(comments_version=...)`, or the attribute set on an
#   Article) are noted, so that a decision still moves the version by exactly one.
#
# Only raw SQL text gets past this, and must bump comments_version itself.

_TOUCHED = "talkback_comments_touched"  # ids of articles whose comments this transaction changed
_BUMPED = "talkback_comments_bumped"  # ids of articles whose comments_version it bumped already


@sa.event.listens_for(Session, "before_flush")
def _note_changed_comments(db_session: Session, _flush_context, _instances) -> None:
    changed = [c for c in db_session.new if isinstance(c, Comment) and c.status == CommentStatus.APPROVED]
    changed += [c for c in db_session.dirty
                if isinstance(c, Comment) and db_session.is_modified(c, include_collections=False)]
    changed += [c for c in db_session.deleted if isinstance(c, Comment)]
    touched = {_article_id(c) for c in changed} - {None}
    if touched:
        db_session.info.setdefault(_TOUCHED, set()).update(touched)
    bumped = {a.id for a in db_session.dirty
              if isinstance(a, Article) and sa.inspect(a).attrs.comments_version.history.has_changes()}
    if bumped:
        db_session.info.setdefault(_BUMPED, set()).update(bumped)


def _article_id(comment: Comment) -> int | None:
    if comment.article_id is not None:
        return comment.article_id
    article = comment.__dict__.get("article")  # set through the relationship, not flushed yet
    return article.id if article is not None else None


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    if not (state.is_update or state.is_delete) or state.execution_options.get("talkback_bump"):
        return
    where = state.statement.whereclause
    if state.bind_mapper is sa.inspect(Comment):
        # Looked up first: once the statement has run, its WHERE may match other rows or none.
        ids = sa.select(Comment.article_id).distinct()
        key = _TOUCHED
    elif state.bind_mapper is sa.inspect(Article) and state.is_update and _sets_version(state.statement):
        ids = sa.select(Article.id)
        key = _BUMPED
    else:
        return
    if where is not None:
        ids = ids.where(where)
    found = set(state.session.execute(ids, execution_options={"talkback_bump": True}).scalars())
    state.session.info.setdefault(key, set()).update(found)


def _sets_version(statement) -> bool:
    values = getattr(statement, "_values", None) or {}
    return any(getattr(column, "key", column) == "comments_version" for column in values)


@sa.event.listens_for(Session, "before_commit")
def _bump_touched_articles(db_session: Session) -> None:
    db_session.flush()
    ids = db_session.info.pop(_TOUCHED, set()) - db_session.info.pop(_BUMPED, set())
    if ids:
        db_session.execute(
            sa.update(Article).where(Article.id.in_(ids))
            .values(comments_version=Article.comments_version + 1),
            execution_options={"talkback_bump": True, "synchronize_session": False},
        )


@sa.event.listens_for(Session, "after_rollback")
def _forget_touched_articles(db_session: Session) -> None:
    db_session.info.pop(_TOUCHED, None)
    db_session.info.pop(_BUMPED, None)


# ------------------------------------------------------------------------------------------------
# The whole article page, and its ETag
# ------------------------------------------------------------------------------------------------
#
# What the article page shows depends on: the article row (its comments_version among it), the
# comment page asked for, the site settings, the policy rules, whether comments are closed, the
# templates — all of which go into `PageState.key` — and, per browser, on the CSRF token of its
# session, its pending-comments and remembered-author cookies, and one-shot session state (a flashed
# "awaiting moderation", the Post/Redirect/Get prefill) or a moderator's login.
#
# * A page with one-shot state or for a logged-in moderator (a session holding more than the CSRF
#   token) is never cached and has no ETag.
# * The ETag covers the key, the two cookies and the session cookie as sent, so a browser
#   revalidates to 304 only when every part of what it would be sent is the same (a moderation
#   decision bumps comments_version, which is in the key, and also covers the status of the reader's
#   own comments, which are always on this article). The session is not opened for it: a session
#   that gains one-shot state or a login is sent back as another cookie, and only a session of the
#   CSRF token alone was ever given an ETag.
# * The HTML itself is shared between browsers only when neither cookie is present (a first
#   visit, the common case); the CSRF token is then punched out of the stored copy and this
#   request's token put back in. Kept in this process only (the key is read from the database on
#   every request, so processes never disagree).

PAGE_EXTENSION = "talkback_page_cache"
READER_SESSION_KEYS = {"csrf_token"}


@dataclass(frozen=True)
class PageState:
    key: str
    etag: str | None
    # No per-browser content but the CSRF token: the HTML may be shared.
    shared: bool


def page_state(article: ArticleView, page: int | None, closed: bool) -> PageState:
    """What this request's article page depends on: its key, and this browser's ETag."""
    app = current_app._get_current_object()
    key = page_key(app, request.script_root, article, page, closed)
    cookies = [request.cookie(name) or "" for name in (PENDING_COOKIE, AUTHOR_COOKIE)]
    sent_session = request.cookie(app.config["SESSION_COOKIE_NAME"])
    # No ETag without a session cookie: this answer gives the browser one (the page carries a CSRF
    # token), so its next request differs anyway.
    etag = page_etag(key, cookies, sent_session) if sent_session else None
    return PageState(key, etag, shared=not any(cookies))


def page_etag(key: str, cookies: list[str], sent_session: str) -> str:
    """The ETag of the page under `key` for a browser sending these cookies (pending comments and
    remembered author, "" when absent) and this session cookie."""
    return hashlib.sha256("\0".join([key, *cookies, sent_session]).encode()).hexdigest()[:32]


def page_key(app: Flask, script_root: str, article: ArticleView, page: int | None, closed: bool) -> str:
    """The key of an article page as any browser without cookies of ours would be sent it."""
    # The settings and the policy rules: the rows they were read from (site_state().digest), and
    # the config under them (the same for the app's life).
    inputs = (_all_templates_salt(app), script_root, article, closed,
              "newest" if page is None else max(page, 1), settings.site_state().digest,
              _config_defaults(app))
    keys = app.extensions.setdefault(PAGE_EXTENSION + "_keys", LRUStore(app.config["PAGE_CACHE_SIZE"]))
    key = keys.get(inputs)
    if key is None:  # the digest of the same inputs is the same: made once per process
        key = hashlib.sha256(json.dumps(inputs, default=repr).encode()).hexdigest()
        keys.set(inputs, key)
    return key


def reader_session_only() -> bool:
    """Whether the session holds no more than a reader's CSRF token. Anything more (a flashed
    message, the prefill of a Post/Redirect/Get, a login) is shown once or to one person: such a
    page is rendered afresh and gets no ETag."""
    return set(session.keys()) <= READER_SESSION_KEYS


def _config_defaults(app: Flask) -> tuple:
    """The config values of every editable setting (what the site's overrides fall back to)."""
    found = app.extensions.get(PAGE_EXTENSION + "_defaults")
    if found is None:
        found = tuple((spec.key, _hashable(app.config[spec.key])) for spec in EDITABLE)
        app.extensions[PAGE_EXTENSION + "_defaults"] = found
    return found


def _hashable(value: Any) -> Any:
    """A setting's value as a dictionary key (lists of words become tuples)."""
    return tuple(value) if isinstance(value, list) else value


# How each per-render value of a blank comment form is made afresh for a cached page, without
# building the form. A page whose form has any other hidden field is not cached (store_page).
FRESH_VALUES: dict[str, Callable[[], str]] = {"csrf_token": csrf_token, "rendered_at": form_stamp}


def cached_page(state: PageState) -> bytes | None:
    """The stored page, encoded, with this request's values in its holes: the CSRF token and the
    form's other per-render hidden values (the stamp of when it was rendered)."""
    if not state.shared:
        return None
    parts = stored_page(current_app._get_current_object(), state.key)
    if parts is None:
        return None
    return fill_page(parts, {name: make().encode() for name, make in FRESH_VALUES.items()})


def stored_page(app: Flask, key: str) -> tuple | None:
    """The page stored under `key`, split at its holes: (bytes, name, bytes, name, …, bytes)."""
    return _page_store(app).get(key)


def fill_page(parts: tuple, fresh: dict[str, bytes]) -> bytes:
    """The page with a value in each hole: one join, no search of the page, and no encoding of its
    ~60 KB on every request."""
    return b"".join(fresh[part] if i % 2 else part for i, part in enumerate(parts))


def store_page(state: PageState, html: str, form: FlaskForm) -> None:
    """Keeps the page with its per-render values (those of `form`, the form it shows) punched out."""
    if not state.shared:
        return
    values = _per_render_values(form)
    if set(values) != set(FRESH_VALUES):
        return  # a hidden field this module does not know how to make afresh
    # Only those the page shows (a closed article has no form, but its body still has the token).
    values = {name: value for name, value in values.items() if value and value in html}
    # Too short to be told apart from the rest of the page: not worth the risk.
    if not values or any(len(value) < 16 for value in values.values()):
        return
    for name, value in values.items():
        html = html.replace(value, _placeholder(name))
    holes = re.compile("(" + "|".join(re.escape(_placeholder(name)) for name in values) + ")")
    names = {_placeholder(name): name for name in values}
    parts = holes.split(html)
    stored = tuple(names[part] if i % 2 else part.encode() for i, part in enumerate(parts))
    _page_store(current_app._get_current_object()).set(state.key, stored)


def _per_render_values(form: FlaskForm) -> dict[str, str]:
    """The hidden fields' values: the CSRF token (also in the body's hx-headers) and the like."""
    values = {}
    for field in form:
        if field.type == "CSRFTokenField":
            values[field.name] = field.current_token
        elif field.type == "HiddenField":
            values[field.name] = str(field.data or "")
    return dict(sorted(values.items()))


def _page_store(app: Flask) -> LRUStore:
    if PAGE_EXTENSION not in app.extensions:
        app.extensions[PAGE_EXTENSION] = (LRUStore(app.config["PAGE_CACHE_SIZE"]),
                                          "per-render-" + secrets.token_hex(16))
    return app.extensions[PAGE_EXTENSION][0]


def _placeholder(name: str) -> str:
    app = current_app._get_current_object()
    _page_store(app)
    return f"{app.extensions[PAGE_EXTENSION][1]}-{name}"


def _all_templates_salt(app: Flask) -> str:
    salt = app.extensions.get(PAGE_EXTENSION + "_salt")
    if salt is None:
        digest = hashlib.sha256()
        for name in sorted(app.jinja_env.list_templates()):
            digest.update(name.encode())
            digest.update(app.jinja_env.loader.get_source(app.jinja_env, name)[0].encode())
        salt = digest.hexdigest()[:16]
        if not app.jinja_env.auto_reload:
            app.extensions[PAGE_EXTENSION + "_salt"] = salt
    return salt
