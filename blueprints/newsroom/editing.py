"""The newsroom's rules: writing, publishing, scheduling, unpublishing and deleting articles.

Every change is an `ArticleChange` row (who, when, what: field → [old, new]), written in the same
transaction as the change. A published article whose time has not come is *scheduled*: it appears
on its own at that time (the reader pages ask `Article.public()`), without anyone acting. Readers'
cached copies need no bump here: an article page's cache key holds the article's row as shown
(comments/cache.py `page_key`), so any edit is a new key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from talkback.extensions import db
from talkback.models import Article, ArticleChange, ArticleRedirect, ArticleStatus, Comment, Moderator, utcnow

from ..articles.content import slugify

# The fields an editor writes, in the order the history lists them.
FIELDS = ("title", "slug", "byline", "published_at", "body", "excerpt", "copyright_notice",
          "comments_closed", "comments_close_after_days")


# How the history names them.
FIELD_LABELS = {"title": "title", "slug": "address", "byline": "byline", "published_at": "publication time",
                "body": "text", "excerpt": "excerpt", "copyright_notice": "copyright line",
                "comments_closed": "comments", "comments_close_after_days": "comments", "status": "status",
                "source": "source"}


class EditingError(ValueError):
    """A change refused, with a message for the editor."""


@dataclass(frozen=True)
class Draft:
    """What the editor's form holds (already checked by the form)."""

    title: str
    slug: str  # empty: made from the title
    byline: str
    published_at: datetime | None  # aware; None: now, when published
    body: str
    excerpt: str
    copyright_notice: str
    comments_closed: bool
    comments_close_after_days: int | None  # None: the site's setting


def state(article: Article, now: datetime | None = None) -> str:
    """draft, scheduled or published: what the dashboard calls it."""
    if article.status == ArticleStatus.DRAFT:
        return "draft"
    return "scheduled" if article.published_at and article.published_at > (now or utcnow()) else "published"


def free_slug(wanted: str, article_id: int | None = None) -> str:
    """`wanted` made a slug, with -2, -3… when another article (or another's old address) has it."""
    base = slugify(wanted)
    taken = set(db.session.scalars(
        sa.select(Article.slug).where(Article.slug.like(f"{base}%"), Article.id != (article_id or 0))))
    taken |= {path.removeprefix("/articles/") for path in db.session.scalars(
        sa.select(ArticleRedirect.path).where(ArticleRedirect.path.like(f"/articles/{base}%"),
                                              ArticleRedirect.article_id != (article_id or 0)))}
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create(draft: Draft, editor: Moderator, *, published: bool = False) -> Article:
    """A new article: a draft, or `published` at the draft's time (now when it has none)."""
    now = utcnow()
    article = Article(status=ArticleStatus.DRAFT, created_at=now, updated_at=now, comments_version=0,
                      categories=[], tags=[])
    values = _values(draft, None)
    for name, value in values.items():
        setattr(article, name, value)
    db.session.add(article)
    db.session.flush()
    _record(article, "create", {name: [None, _plain(getattr(article, name))] for name in FIELDS}, editor)
    if published:
        publish(article, editor, draft.published_at)
    return article


def update(article: Article, draft: Draft, editor: Moderator) -> dict[str, list[Any]]:
    """Saves the editor's changes; a changed slug keeps the old address as a redirect."""
    changes = {}
    for name, value in _values(draft, article).items():
        old = getattr(article, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(article, name, value)
    if "slug" in changes:
        # The old address redirects here; the new one is the article's own again if it was an old one.
        old_path, new_path = (f"/articles/{slug}" for slug in changes["slug"])
        db.session.execute(sa.delete(ArticleRedirect).where(ArticleRedirect.path.in_([old_path, new_path])))
        db.session.add(ArticleRedirect(path=old_path, article_id=article.id))
    if changes:
        article.updated_at = utcnow()
        _record(article, "edit", changes, editor)
    return changes


def publish(article: Article, editor: Moderator, at: datetime | None = None) -> None:
    """Published at `at` (a past time backdates it, a future one schedules it); without one, at the
    time already set if that is still to come, else now."""
    now = utcnow()
    if at is None:
        at = article.published_at if article.published_at and article.published_at > now else now
    changes = {"status": [article.status.value, ArticleStatus.PUBLISHED.value]}
    if article.published_at != at:
        changes["published_at"] = [_plain(article.published_at), _plain(at)]
    article.status = ArticleStatus.PUBLISHED
    article.published_at = at
    article.updated_at = now
    _record(article, "schedule" if at > now else "publish", changes, editor)


def unpublish(article: Article, editor: Moderator) -> None:
    if article.status == ArticleStatus.DRAFT:
        raise EditingError("This article is not published.")
    article.status = ArticleStatus.DRAFT
    article.updated_at = utcnow()
    _record(article, "unpublish", {"status": [ArticleStatus.PUBLISHED.value, ArticleStatus.DRAFT.value]},
            editor)


def delete(article: Article, editor: Moderator) -> None:
    """Deleting is refused while the article has comments (readers' words are never thrown away
    with an article: unpublish it instead). Its history stays, under its title."""
    comments = db.session.scalar(sa.select(sa.func.count()).where(Comment.article_id == article.id))
    if comments:
        raise EditingError(f"This article has {comments:,} comment{'s' if comments != 1 else ''}, so it "
                           "cannot be deleted. Unpublish it instead: readers will no longer see it.")
    _record(article, "delete", {"title": [article.title, None]}, editor)
    db.session.flush()
    db.session.execute(sa.update(ArticleChange).where(ArticleChange.article_id == article.id)
                       .values(article_id=None))
    db.session.delete(article)


def changed_fields(change: ArticleChange) -> str:
    """What a change touched, as the history says it: "title, text"."""
    return ", ".join(dict.fromkeys(FIELD_LABELS.get(name, name) for name in change.changes))


def history(article: Article, limit: int = 50) -> list[ArticleChange]:
    return list(db.session.scalars(
        sa.select(ArticleChange).where(ArticleChange.article_id == article.id)
        .order_by(ArticleChange.id.desc()).limit(limit)))


def _values(draft: Draft, article: Article | None) -> dict[str, Any]:
    values = {
        "title": draft.title.strip(),
        "slug": free_slug(draft.slug or draft.title, article.id if article else None),
        "byline": draft.byline.strip(),
        "body": draft.body,
        "excerpt": draft.excerpt.strip(),
        "copyright_notice": draft.copyright_notice.strip(),
        "comments_closed": draft.comments_closed,
        "comments_close_after_days": draft.comments_close_after_days,
    }
    if article is not None and article.slug == slugify(draft.slug or draft.title):
        values["slug"] = article.slug
    if draft.published_at is not None or article is None:
        values["published_at"] = draft.published_at
    return values


def _record(article: Article, action: str, changes: dict[str, list[Any]], editor: Moderator) -> None:
    db.session.add(ArticleChange(article_id=article.id, article_title=article.title, action=action,
                                 changes=changes, moderator_id=editor.id, created_at=utcnow()))


def _plain(value: Any) -> Any:
    """A value as the history keeps it (JSON)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value
