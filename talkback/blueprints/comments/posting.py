"""Posting a comment: screen it, store it, say what happened."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ...database import done_writing, serialize_writers
from ...extensions import db
from ...models import Article, Comment, CommentStatus, ModerationEvent, utcnow
from ...settings import Settings
from .screening import Decision, Submission, screen


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    # The stored comment; None when screening refused it.
    comment: Comment | None


def submit_comment(article: Article, submission: Submission, settings: Settings) -> Outcome:
    # The duplicate and flood rules read before this inserts: one author (or address) at a time.
    serialize_writers(f"email:{submission.author_email.casefold()}", f"ip:{submission.ip}")
    decision = screen(article, submission, settings)
    if decision.refused:
        return Outcome(decision, None)
    now = utcnow()
    comment = Comment(
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
    )
    db.session.add(comment)
    if decision.status == CommentStatus.APPROVED:
        # Trust mode published it: the public list changes (cache key) and the audit trail says why.
        db.session.execute(
            sa.update(Article).where(Article.id == article.id)
            .values(comments_version=Article.comments_version + 1)
        )
        db.session.flush()
        db.session.add(ModerationEvent(
            comment_id=comment.id, moderator_id=None, action="approve", created_at=now,
            from_status=CommentStatus.PENDING, to_status=CommentStatus.APPROVED,
            note="; ".join(decision.markers),
        ))
    # Committed before the reader is told anything: a comment acknowledged is a comment stored.
    db.session.commit()
    done_writing()  # what follows only reads: render without holding SQLite's write lock
    return Outcome(decision, comment)
