"""Posting a comment: screen it, store it, say what happened."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from talkback.database import begin_writing, done_writing, serialize_writers
from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus, ModerationEvent, utcnow
from talkback.settings import Settings

from ..articles.content import ArticleView
from .cache import bump_comments_version
from .screening import Decision, Submission, prescreen, screen

_INSERT_COMMENT = sa.insert(Comment.__table__)


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    # The stored comment (not attached to the session: its values as inserted); None when
    # screening refused it.
    comment: Comment | None


def submit_comment(article: Article | ArticleView, submission: Submission, settings: Settings) -> Outcome:
    # The rules that judge the submission alone run first, without any lock.
    known = prescreen(article, submission, settings)
    # From here to the commit: SQLite's write lock (BEGIN IMMEDIATE), so keep it short.
    begin_writing()
    # The duplicate and flood rules read before this inserts: one author (or address) at a time.
    serialize_writers(f"email:{submission.author_email.casefold()}", f"ip:{submission.ip}")
    if submission.key:
        # Sent again (its answer was lost): answered as the first was, nothing stored. Looked up
        # under the writers' lock, so two copies arriving at once cannot both insert.
        earlier = db.session.scalars(
            sa.select(Comment).where(Comment.submission_key == submission.key)).first()
        if earlier is not None:
            db.session.expunge(earlier)
            db.session.rollback()
            done_writing()
            return Outcome(Decision(earlier.status, markers=list(earlier.held_for)), earlier)
    decision = screen(article, submission, settings, known)
    if decision.refused:
        db.session.rollback()  # nothing written: release the lock before the answer is rendered
        done_writing()
        return Outcome(decision, None)
    now = utcnow()
    values = dict(
        article_id=article.id,
        body=submission.body,
        author_name=submission.author_name,
        author_email=submission.author_email,
        author_website=submission.author_website,
        author_ip=submission.ip,
        user_agent=submission.user_agent[:400],
        submitted_at=now,
        status_changed_at=now,
        status=decision.status,
        held_for=decision.markers,
        revision=1,
        parent_id=None,
        staff_moderator_id=None,
        submission_key=submission.key,
    )
    # A Core insert: the ORM's unit of work costs more than the statement, under the lock.
    comment_id = db.session.execute(_INSERT_COMMENT, values).inserted_primary_key[0]
    if decision.status == CommentStatus.APPROVED:
        # Trust mode published it: the public list changes (cache key) and the audit trail says why.
        bump_comments_version(article.id)
        db.session.add(ModerationEvent(
            comment_id=comment_id, moderator_id=None, action="approve", created_at=now,
            from_status=CommentStatus.PENDING, to_status=CommentStatus.APPROVED,
            note="; ".join(decision.markers),
        ))
    # Committed before the reader is told anything: a comment acknowledged is a comment stored.
    db.session.commit()
    done_writing()  # what follows only reads: render without holding SQLite's write lock
    # The comment as stored, for the answer; kept out of the session (nothing to reload).
    return Outcome(decision, Comment(id=comment_id, **values))
