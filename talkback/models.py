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
    MODERATOR = "moderator"
    ADMIN = "admin"


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

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    byline: Mapped[str] = mapped_column(sa.String(200), default="")
    # Paragraphs separated by blank lines, plain text.
    body: Mapped[str] = mapped_column(sa.Text)
    copyright_notice: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    comments_closed: Mapped[bool] = mapped_column(default=False)
    # Bumped by every moderation decision on the article's comments: the comment-list cache key.
    comments_version: Mapped[int] = mapped_column(default=0)

    comments: Mapped[list[Comment]] = relationship(back_populates="article", lazy="raise_on_sql")

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
