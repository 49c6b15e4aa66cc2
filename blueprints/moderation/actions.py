"""Moderation decisions: every change to a comment's status or text, each recorded as a
ModerationEvent, each refused when the comment changed since the moderator's page showed it.

A decision names the revision of the comment it was made on. The change is written with
`UPDATE … WHERE id = ? AND revision = ?`, so of two moderators deciding at once exactly one
wins and the other is told who got there first ("Already approved by Anna 12 seconds ago"), on
SQLite and PostgreSQL alike. Every decision also bumps its article's `comments_version`, the key
under which the public comment list may be cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value

from talkback import settings
from talkback.extensions import db
from talkback.models import Comment, CommentStatus, ModerationEvent, Moderator, PolicyRule, utcnow

from ..comments.cache import bump_comments_version
from ..comments.fields import FieldError, clean_body

# Decisions that move a comment to a status, by the name of their button and endpoint.
STATUS_OF: dict[str, CommentStatus] = {
    "approve": CommentStatus.APPROVED,
    "reject": CommentStatus.REJECTED,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
    "restore": CommentStatus.PENDING,
}
# How the log and the messages say what a decision did.
DONE: dict[str, str] = {
    "approve": "approved",
    "reject": "rejected",
    "spam": "marked as spam",
    "trash": "moved to the trash",
    "restore": "restored to pending",
    "edit": "edited",
    "reply": "replied to",
    "undo": "changed back (undo)",
}
# Comments a staff reply may answer (replying approves the comment).
REPLYABLE = (CommentStatus.PENDING, CommentStatus.APPROVED)


class Refused(Exception):
    """The decision cannot be made as asked (HTTP 422): no rule chosen, an empty text, too late."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Conflict(Refused):
    """The comment changed since the moderator saw it (HTTP 409)."""


def decisions_for(status: CommentStatus) -> list[str]:
    """The status decisions that make sense for a comment in `status`, in button order."""
    return [action for action, target in STATUS_OF.items() if target != status]


def ago(when: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or utcnow()) - when).total_seconds()))
    if seconds < 2:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"  # pragma: no cover


def _name(moderator: Moderator | None) -> str:
    return moderator.name if moderator is not None else "a former moderator"


def latest_event(comment_id: int) -> ModerationEvent | None:
    return db.session.scalar(
        sa.select(ModerationEvent).where(ModerationEvent.comment_id == comment_id)
        .order_by(ModerationEvent.id.desc()).limit(1)
    )


def conflict_message(comment: Comment) -> str:
    event = latest_event(comment.id)
    if event is None:
        return "This comment changed since your page showed it; here it is as it is now."
    return f"Already {DONE.get(event.action, 'changed')} by {_name(event.moderator)} {ago(event.created_at)}."


def _check_fresh(comment: Comment, revision: int | None) -> None:
    if revision is None or comment.revision != revision:
        raise Conflict(conflict_message(comment))


