"""The data: articles, comments, moderators, moderation events, the comment policy, site settings.

All times are stored in UTC (naive in the database, aware in Python) and shown in SITE_TIMEZONE.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC, hands back aware UTC, on SQLite and PostgreSQL alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class CommentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"
    TRASH = "trash"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Role(enum.StrEnum):
    MODERATOR = "moderator"  # the comment queue
    EDITOR = "editor"  # articles only
    ADMIN = "admin"  # everything, and the site's settings and staff


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"  # never public; also an unpublished article
    PUBLISHED = "published"  # public from published_at on (a future time: scheduled)


def _enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        length=16,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Article(db.Model):
    __tablename__ = "article"
    __table_args__ = (sa.UniqueConstraint("source_key", name="uq_article_source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    byline: Mapped[str] = mapped_column(sa.String(200), default="")
    # Markdown (CommonMark), rendered to sanitised HTML; plain paragraphs separated by blank lines
    # are Markdown too.
    body: Mapped[str] = mapped_column(sa.Text)
    # Shown on the front page; made from the body when empty.
    excerpt: Mapped[str] = mapped_column(sa.Text, default="")
    # Empty: the site's default copyright line.
    copyright_notice: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ArticleStatus] = mapped_column(_enum(ArticleStatus, "article_status"),
                                                  default=ArticleStatus.PUBLISHED)
    # None only for a draft never given a date.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    comments_closed: Mapped[bool] = mapped_column(default=False)
    # Close comments this many days after publication (0: never); None: the site's setting.
    comments_close_after_days: Mapped[int | None] = mapped_column()
    # Kept from an import, as data (not shown yet).
    categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Where an imported article came from ("wordpress:<blog url>:<post id>"): importing twice adds
    # nothing.
    source_key: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by every moderation decision on the article's comments: the comment-list cache key.
    comments_version: Mapped[int] = mapped_column(default=0)

    comments: Mapped[list[Comment]] = relationship(back_populates="article", lazy="raise_on_sql")

    @classmethod
    def public(cls, now: datetime | None = None) -> sa.ColumnElement[bool]:
        """The SQL condition of an article readers may see: published, and its time has come."""
        return sa.and_(cls.status == ArticleStatus.PUBLISHED, cls.published_at <= (now or utcnow()))

    @property
    def is_public(self) -> bool:
        return (self.status == ArticleStatus.PUBLISHED and self.published_at is not None
                and self.published_at <= utcnow())

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]


class Comment(db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        # The public list: an article's approved comments, oldest first.
        sa.Index("ix_comment_article_status_time", "article_id", "status", "submitted_at", "id"),
        # The moderation queue: a status tab, oldest first (keyset pagination on time, id).
        sa.Index("ix_comment_status_time", "status", "submitted_at", "id"),
        sa.UniqueConstraint("source_key", name="uq_comment_source_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("article.id", ondelete="CASCADE"))
    # A staff reply points at the comment it answers.
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    author_name: Mapped[str] = mapped_column(sa.String(100))
    # Never shown on a public page.
    author_email: Mapped[str] = mapped_column(sa.String(254), index=True)
    author_website: Mapped[str] = mapped_column(sa.String(200), default="")
    author_ip: Mapped[str] = mapped_column(sa.String(45), default="", index=True)
    user_agent: Mapped[str] = mapped_column(sa.String(400), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus, "comment_status"))
    # Why screening held it: short human-readable markers ("3 links", "hold word: crypto").
    held_for: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Set on staff replies written from the dashboard.
    staff_moderator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("moderator.id", ondelete="SET NULL")
    )
    # comment, trackback or pingback (the last two only come from a WordPress import).
    kind: Mapped[str] = mapped_column(sa.String(16), default="comment")
    # Where an imported comment came from ("wordpress:<blog url>:<comment id>").
    source_key: Mapped[str | None] = mapped_column(sa.String(300))
    # The reader's browser names each submission (site.js): a post sent again with the same key (its
    # answer was lost: a worker killed, a connection cut) is answered as the first, never stored twice.
    submission_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True, index=True)
    # Bumped by every change; a decision made on an older revision is refused (two moderators).
    revision: Mapped[int] = mapped_column(default=1)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="comments", lazy="joined")
    staff_moderator: Mapped[Moderator | None] = relationship(lazy="joined")
    events: Mapped[list[ModerationEvent]] = relationship(
        back_populates="comment", order_by="ModerationEvent.id", lazy="raise_on_sql"
    )

    @property
    def is_staff(self) -> bool:
        return self.staff_moderator_id is not None

    @property
    def moved_wordpress_id(self) -> int | None:
        """The WordPress number of an imported comment that could not keep it as its id (old
        `#comment-N` links name it), else None."""
        if not (self.source_key or "").startswith("wordpress:"):
            return None
        number = self.source_key.rpartition(":c")[2]
        return int(number) if number.isdigit() and int(number) != self.id else None


class Moderator(UserMixin, db.Model):
    __tablename__ = "moderator"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "moderator_role"), default=Role.MODERATOR)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Changing the password bumps this, which ends every session signed with the old value.
    session_generation: Mapped[int] = mapped_column(default=1)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_moderate(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def can_edit_articles(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)


class ModerationEvent(db.Model):
    """One decision on one comment: who, when, from what, to what, under which rule, and why."""

    __tablename__ = "moderation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("moderator.id", ondelete="SET NULL"), index=True
    )
    # approve, reject, spam, trash, restore, edit, reply, undo
    action: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    from_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus, "event_from_status"))
    to_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus, "event_to_status"))
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_rule.id", ondelete="SET NULL"))
    # The rule's number and text as they were when cited (rules can be edited later).
    rule_number: Mapped[int | None] = mapped_column(index=True)
    rule_text: Mapped[str] = mapped_column(sa.Text, default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # For edits: the body before and after.
    previous_body: Mapped[str | None] = mapped_column(sa.Text)
    new_body: Mapped[str | None] = mapped_column(sa.Text)
    # The event an undo reverses.
    undoes_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderation_event.id"))

    comment: Mapped[Comment] = relationship(back_populates="events", lazy="joined")
    moderator: Mapped[Moderator | None] = relationship(lazy="joined")


class PolicyRule(db.Model):
    """A numbered rule of the comment policy ("We will delete comments that: …")."""

    __tablename__ = "policy_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(sa.Text)


class SiteSetting(db.Model):
    """An admin's override of a config default (screening, limits, policy texts)."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderator.id", ondelete="SET NULL"))


class SettingChange(db.Model):
    """The audit trail of site settings and policy edits."""

    __tablename__ = "setting_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), index=True)
    old_value: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderator.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    moderator: Mapped[Moderator | None] = relationship(lazy="joined")


class ArticleRedirect(db.Model):
    """An old address of an article (a renamed slug, a WordPress permalink) that answers 301.

    `path` is normalised: no trailing slash, and a WordPress `?p=123` link is stored as "?p=123"."""

    __tablename__ = "article_redirect"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(500), unique=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("article.id", ondelete="CASCADE"), index=True)


class ArticleChange(db.Model):
    """The history of an article: who created, edited, published, unpublished, imported or deleted
    it, when, and what changed (field: [old, new])."""

    __tablename__ = "article_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept (as None) when the article is deleted; the title says which it was.
    article_id: Mapped[int | None] = mapped_column(sa.ForeignKey("article.id", ondelete="SET NULL"),
                                                   index=True)
    article_title: Mapped[str] = mapped_column(sa.String(300))
    action: Mapped[str] = mapped_column(sa.String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderator.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    moderator: Mapped[Moderator | None] = relationship(lazy="joined")
