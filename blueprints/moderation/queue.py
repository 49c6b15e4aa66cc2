"""What the dashboard shows: a tab of the queue (filtered, keyset-paginated), counts, the oldest
pending comment, and for each comment its audit trail and its author's history.

Every query here is bounded (by the page size, or by COUNT_LIMIT for the tab counts) and served by an
index on comment(status, submitted_at, id) / (article_id, status, submitted_at, id) / (author_email),
so a page costs about the same at a hundred pending comments as at a hundred thousand. A search
(`q`) scans the tab it searches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import raiseload

from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus, ModerationEvent, UTCDateTime

TABS: tuple[CommentStatus, ...] = (
    CommentStatus.PENDING, CommentStatus.APPROVED, CommentStatus.REJECTED, CommentStatus.SPAM,
    CommentStatus.TRASH,
)
SEARCH_MAX_LENGTH = 200
# Tabs count their comments up to this many, then show e.g. "10,000+".
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class QueueFilter:
    """Which comments a tab shows: a status, and optionally one article, one author, a search."""

    status: CommentStatus = CommentStatus.PENDING
    article_id: int | None = None
    email: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> QueueFilter:
        try:
            status = CommentStatus(args.get("status") or CommentStatus.PENDING)
        except ValueError:
            status = CommentStatus.PENDING
        article = args.get("article", "")
        return cls(
            status=status,
            article_id=int(article) if article.isdigit() else None,
            email=(args.get("email") or "").strip()[:254],
            q=(args.get("q") or "").strip()[:SEARCH_MAX_LENGTH],
        )

    @classmethod
    def from_path(cls, path: str) -> QueueFilter:
        return cls.from_args(dict(parse_qsl(urlsplit(path).query)))

    @property
    def oldest_first(self) -> bool:
        """Pending is a queue (oldest first); the other tabs are archives (newest first)."""
        return self.status == CommentStatus.PENDING

    @property
    def narrowed(self) -> bool:
        return bool(self.article_id or self.email or self.q)

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments for url_for, leaving out defaults."""
        current = replace(self, **changes)
        out: dict[str, Any] = {}
        if current.status != CommentStatus.PENDING:
            out["status"] = current.status.value
        if current.article_id:
            out["article"] = current.article_id
        if current.email:
            out["email"] = current.email
        if current.q:
            out["q"] = current.q
        return out

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        """Everything but the status."""
        where: list[sa.ColumnElement[bool]] = []
        if self.article_id:
            where.append(Comment.article_id == self.article_id)
        if self.email:
            where.append(Comment.author_email == self.email)
        if self.q:
            where.append(sa.or_(
                Comment.body.icontains(self.q, autoescape=True),
                Comment.author_name.icontains(self.q, autoescape=True),
                Comment.author_email.icontains(self.q, autoescape=True),
                Comment.author_ip.contains(self.q, autoescape=True),
            ))
        return where


@dataclass(frozen=True)
class Cursor:
    """A position in a tab: the (submitted_at, id) of a comment. In URLs: "<epoch µs>-<id>"."""

    at: datetime
    id: int

    @classmethod
    def of(cls, comment: Comment) -> Cursor:
        return cls(comment.submitted_at, comment.id)

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        if not token:
            return None
        micros, _, ident = token.partition("-")
        if not (micros.isdigit() and ident.isdigit()) or len(micros) > 18:
            return None
        seconds, micro = divmod(int(micros), 1_000_000)
        try:
            at = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return cls(at.replace(microsecond=micro), int(ident))

    @property
    def token(self) -> str:
        micros = int(self.at.replace(microsecond=0).timestamp()) * 1_000_000 + self.at.microsecond
        return f"{micros}-{self.id}"


@dataclass(frozen=True)
class QueuePage:
    comments: list[Comment]
    # Where the next and previous pages start; None at either end.
    after: Cursor | None
    before: Cursor | None


def _key() -> sa.Tuple:
    return sa.tuple_(Comment.submitted_at, Comment.id)


def _bound(cursor: Cursor) -> sa.Tuple:
    return sa.tuple_(sa.literal(cursor.at, UTCDateTime()), sa.literal(cursor.id))