def _claim(comment: Comment, revision: int, now: datetime, **values) -> None:
    """Writes `values` if the comment is still at `revision`; the loser of a race gets Conflict."""
    changes = {"revision": revision + 1, **values}
    if "status" in values:
        changes["status_changed_at"] = now
    result = db.session.execute(
        sa.update(Comment).where(Comment.id == comment.id, Comment.revision == revision).values(**changes),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        db.session.refresh(comment)
        raise Conflict(conflict_message(comment))
    for key, value in changes.items():
        set_committed_value(comment, key, value)
    bump_comments_version(comment.article_id)


def _record(comment_id: int, moderator: Moderator, action: str, now: datetime, *,
            from_status: CommentStatus, to_status: CommentStatus, **details) -> ModerationEvent:
    """Adds the event; called once the change it records has been written."""
    event = ModerationEvent(
        comment_id=comment_id, moderator_id=moderator.id, action=action, created_at=now,
        from_status=from_status, to_status=to_status, **details,
    )
    db.session.add(event)
    return event


def _rule(number: int | None) -> PolicyRule:
    rule = db.session.scalar(sa.select(PolicyRule).where(PolicyRule.number == number)) if number else None
    if rule is None:
        raise Refused("Choose the rule of the comment policy that the comment broke.")
    return rule


def _decide(comment: Comment, revision: int | None, action: str, moderator: Moderator, *,
            rule: PolicyRule | None, note: str, now: datetime) -> ModerationEvent:
    target = STATUS_OF[action]
    _check_fresh(comment, revision)
    if comment.status == target:
        raise Refused(f"This comment is already {target.value}.")
    details = {}
    if rule is not None:
        details = {"rule_id": rule.id, "rule_number": rule.number, "rule_text": rule.text}
    before = comment.status
    _claim(comment, revision, now, status=target)
    return _record(comment.id, moderator, action, now, from_status=before, to_status=target,
                   note=note.strip(), **details)


def decide(comment: Comment, revision: int | None, action: str, moderator: Moderator, *,
           rule_number: int | None = None, note: str = "") -> ModerationEvent:
    """Approve, reject (citing a rule), spam, trash or restore one comment."""
    rule = _rule(rule_number) if action == "reject" else None
    event = _decide(comment, revision, action, moderator, rule=rule, note=note, now=utcnow())
    db.session.commit()
    return event


@dataclass
class Skipped:
    comment_id: int
    message: str
    comment: Comment | None = None


@dataclass
class BulkResult:
    events: list[ModerationEvent] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def decide_many(selection: list[tuple[int, int]], action: str, moderator: Moderator, *,
                rule_number: int | None = None, note: str = "") -> BulkResult:
    """The same decision on several comments, given as (id, revision) pairs; each comment that
    changed since the page showed it is skipped with the reason, the others are decided."""
    rule = _rule(rule_number) if action == "reject" else None
    ids = [comment_id for comment_id, _ in selection]
    comments = {c.id: c for c in db.session.scalars(sa.select(Comment).where(Comment.id.in_(ids)))}
    result, now = BulkResult(), utcnow()
    for comment_id, revision in selection:
        comment = comments.get(comment_id)
        if comment is None:
            result.skipped.append(Skipped(comment_id, "That comment no longer exists."))
            continue
        try:
            result.events.append(_decide(comment, revision, action, moderator, rule=rule, note=note, now=now))
        except Refused as refusal:
            result.skipped.append(Skipped(comment_id, refusal.message, comment))
    db.session.commit()
    return result


def _clean(raw: str) -> str:
    try:
        return clean_body(raw, settings.current()["COMMENT_MAX_LENGTH"])
    except FieldError as error:
        raise Refused(str(error)) from None


def edit(comment: Comment, revision: int | None, raw_body: str, moderator: Moderator,
         note: str = "") -> ModerationEvent:
    """Changes the text; the event keeps the text before and after."""
    body = _clean(raw_body)
    _check_fresh(comment, revision)
    if body == comment.body:
        raise Refused("The text is unchanged.")
    now, previous = utcnow(), comment.body
    _claim(comment, revision, now, body=body)
    event = _record(comment.id, moderator, "edit", now, from_status=comment.status, to_status=comment.status,
                    note=note.strip(), previous_body=previous, new_body=body)
    db.session.commit()
    return event


def reply(comment: Comment, revision: int | None, raw_body: str, moderator: Moderator, *,
          ip: str, user_agent: str) -> tuple[ModerationEvent, Comment]:
    """Publishes an approved staff reply under the moderator's name and approves the comment."""
    body = _clean(raw_body)
    _check_fresh(comment, revision)
    if comment.status not in REPLYABLE:
        raise Refused("Restore the comment to pending before replying to it.")
    now = utcnow()
    answer = Comment(
        article_id=comment.article_id, parent_id=comment.id, body=body, author_name=moderator.name,
        author_email="", author_website="", author_ip=ip, user_agent=user_agent[:400],
        submitted_at=now, status_changed_at=now, status=CommentStatus.APPROVED, held_for=[],
        staff_moderator_id=moderator.id,
    )
    before = comment.status
    _claim(comment, revision, now, status=CommentStatus.APPROVED)
    db.session.add(answer)
    event = _record(comment.id, moderator, "reply", now, from_status=before,
                    to_status=CommentStatus.APPROVED, new_body=body)
    db.session.commit()
    return event, answer


def _staff_reply_of(event: ModerationEvent) -> Comment | None:
    """The reply a "reply" event published (same parent, same moderator, same instant)."""
    return db.session.scalar(
        sa.select(Comment).where(Comment.parent_id == event.comment_id,
                                 Comment.staff_moderator_id == event.moderator_id,
                                 Comment.submitted_at == event.created_at)
    )


def undoable(event: ModerationEvent, moderator: Moderator, now: datetime | None = None) -> bool:
    """Whether `moderator` may still undo `event` (their own, recent, not itself an undo)."""
    if event.action == "undo" or (event.moderator_id != moderator.id and not moderator.is_admin):
        return False
    return (now or utcnow()) - event.created_at <= timedelta(seconds=current_app.config["UNDO_SECONDS"])


def _undo_one(event: ModerationEvent, moderator: Moderator, now: datetime) -> ModerationEvent:
    if not undoable(event, moderator, now):
        if event.action == "undo":
            raise Refused("An undo cannot itself be undone; make the decision again instead.")
        if event.moderator_id != moderator.id and not moderator.is_admin:
            raise Refused("Only the moderator who made a decision can undo it.")
        raise Refused("It is too late to undo that decision; make a new one instead.")
    comment = event.comment
    latest = latest_event(comment.id)
    if latest is None or latest.id != event.id:
        raise Conflict(conflict_message(comment))
    before = comment.status
    values: dict = {"status": event.from_status} if event.from_status != before else {}
    details: dict = {}
    if event.action == "edit":
        values["body"] = event.previous_body
        details = {"previous_body": comment.body, "new_body": event.previous_body}
    _claim(comment, comment.revision, now, **values)
    undo_event = _record(comment.id, moderator, "undo", now, from_status=before, to_status=event.from_status,
                         undoes_event_id=event.id, **details)
    if event.action == "reply":
        answer = _staff_reply_of(event)
        if answer is not None and answer.status == CommentStatus.APPROVED:
            _claim(answer, answer.revision, now, status=CommentStatus.TRASH)
            _record(answer.id, moderator, "undo", now, from_status=CommentStatus.APPROVED,
                    to_status=CommentStatus.TRASH, undoes_event_id=event.id)
    return undo_event


def undo(event_ids: list[int], moderator: Moderator) -> BulkResult:
    """Reverses recent decisions, each only if nothing happened to its comment since."""
    events = list(db.session.scalars(
        sa.select(ModerationEvent).where(ModerationEvent.id.in_(event_ids)).order_by(ModerationEvent.id)
    ).unique())
    result, now = BulkResult(), utcnow()
    for event in events:
        try:
            result.events.append(_undo_one(event, moderator, now))
        except Refused as refusal:
            result.skipped.append(Skipped(event.comment_id, refusal.message, event.comment))
    db.session.commit()
    return result
