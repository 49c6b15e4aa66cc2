"""What the comment section shows: a page of approved comments and the reader's own pending ones."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm

from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus, ModerationEvent


@dataclass(frozen=True)
class NumberedComment:
    number: int
    comment: Comment


@dataclass(frozen=True)
class CommentPage:
    """One page of an article's approved comments, oldest first, numbered across pages."""

    comments: list[NumberedComment]
    page: int
    pages: int
    total: int

    @property
    def older_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def newer_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def approved_count(article: Article) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Comment.id)).where(
            Comment.article_id == article.id, Comment.status == CommentStatus.APPROVED
        )
    ) or 0


def approved_page(article: Article, page: int | None, per_page: int) -> CommentPage:
    """Page `page` (1 = oldest); None means the newest page, which readers see first."""
    total = approved_count(article)
    pages = max(1, -(-total // per_page))
    page = pages if page is None else min(max(page, 1), pages)
    offset = (page - 1) * per_page
    comments = db.session.scalars(
        sa.select(Comment)
        .where(Comment.article_id == article.id, Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.submitted_at, Comment.id)
        # The list shows neither: the article is at hand, staff replies need only the id.
        .options(sa.orm.lazyload(Comment.article), sa.orm.lazyload(Comment.staff_moderator))
        .offset(offset)
        .limit(per_page)
    ).all()
    numbered = [NumberedComment(offset + i, c) for i, c in enumerate(comments, start=1)]
    return CommentPage(numbered, page, pages, total)


def page_of(comment: Comment, per_page: int) -> int | None:
    """The page of approved_page() that shows `comment` (one query: the approved comments of its
    article up to and including it, in the page order), or None when it is not approved."""
    if comment.status != CommentStatus.APPROVED:
        return None
    position = db.session.scalar(
        sa.select(sa.func.count(Comment.id)).where(
            Comment.article_id == comment.article_id, Comment.status == CommentStatus.APPROVED,
            sa.or_(Comment.submitted_at < comment.submitted_at,
                   sa.and_(Comment.submitted_at == comment.submitted_at, Comment.id <= comment.id)),
        )
    ) or 1
    return -(-position // per_page)


def linked_comment(article_id: int, number: int) -> Comment | None:
    """The approved comment of the article that `#comment-<number>` names: the comment of that id,
    or an imported one that had that WordPress number (renumbered on import)."""
    return db.session.scalars(
        sa.select(Comment)
        .where(Comment.article_id == article_id, Comment.status == CommentStatus.APPROVED,
               sa.or_(Comment.id == number, Comment.source_key.like(f"wordpress:%:c{int(number)}")))
        .order_by((Comment.id == number).desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class OwnComment:
    """A comment shown only to the browser that posted it, with what became of it."""

    comment: Comment
    # The rule cited when it was rejected (number, text), else None.
    rejected_rule: tuple[int, str] | None = None

    @property
    def rejected(self) -> bool:
        return self.comment.status == CommentStatus.REJECTED


# Spam looks pending to its sender: a bot learns nothing from the answer.
_OWN_VISIBLE = (CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED)


def own_comments(article: Article, ids: list[int], just_posted: Comment | None = None) -> list[OwnComment]:
    """The reader's comments on this article that the public cannot see, oldest first.
    `just_posted`, the comment this request stored, is taken as it is (not read again)."""
    if just_posted is not None:
        ids = [i for i in ids if i != just_posted.id]
    comments = list(db.session.scalars(
        sa.select(Comment)
        .where(Comment.id.in_(ids), Comment.article_id == article.id, Comment.status.in_(_OWN_VISIBLE))
        .order_by(Comment.submitted_at, Comment.id)
    )) if ids else []
    if (just_posted is not None and just_posted.article_id == article.id
            and just_posted.status in _OWN_VISIBLE):
        comments.append(just_posted)
        comments.sort(key=lambda c: (c.submitted_at, c.id))
    rejected_ids = [c.id for c in comments if c.status == CommentStatus.REJECTED]
    rules: dict[int, tuple[int, str]] = {}
    if rejected_ids:
        events = db.session.scalars(
            sa.select(ModerationEvent)
            .where(ModerationEvent.comment_id.in_(rejected_ids),
                   ModerationEvent.to_status == CommentStatus.REJECTED)
            .order_by(ModerationEvent.id)
        ).all()
        for event in events:  # the latest rejection wins
            if event.rule_number is not None:
                rules[event.comment_id] = (event.rule_number, event.rule_text)
    return [OwnComment(c, rules.get(c.id)) for c in comments]