def page(queue: QueueFilter, *, after: Cursor | None = None, before: Cursor | None = None,
         size: int = 50) -> QueuePage:
    """One page of a tab, in the tab's order, starting after `after` or ending before `before`."""
    base = sa.select(Comment).where(Comment.status == queue.status, *queue.conditions())
    forward = before is None
    # "Later in the tab" is a larger key for oldest-first tabs, a smaller one for newest-first tabs.
    ascending = queue.oldest_first == forward
    query = base.order_by(*(col.asc() if ascending else col.desc()
                            for col in (Comment.submitted_at, Comment.id)))
    cursor = after if forward else before
    if cursor is not None:
        query = query.where(_key() > _bound(cursor) if ascending else _key() < _bound(cursor))
    rows = list(db.session.scalars(query.limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    if not rows:
        return QueuePage([], None, None)

    def exists_beyond(edge: Comment, later: bool) -> bool:
        bigger = later == queue.oldest_first
        key = _bound(Cursor.of(edge))
        return db.session.scalar(sa.select(sa.exists(
            base.where(_key() > key if bigger else _key() < key).with_only_columns(Comment.id)
        ))) or False

    if forward:
        has_next = more
        has_prev = after is not None and exists_beyond(rows[0], later=False)
    else:
        has_prev = more
        has_next = exists_beyond(rows[-1], later=True)
    return QueuePage(rows, Cursor.of(rows[-1]) if has_next else None,
                     Cursor.of(rows[0]) if has_prev else None)


def counts(queue: QueueFilter) -> dict[CommentStatus, int]:
    """How many comments each tab holds under the same article, author and search, counted up to
    COUNT_LIMIT + 1: approved comments pile up for ever, and an exact count would cost a scan of
    them all on every page and after every decision."""
    conditions = queue.conditions()

    def bounded(status: CommentStatus) -> sa.ScalarSelect[int]:
        some = sa.select(Comment.id).where(Comment.status == status, *conditions).limit(COUNT_LIMIT + 1)
        return sa.select(sa.func.count()).select_from(some.subquery()).scalar_subquery()

    row = db.session.execute(sa.select(*(bounded(status) for status in TABS))).one()
    return dict(zip(TABS, row, strict=True))


def oldest_pending(queue: QueueFilter) -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.min(Comment.submitted_at))
        .where(Comment.status == CommentStatus.PENDING, *queue.conditions())
    )


@dataclass(frozen=True)
class History:
    """An author's record, by email address."""

    approved: int = 0
    rejected: int = 0


@dataclass
class Item:
    """A comment as the dashboard shows it."""

    comment: Comment
    events: list[ModerationEvent] = field(default_factory=list)
    history: History = History()


def events_for(comment_ids: Iterable[int]) -> dict[int, list[ModerationEvent]]:
    ids = list(comment_ids)
    found: dict[int, list[ModerationEvent]] = defaultdict(list)
    if ids:
        events = db.session.scalars(
            sa.select(ModerationEvent)
            .where(ModerationEvent.comment_id.in_(ids))
            .options(raiseload(ModerationEvent.comment))
            .order_by(ModerationEvent.id)
        ).all()
        for event in events:
            found[event.comment_id].append(event)
    return found


def histories(emails: Iterable[str]) -> dict[str, History]:
    wanted = sorted({e for e in emails if e})
    if not wanted:
        return {}
    rows = db.session.execute(
        sa.select(Comment.author_email, Comment.status, sa.func.count())
        .where(Comment.author_email.in_(wanted),
               Comment.status.in_((CommentStatus.APPROVED, CommentStatus.REJECTED)))
        .group_by(Comment.author_email, Comment.status)
    ).all()
    tally: dict[str, dict[CommentStatus, int]] = defaultdict(dict)
    for email, status, count in rows:
        tally[email][status] = count
    return {email: History(t.get(CommentStatus.APPROVED, 0), t.get(CommentStatus.REJECTED, 0))
            for email, t in tally.items()}


def items_for(comments: list[Comment]) -> list[Item]:
    """Comments with their audit trails and their authors' histories: two queries in all."""
    events = events_for(c.id for c in comments)
    known = histories(c.author_email for c in comments if not c.is_staff)
    return [Item(c, events.get(c.id, []), known.get(c.author_email, History())) for c in comments]


def get_comment(comment_id: int) -> Comment | None:
    return db.session.get(Comment, comment_id)


def articles_for_filter(selected: int | None, limit: int = 100) -> list[Article]:
    """The newest articles (and the selected one) for the article filter."""
    articles = list(db.session.scalars(
        sa.select(Article).order_by(Article.published_at.desc(), Article.id.desc()).limit(limit)
    ))
    if selected and all(a.id != selected for a in articles):
        chosen = db.session.get(Article, selected)
        if chosen is not None:
            articles.append(chosen)
    return articles


# --- The moderation log --------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    moderator_id: int | None = None
    rule: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> LogFilter:
        moderator, rule = args.get("moderator", ""), args.get("rule", "")
        return cls(int(moderator) if moderator.isdigit() else None, int(rule) if rule.isdigit() else None)

    def args(self) -> dict[str, int]:
        out = {}
        if self.moderator_id:
            out["moderator"] = self.moderator_id
        if self.rule:
            out["rule"] = self.rule
        return out


@dataclass(frozen=True)
class LogPage:
    events: list[ModerationEvent]
    # The id the next (older) page starts below; None on the last page.
    before: int | None


def log_page(log: LogFilter, before: int | None = None, size: int = 50) -> LogPage:
    query = sa.select(ModerationEvent).order_by(ModerationEvent.id.desc())
    if log.moderator_id:
        query = query.where(ModerationEvent.moderator_id == log.moderator_id)
    if log.rule:
        query = query.where(ModerationEvent.rule_number == log.rule)
    if before:
        query = query.where(ModerationEvent.id < before)
    events = list(db.session.scalars(query.limit(size + 1)).unique())
    more = len(events) > size
    events = events[:size]
    return LogPage(events, events[-1].id if more else None)
