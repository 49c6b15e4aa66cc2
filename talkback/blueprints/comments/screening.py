"""Screening: the site's rules, run in order on every new comment, returning one decision.

A rule looks at the article, the submission and the settings and returns None (no opinion) or a
Decision. `refuse` stops the comment with a message and an HTTP status; `spam` stores it as spam;
`hold` adds a marker (why a moderator should look) and lets later rules run. Whatever is not
refused or spam is stored pending, with every marker that fired.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from ...models import Article, CommentStatus, utcnow
from ...settings import Settings


@dataclass(frozen=True)
class Submission:
    """A validated comment as it arrives, with where it came from."""

    author_name: str
    author_email: str
    author_website: str
    body: str
    ip: str
    user_agent: str
    moderator_id: int | None = None


@dataclass(frozen=True)
class Decision:
    # None when the comment is refused (not stored).
    status: CommentStatus | None
    markers: list[str] = field(default_factory=list)
    message: str = ""
    http_status: int = 200

    @property
    def refused(self) -> bool:
        return self.status is None


def refuse(message: str, http_status: int) -> Decision:
    return Decision(None, message=message, http_status=http_status)


def hold(marker: str) -> Decision:
    return Decision(CommentStatus.PENDING, markers=[marker])


CLOSED_MESSAGE = "Comments are closed."


def comments_closed(article: Article, settings: Settings) -> bool:
    if article.comments_closed:
        return True
    days = settings["COMMENTS_CLOSE_AFTER_DAYS"]
    return bool(days) and utcnow() - article.published_at > timedelta(days=days)


def rule_closed(article: Article, submission: Submission, settings: Settings) -> Decision | None:
    if comments_closed(article, settings):
        return refuse(CLOSED_MESSAGE, 403)
    return None


Rule = Callable[[Article, Submission, Settings], "Decision | None"]

RULES: list[Rule] = [rule_closed]


def screen(article: Article, submission: Submission, settings: Settings) -> Decision:
    markers: list[str] = []
    for rule in RULES:
        decision = rule(article, submission, settings)
        if decision is None:
            continue
        if decision.refused or decision.status is not CommentStatus.PENDING:
            return Decision(decision.status, markers + decision.markers, decision.message,
                            decision.http_status)
        markers.extend(decision.markers)
    return Decision(CommentStatus.PENDING, markers)
