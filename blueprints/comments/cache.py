"""What the reader pages keep in Flask-Caching, under which keys, and when the keys move on.

Two things are kept (SimpleCache in each process, or Redis shared by all when REDIS_URL is set):

* a page of an article's approved comments, rendered (`approved_comments`), and the smiley bar;
* the whole article page as an anonymous reader (no cookie of ours) is sent it (`page_key`).

Each key holds what the HTML shows: the article's `comments_version` (and its row), the comment
page, the site settings and policy rules (their digest), the templates' source and the config they
read. Whatever changes what the public sees of an article's comments calls
`bump_comments_version(article_id)` in the same transaction, so every process asks for new keys at
its next request; outdated entries are never read again and expire.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app, render_template, request
from markupsafe import Markup

from talkback import settings
from talkback.extensions import cache, db
from talkback.models import Article
from talkback.settings import EDITABLE

from .listing import approved_page
from .text import MORE_SMILIES, PICKER_SMILIES

if TYPE_CHECKING:
    from ..articles.content import ArticleView

TEMPLATE = "comments/_approved.html"
NEWEST = "newest"
# Config the reader pages show besides the site settings (which are keyed by their rows' digest).
_SHOWN_CONFIG = ("SITE_NAME", "SITE_OWNER", "SITE_TIMEZONE", "HTTPS", *(spec.key for spec in EDITABLE))


def bump_comments_version(article_id: int) -> None:
    """Outdates every cached page of the article, in every process. Call it in the transaction
    that changes what the public sees of the article's comments (a moderation decision or edit,
    a comment approved at once by trust mode)."""
    db.session.execute(
        sa.update(Article).where(Article.id == article_id)
        .values(comments_version=Article.comments_version + 1),
        execution_options={"synchronize_session": False},
    )


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def shown_config_digest() -> str:
    """The templates' source and the config values the reader pages show: a deploy with a new look
    or other defaults never serves HTML rendered by the old one."""
    extensions = current_app.extensions
    found = extensions.get("talkback_shown_config")
    if found is None:
        env = current_app.jinja_env
        sources = [(name, env.loader.get_source(env, name)[0]) for name in sorted(env.list_templates())]
        found = _digest(sources, [(key, current_app.config[key]) for key in _SHOWN_CONFIG])
        if not env.auto_reload:  # templates edited while `flask run --debug` runs
            extensions["talkback_shown_config"] = found
    return found


# After the cache fails, this process renders without it for a while instead of waiting for Redis
# on every request (a Redis that hangs costs each attempt its socket timeout).
CACHE_RETRY_SECONDS = 5
_RETRY_AT = "talkback_cache_retry_at"


def _cache_resting() -> bool:
    return time.monotonic() < current_app.extensions.get(_RETRY_AT, 0.0)


def _cache_failed(doing: str) -> None:
    current_app.extensions[_RETRY_AT] = time.monotonic() + CACHE_RETRY_SECONDS
    current_app.logger.warning("page cache unavailable (%s); rendering without it for %ss", doing,
                               CACHE_RETRY_SECONDS, exc_info=True)


def _get(key: str) -> Any:
    """A kept value, or None; a cache that fails (Redis down) only costs a render."""
    if _cache_resting():
        return None
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001  (whatever the backend raises: render instead)
        _cache_failed("reading")
        return None


def _set(key: str, value: Any, timeout: int) -> None:
    if _cache_resting():
        return
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:  # noqa: BLE001
        _cache_failed("keeping")


def approved_comments(article: Article | ArticleView, page: int | None, per_page: int) -> tuple[Markup, int]:
    """The approved-comments block of `page` (None: the newest page) and the page it shows.
    Only pages that exist are kept (an out-of-range ?cpage= is clamped and kept under the page it
    shows), so nobody can fill the cache by asking for page numbers."""
    wanted: int | str = NEWEST if page is None else max(page, 1)

    zone = settings.current()["SITE_TIMEZONE"]  # the block's dates are written in it

    def key(which: int | str) -> str:
        return (f"comments:{shown_config_digest()}:{request.script_root}:{article.id}:"
                f"v{article.comments_version}:{per_page}:{zone}:{which}")

    found = _get(key(wanted))
    if found is None:
        comment_page = approved_page(article, page, per_page)
        html = render_template(TEMPLATE, article=article, comment_page=comment_page)
        found = (comment_page.page, html)
        timeout = current_app.config["COMMENT_CACHE_TTL"]
        if wanted in (NEWEST, comment_page.page):
            _set(key(wanted), found, timeout)
        if wanted != comment_page.page:
            _set(key(comment_page.page), found, timeout)
    shown, html = found
    return Markup(html), shown  # noqa: S704  (HTML we rendered ourselves with autoescape)


def smiley_bar_html(article: Article | ArticleView) -> Markup:
    """The form's smiley bar: the same for every reader of an article (its buttons' formaction
    names the article)."""
    key = f"smileys:{shown_config_digest()}:{request.script_root}:{article.slug}"
    html = _get(key)
    if html is None:
        html = render_template("comments/_smiley_bar.html", article=article,
                               picker_smilies=PICKER_SMILIES, more_smilies=MORE_SMILIES)
        _set(key, html, current_app.config["COMMENT_CACHE_TTL"])
    return Markup(html)  # noqa: S704  (HTML we rendered ourselves with autoescape)


def page_key(article: ArticleView, page: int | None, closed: bool) -> str:
    """The key of an article page as every reader without a cookie of ours is sent it."""
    row = [getattr(article, name) for name in article.__dataclass_fields__]  # (astuple deep-copies)
    return "page:" + _digest(shown_config_digest(), request.script_root, row, closed,
                             NEWEST if page is None else max(page, 1), settings.site_state().digest)


def kept_page(key: str) -> str | None:
    return _get(key)


def keep_page(key: str, html: str) -> None:
    """Kept PAGE_CACHE_SECONDS: that bounds the age of the form stamp rendered into it."""
    _set(key, html, current_app.config["PAGE_CACHE_SECONDS"])
