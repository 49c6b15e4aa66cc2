"""Articles and the comment policy: slugs, seed data, the queries the reader pages make."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from talkback.extensions import db
from talkback.models import Article, ArticleStatus, Comment, CommentStatus, PolicyRule
from talkback.settings import Settings, public_rules

CONTENT_DIR = Path(__file__).resolve().parents[2] / "talkback" / "content"


def slugify(title: str, max_length: int = 100) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "article"


def unique_slug(title: str) -> str:
    base = slugify(title)
    taken = set(db.session.scalars(sa.select(Article.slug).where(Article.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def seed_policy_rules() -> None:
    if db.session.scalar(sa.select(sa.func.count()).select_from(PolicyRule)):
        return
    rules = json.loads((CONTENT_DIR / "policy_rules.json").read_text(encoding="utf-8"))
    db.session.add_all(PolicyRule(number=n, text=text) for n, text in enumerate(rules, start=1))


def load_demo_content() -> None:
    """Loads content/demo.json when the site has no articles yet."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Article)):
        return
    demo = json.loads((CONTENT_DIR / "demo.json").read_text(encoding="utf-8"))
    for item in demo["articles"]:
        published_at = datetime.fromisoformat(item["published_at"])
        article = Article(
            slug=unique_slug(item["title"]),
            title=item["title"],
            byline=item["byline"],
            body="\n\n".join(item["paragraphs"]),
            copyright_notice=item.get("copyright_notice", ""),
            published_at=published_at,
        )
        db.session.add(article)
        for c in item.get("comments", []):
            submitted_at = datetime.fromisoformat(c["submitted_at"])
            db.session.add(
                Comment(
                    article=article,
                    body=c["body"],
                    author_name=c["author_name"],
                    author_email=c["author_email"],
                    author_website=c.get("author_website", ""),
                    submitted_at=submitted_at,
                    status_changed_at=submitted_at,
                    status=CommentStatus.APPROVED,
                    held_for=[],
                )
            )
        db.session.flush()


def policy_rules() -> list[PolicyRule]:
    return list(db.session.scalars(sa.select(PolicyRule).order_by(PolicyRule.number)))


def policy_text(site: Settings, key: str) -> str:
    """A policy text setting with "{site}" filled in (replace, not format: admins edit these)."""
    return site[key].replace("{site}", site["SITE_OWNER"])


def policy_context(site: Settings) -> dict[str, object]:
    """What the article page's policy block needs."""
    return {"rules": public_rules(), "policy_disclaimer": policy_text(site, "POLICY_DISCLAIMER")}


@dataclass(frozen=True)
class ArticleSummary:
    article: Article
    approved_count: int


@dataclass(frozen=True)
class FrontPage:
    summaries: list[ArticleSummary]
    page: int
    has_older: bool


def latest_articles(page: int = 1, per_page: int = 20) -> FrontPage:
    """A page of the front page: published articles whose time has come, newest first, with their
    approved-comment counts (read live, so they follow every decision), in one query."""
    page = max(page, 1)
    approved = (
        sa.select(sa.func.count(Comment.id))
        .where(Comment.article_id == Article.id, Comment.status == CommentStatus.APPROVED)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Article, approved).where(Article.public())
        .order_by(Article.published_at.desc(), Article.id.desc())
        .offset((page - 1) * per_page).limit(per_page + 1)
    ).all()
    return FrontPage([ArticleSummary(article, count) for article, count in rows[:per_page]], page,
                     has_older=len(rows) > per_page)


def article_by_slug(slug: str) -> Article | None:
    return db.session.scalar(sa.select(Article).where(Article.slug == slug))


@dataclass(frozen=True)
class ArticleView:
    """An article as the reader's page shows it: the row's values, read with a Core statement
    (about half the cost of loading the model on the hottest page), and part of the page's cache
    key (comments/cache.py). Read-only; views that write use `article_by_slug`."""

    id: int
    slug: str
    title: str
    byline: str
    body: str
    copyright_notice: str
    status: ArticleStatus
    published_at: datetime | None
    comments_closed: bool
    comments_close_after_days: int | None
    comments_version: int

    is_public = Article.is_public


_ARTICLE_VIEW_COLUMNS = [Article.__table__.c[name] for name in ArticleView.__dataclass_fields__]
_ARTICLE_VIEW_BY_SLUG = sa.select(*_ARTICLE_VIEW_COLUMNS).where(Article.slug == sa.bindparam("slug"))


def article_view(slug: str) -> ArticleView | None:
    """The article at `slug`, public or not (the article page shows an unpublished one to staff)."""
    # On the session's connection, as Core: the ORM's execute path costs more than the query.
    row = db.session.connection().execute(_ARTICLE_VIEW_BY_SLUG, {"slug": slug}).first()
    return ArticleView(*row) if row else None


def public_article_view(slug: str) -> ArticleView | None:
    """The article at `slug` if readers may see it: drafts and scheduled articles are not there."""
    article = article_view(slug)
    return article if article is not None and article.is_public else None
