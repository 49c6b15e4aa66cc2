"""Importing a WordPress export into a site that may already have articles and comments.

Every post (and, when asked, every page) becomes an article, every comment a comment with its
status, thread and author's details; the old addresses of each post answer 301 to its new one
(`ArticleRedirect`). Each imported row keeps where it came from (`source_key`), so importing the
same file again adds nothing. The whole import is one transaction: it lands whole or not at all.

What happens to each kind of post, and why, is reported (`Report`):
- published: published at its date; scheduled (`future`): published at its future date, so it
  appears then without anyone acting;
- draft, pending review, private, password-protected: kept as drafts (never public; Talkback has no
  private or password-protected articles), so an editor decides;
- trash, auto-draft, and other post types (attachments, menu items…): skipped.
Trackbacks and pingbacks are kept as comments of their own kind; spam and trash keep that status.

A comment keeps its WordPress number as its id when this site has no comment of that number, so an
old link's `#comment-N` (the fragment never reaches the server and survives the 301) lands on it
without JavaScript. A comment whose number is taken gets a new one above every number in use and in
the export; its page carries the old number (`data-wp-comment`) and site.js moves there.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from markdownify import MarkdownConverter

from .datatransfer import reset_sequences
from .extensions import db
from .models import (
    Article,
    ArticleChange,
    ArticleRedirect,
    ArticleStatus,
    Comment,
    CommentStatus,
    utcnow,
)
from .wordpress import Comment as WPComment
from .wordpress import Export, Item, prepare_html, to_markdown

IMPORTED_TYPES = ("post",)
KEPT_AS_DRAFT = {
    "draft": "draft",
    "pending": "pending review: kept as a draft",
    "private": "private: kept as a draft",
}
SKIPPED_STATUSES = {"trash": "in the trash", "auto-draft": "an auto-draft", "inherit": "a revision"}
PERMALINK_TOKENS = {
    "%year%": "{date:%Y}", "%monthnum%": "{date:%m}", "%day%": "{date:%d}", "%hour%": "{date:%H}",
    "%minute%": "{date:%M}", "%second%": "{date:%S}", "%postname%": "{slug}", "%post_id%": "{id}",
    "%pagename%": "{slug}",
}
UNTITLED = "Untitled"


@dataclass
class Report:
    articles: Counter[str] = field(default_factory=Counter)  # what became of each post, by reason
    comments: Counter[str] = field(default_factory=Counter)
    redirects: int = 0
    skipped_types: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Articles: {sum(self.articles.values())}"]
        out += [f"  {count:>5}  {reason}" for reason, count in sorted(self.articles.items())]
        out.append(f"Comments: {sum(self.comments.values())}")
        out += [f"  {count:>5}  {reason}" for reason, count in sorted(self.comments.items())]
        out.append(f"Old addresses redirected: {self.redirects}")
        if self.skipped_types:
            out.append("Not imported (not articles): " + ", ".join(
                f"{count} {kind}" for kind, count in sorted(self.skipped_types.items())))
        out += self.notes
        return out


def import_export(export: Export, *, pages: bool = False, permalink: str | None = None,
                  moderator_id: int | None = None,
                  progress: Callable[[Iterable[Item]], Iterable[Item]] = lambda items: items) -> Report:
    """Adds what `export` holds that this site does not have yet; the caller commits."""
    report = Report()
    wanted_types = (*IMPORTED_TYPES, "page") if pages else IMPORTED_TYPES
    authors = {author.login: author.display_name or author.login for author in export.authors}
    site = export.base_blog_url or export.base_site_url or "wordpress"
    numbers = _CommentNumbers.plan(export, wanted_types)
    for item in progress(export.items):
        if item.post_type not in wanted_types:
            report.skipped_types[item.post_type + "s"] += 1
            continue
        article = _article(item, site, authors, moderator_id, report)
        if article is None:
            continue
        _comments(article, item, site, report, numbers)
        report.redirects += _redirects(article, item, permalink)
    db.session.flush()
    reset_sequences(db.session.connection(), [Comment.__table__])
    if numbers.kept or numbers.moved:
        report.notes.append(f"Comment numbers: {numbers.kept} kept their WordPress number, "
                            f"{numbers.moved} got a new one (old #comment-N links reach those through "
                            "the page's JavaScript).")
    return report


@dataclass
class _CommentNumbers:
    """The id each new comment gets: its WordPress number when free, else the next number above all
    in use and all in the export (so a later comment's WordPress number is never handed out)."""

    taken: set[int]
    next_free: int
    kept: int = 0
    moved: int = 0

    @classmethod
    def plan(cls, export: Export, wanted_types: tuple[str, ...]) -> _CommentNumbers:
        numbers = [c.id for item in export.items if item.post_type in wanted_types for c in item.comments]
        if not numbers:
            return cls(set(), 0)
        low, high = min(numbers), max(numbers)
        taken = set(db.session.scalars(sa.select(Comment.id).where(Comment.id.between(low, high))))
        largest = db.session.scalar(sa.select(sa.func.max(Comment.id))) or 0
        return cls(taken, max(largest, high) + 1)

    def take(self, wordpress_id: int) -> int:
        if wordpress_id > 0 and wordpress_id not in self.taken:
            self.kept += 1
            chosen = wordpress_id
        else:
            self.moved += 1
            chosen, self.next_free = self.next_free, self.next_free + 1
        self.taken.add(chosen)
        return chosen


def _article(item: Item, site: str, authors: dict[str, str], moderator_id: int | None,
             report: Report) -> Article | None:
    if item.status in SKIPPED_STATUSES:
        report.articles[f"skipped: {SKIPPED_STATUSES[item.status]}"] += 1
        return None
    key = f"wordpress:{site}:{item.id}"
    existing = db.session.scalar(sa.select(Article).where(Article.source_key == key))
    if existing is not None:
        report.articles["already imported"] += 1
        return existing
    if item.password:
        status, reason = ArticleStatus.DRAFT, "password-protected: kept as a draft"
    elif item.status in KEPT_AS_DRAFT:
        status, reason = ArticleStatus.DRAFT, KEPT_AS_DRAFT[item.status]
    elif item.status == "future":
        status, reason = ArticleStatus.PUBLISHED, "scheduled"
    else:
        status, reason = ArticleStatus.PUBLISHED, "published"
    title = plain_title(item.title)
    now = utcnow()
    article = Article(
        slug=_free_slug(item.slug or title),
        title=title or UNTITLED,
        byline=authors.get(item.creator, item.creator),
        body=to_markdown(item.content_html),
        excerpt=to_markdown(item.excerpt_html),
        copyright_notice="",
        status=status,
        published_at=item.published_at or (now if status == ArticleStatus.PUBLISHED else None),
        comments_closed=not item.comments_open,
        categories=list(item.categories),
        tags=list(item.tags),
        source_key=key,
        created_at=now,
        updated_at=now,
    )
    db.session.add(article)
    db.session.flush()
    db.session.add(ArticleChange(article_id=article.id, article_title=article.title, action="import",
                                 changes={"source": [None, item.link or key], "status": [None, status.value]},
                                 moderator_id=moderator_id, created_at=now))
    report.articles[reason if item.post_type == "post" else f"{reason} (page)"] += 1
    if not title:
        report.notes.append(f"WordPress post {item.id} has no title: imported as “{UNTITLED}”.")
    return article


def plain_title(title: str) -> str:
    """WordPress titles may hold markup ("Title <em>With</em> Markup"); ours are plain text."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", title)).split())


def _free_slug(wanted: str) -> str:
    from blueprints.articles.content import unique_slug  # (the app's slug rule; the app imports this)

    return unique_slug(unquote(wanted))


def _comments(article: Article, item: Item, site: str, report: Report, numbers: _CommentNumbers) -> None:
    keys = {c.id: f"wordpress:{site}:c{c.id}" for c in item.comments}
    known = dict(db.session.execute(
        sa.select(Comment.source_key, Comment.id).where(Comment.source_key.in_(keys.values()))
    ).all()) if keys else {}
    new_ids: dict[int, int] = {}
    approved = False
    # Parents before replies: WordPress numbers a reply after its parent, but an export may not.
    for wp_comment in _parents_first(item.comments):
        key = keys[wp_comment.id]
        if key in known:
            new_ids[wp_comment.id] = known[key]
            report.comments["already imported"] += 1
            continue
        status = CommentStatus(wp_comment.status)
        comment = Comment(
            id=numbers.take(wp_comment.id),
            article_id=article.id,
            parent_id=new_ids.get(wp_comment.parent_id) if wp_comment.parent_id else None,
            body=comment_text(wp_comment.body_html),
            author_name=(wp_comment.author_name or "Anonymous")[:100],
            author_email=wp_comment.author_email[:254],
            author_website=wp_comment.author_url[:200],
            author_ip=wp_comment.author_ip[:45],
            user_agent=wp_comment.user_agent[:400],
            submitted_at=wp_comment.submitted_at,
            status_changed_at=wp_comment.submitted_at,
            status=status,
            held_for=[],
            kind=wp_comment.kind if wp_comment.kind in ("trackback", "pingback") else "comment",
            source_key=key,
        )
        db.session.add(comment)
        db.session.flush()
        new_ids[wp_comment.id] = comment.id
        approved = approved or status == CommentStatus.APPROVED
        kind = "" if comment.kind == "comment" else f" ({comment.kind})"
        report.comments[f"{status.value}{kind}"] += 1
    if approved:
        from blueprints.comments.cache import bump_comments_version  # (the app imports this module)

        bump_comments_version(article.id)  # the public list changed


def _parents_first(comments: Iterable[WPComment]) -> list[WPComment]:
    by_id = {c.id: c for c in comments}

    def depth(comment: WPComment, seen: frozenset[int] = frozenset()) -> int:
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is None or parent.id in seen:
            return 0
        return 1 + depth(parent, seen | {comment.id})

    return sorted(by_id.values(), key=lambda c: (depth(c), c.id))


class _CommentText(MarkdownConverter):
    """Comments are plain text (links made clickable when shown): a link keeps its words and its
    address, emphasis its words."""

    def convert_a(self, el, text, parent_tags):
        href = el.get("href") or ""
        text = text.strip()
        if not href or href == text:
            return text or href
        return f"{text} ({href})" if text else href

    def convert_img(self, el, text, parent_tags):
        alt, src = el.get("alt") or "", el.get("src") or ""
        return f"{alt} ({src})" if alt else src

    def convert_b(self, el, text, parent_tags):
        return text

    convert_strong = convert_em = convert_i = convert_b


def comment_text(body_html: str) -> str:
    """A WordPress comment's HTML as Talkback's plain comment text, every word and link kept."""
    text = _CommentText(escape_misc=False, escape_asterisks=False, escape_underscores=False,
                        bullets="-").convert(prepare_html(body_html))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# ------------------------------------------------------------------------------------------------
# Old addresses


def normalise_path(path: str, query: str = "") -> str | None:
    """The key an old address is stored under: the path without its trailing slash, or a WordPress
    id query ("?p=123", "?page_id=7"); None for an address that names no post."""
    if query:
        for name in ("p", "page_id"):
            match = re.fullmatch(rf"(?:.*&)?{name}=(\d+)(?:&.*)?", query)
            if match:
                return f"?{name}={match.group(1)}"
    path = "/" + path.strip("/")
    return None if path == "/" else path


def old_addresses(item: Item, permalink: str | None = None) -> list[str]:
    """Every address WordPress may have given this post: its own link, the common permalink
    structures, the id forms, and `permalink` (a structure such as "/%year%/%postname%/")."""
    paths = []
    if item.link:
        parts = urlsplit(item.link)
        paths.append(normalise_path(parts.path, parts.query))
    id_query = "page_id" if item.post_type == "page" else "p"
    paths += [f"?{id_query}={item.id}", f"/archives/{item.id}"]
    if item.slug:
        paths.append(f"/{item.slug}")
        date = item.local_date
        if date is not None:
            paths += [f"/{date:%Y/%m/%d}/{item.slug}", f"/{date:%Y/%m}/{item.slug}"]
            if permalink:
                paths.append(normalise_path(_format_permalink(permalink, item, date)))
    return list(dict.fromkeys(p for p in paths if p))


def _format_permalink(structure: str, item: Item, date: datetime) -> str:
    pattern = re.escape(structure)
    for token, replacement in PERMALINK_TOKENS.items():
        pattern = pattern.replace(re.escape(token), replacement)
    return re.sub(r"\\(.)", r"\1", pattern).format(date=date, slug=item.slug, id=item.id)


def _redirects(article: Article, item: Item, permalink: str | None) -> int:
    paths = old_addresses(item, permalink)
    taken = set(db.session.scalars(sa.select(ArticleRedirect.path).where(ArticleRedirect.path.in_(paths))))
    added = [ArticleRedirect(path=path, article_id=article.id) for path in paths if path not in taken]
    db.session.add_all(added)
    return len(added)
