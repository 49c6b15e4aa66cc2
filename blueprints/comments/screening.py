"""Screening: the site's rules, run in order on every new comment, returning one decision.

A rule looks at the article, the submission and the settings and returns None (no opinion) or a
Decision. `refuse` stops the comment with a message and an HTTP status; `spam` stores it as spam;
`hold` adds a marker (why a moderator should look) and lets later rules run. Whatever is not
refused or spam is stored pending, with every marker that fired, unless trust mode approves it.

The rules, in order (each is a plain function the tests call directly):

1. closed      the article is closed (per-article switch or COMMENTS_CLOSE_AFTER_DAYS) → 403
2. duplicate   same article, name, email and normalised body, any status but trash    → 409
3. flood       a comment from this IP or email under COMMENT_FLOOD_SECONDS ago        → 429
               (logged-in moderators are exempt)
4. bot traps   the honeypot field filled in, or the form sent under
               COMMENT_MIN_FILL_SECONDS after it was rendered, or without a valid
               signed stamp while that check is on                                    → spam
               a stamp of ours older than FORM_STAMP_MAX_AGE (a tab left open)       → held
5. disallowed  a DISALLOWED_WORDS entry in name, email, website or body               → spam
6. hold words  a HOLD_WORDS entry in name, email, website or body                     → held
7. links       COMMENT_MAX_LINKS or more links in the body                            → held
then trust mode (TRUST_APPROVED_AUTHORS, off by default): a comment that nothing held, from a
name and email that already have an approved comment, is approved at once.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus, utcnow
from talkback.settings import Settings

from .text import find_links


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
    # What a person never sees and so never fills in (the form's honeypot field).
    honeypot: str = ""
    # Seconds between rendering the form and sending it, from the form's signed stamp; None when
    # the stamp is missing or forged. The default (infinity) is for comments that did not come
    # through the public form.
    form_age: float | None = math.inf
    # The browser's name for this submission (forms.SUBMISSION_KEY), or None.
    key: str | None = None
    # The stamp is ours but older than FORM_STAMP_MAX_AGE: a person may well have left the page
    # open that long, so it is held for a moderator, never binned.
    stamp_expired: bool = False


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


def spam(marker: str) -> Decision:
    return Decision(CommentStatus.SPAM, markers=[marker])


CLOSED_MESSAGE = "Comments are closed."
DUPLICATE_MESSAGE = "Duplicate comment detected; it looks as though you’ve already said that!"
FLOOD_MESSAGE = "You are posting comments too quickly. Slow down."

# --- 1. closed ------------------------------------------------------------------------------


def comments_closed(article: Article, settings: Settings) -> bool:
    """Closed by hand, or by age: the article's own number of days (0: never) or else the site's."""
    if article.comments_closed:
        return True
    days = article.comments_close_after_days
    if days is None:
        days = settings["COMMENTS_CLOSE_AFTER_DAYS"]
    return bool(days) and article.published_at is not None and \
        utcnow() - article.published_at > timedelta(days=days)


def rule_closed(article: Article, submission: Submission, settings: Settings) -> Decision | None:
    if comments_closed(article, settings):
        return refuse(CLOSED_MESSAGE, 403)
    return None


# --- 2. duplicate ---------------------------------------------------------------------------


def normalise_for_comparison(text: str) -> str:
    """What two bodies must share to count as the same comment: compatibility-normalised,
    case-folded, whitespace runs collapsed ("Hello  World" and "hello world\\n" are one comment)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


_C = Comment.__table__.c
# Core statements built once (bound per call): screening runs on every post, under the writers' lock.
# Looked up by email (ix_comment_author_email: one author's comments, a handful): `article_id + 0`
# keeps SQLite from choosing the article's index instead, which read every comment on the article
# (work under the lock growing with the article; tests/test_query_counts.py checks the plan).
_SAME_AUTHOR_BODIES = sa.select(_C.author_name, _C.body).where(
    _C.author_email == sa.bindparam("email"),
    _C.article_id + 0 == sa.bindparam("article_id"),
    _C.status != CommentStatus.TRASH,
)


def rule_duplicate(article: Article, submission: Submission, settings: Settings) -> Decision | None:
    # Narrowed in SQL by article and email (indexed); the few bodies left are compared here.
    rows = db.session.execute(
        _SAME_AUTHOR_BODIES, {"article_id": article.id, "email": submission.author_email}
    ).all()
    if not rows:
        return None
    name = submission.author_name.casefold()
    body = normalise_for_comparison(submission.body)
    for row_name, row_body in rows:
        if row_name.casefold() == name and normalise_for_comparison(row_body) == body:
            return refuse(DUPLICATE_MESSAGE, 409)
    return None


# --- 3. flood -------------------------------------------------------------------------------

_NO_IP = ("", "unknown")


def rule_flood(article: Article, submission: Submission, settings: Settings) -> Decision | None:
    seconds = settings["COMMENT_FLOOD_SECONDS"]
    if not seconds or submission.moderator_id is not None:
        return None
    same_author = _C.author_email == submission.author_email
    if submission.ip not in _NO_IP:
        same_author = sa.or_(same_author, _C.author_ip == submission.ip)
    since = utcnow() - timedelta(seconds=seconds)
    recent = db.session.scalar(sa.select(sa.exists().where(same_author, _C.submitted_at > since)))
    return refuse(FLOOD_MESSAGE, 429) if recent else None


# --- 4. bot traps ---------------------------------------------------------------------------


def rule_bot_traps(article: Article, submission: Submission, settings: Settings) -> Decision | None:
    if submission.honeypot.strip():
        return spam("honeypot field filled in")
    minimum = settings["COMMENT_MIN_FILL_SECONDS"]
    if not minimum:  # the timing check is off, and with it the stamp
        return None
    if submission.stamp_expired:
        return hold("form stamp expired")
    if submission.form_age is None:
        return spam("form stamp missing or forged")
    if submission.form_age < minimum:
        return spam(f"sent {max(submission.form_age, 0):.1f} s after the form was shown")
    return None


# --- 5, 6. word lists -----------------------------------------------------------------------


def word_list(value: object) -> tuple[str, ...]:
    """A settings value as a list of words: a list, or text with one entry per line."""
    items: Iterable[object] = value.splitlines() if isinstance(value, str) else (value or [])  # type: ignore[assignment]
    words = (" ".join(str(item).split()) for item in items)
    return tuple(dict.fromkeys(word for word in words if word))


@functools.lru_cache(maxsize=32)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    # Whole words or phrases: not glued to a letter or digit on either side; inner spaces match
    # any run of whitespace. Longest first, so "free money" wins over "free".
    alternatives = sorted((_normalise_words(w) for w in words), key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, w.split())) for w in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _normalise_words(text: str) -> str:
    # Full-width and other compatibility forms ("ｃａｓｉｎｏ") match their plain letters.
    return unicodedata.normalize("NFKC", text).casefold()


def find_words(words: Iterable[str], submission: Submission) -> list[str]:
    """The entries of `words` found in the name, email, website or body (each once, in order)."""
    pattern = _word_pattern(word_list(list(words)))
    if pattern is None:
        return []
    text = "\n".join(
        (submission.author_name, submission.author_email, submission.author_website, submission.body)
    )
    found = (" ".join(m.group(0).split()) for m in pattern.finditer(_normalise_words(text)))
    return list(dict.fromkeys(found))


def rule_disallowed_words(article: Article, submission: Submission, settings: Settings) -> Decision | None:
    found = find_words(word_list(settings["DISALLOWED_WORDS"]), submission)
    return spam(f"disallowed word: {found[0]}") if found else None


def rule_hold_words(article: Article, submission: Submission, settings: Settings) -> Decision | None:
    found = find_words(word_list(settings["HOLD_WORDS"]), submission)
    if not found:
        return None
    return Decision(CommentStatus.PENDING, markers=[f"hold word: {word}" for word in found])


# --- 7. links -------------------------------------------------------------------------------


def rule_links(article: Article, submission: Submission, settings: Settings) -> Decision | None:
    limit = settings["COMMENT_MAX_LINKS"]
    count = len(find_links(submission.body))
    if limit and count >= limit:
        return hold(f"{count} link{'' if count == 1 else 's'}")
    return None


# --- trust mode -----------------------------------------------------------------------------


_AUTHOR_STATUSES = sa.select(_C.author_name, _C.status).where(_C.author_email == sa.bindparam("email"))


def trusted_author(submission: Submission) -> bool:
    """The name and email already have an approved comment (anywhere on the site)."""
    # By email alone (its index: one author's comments); the status is checked here, because with
    # it in the WHERE SQLite read every approved comment on the site through the status index.
    rows = db.session.execute(_AUTHOR_STATUSES, {"email": submission.author_email}).all()
    name = submission.author_name.casefold()
    return any(status == CommentStatus.APPROVED and n.casefold() == name for n, status in rows)


TRUST_MARKER = "approved at once: returning author (trust mode)"

Rule = Callable[[Article, Submission, Settings], "Decision | None"]

RULES: list[Rule] = [
    rule_closed,
    rule_duplicate,
    rule_flood,
    rule_bot_traps,
    rule_disallowed_words,
    rule_hold_words,
    rule_links,
]


# Rules that read other comments: they must run under the writers' lock, together with the insert
# (two identical posts at the same moment must not both pass). The others judge the submission
# alone and may run before the lock is taken (`prescreen`).
LOCKED_RULES: frozenset[Rule] = frozenset({rule_duplicate, rule_flood})


@dataclass(frozen=True)
class Prescreen:
    """What the rules outside LOCKED_RULES decided, and trust mode's read, made before the lock."""

    decisions: dict[Rule, Decision | None]
    # Trust mode's answer (None: not asked, because trust mode is off or a rule held the comment).
    trusted: bool | None = None


def prescreen(article: Article, submission: Submission, settings: Settings) -> Prescreen:
    """Runs every rule that reads no other comment, and trust mode's read when it could matter."""
    decisions = {rule: rule(article, submission, settings) for rule in RULES if rule not in LOCKED_RULES}
    trusted = None
    if settings["TRUST_APPROVED_AUTHORS"] and all(d is None for d in decisions.values()):
        # Not a safety check: an approval moments old may be missed as if the post came earlier.
        trusted = trusted_author(submission)
    return Prescreen(decisions, trusted)


def screen(article: Article, submission: Submission, settings: Settings,
           known: Prescreen | None = None) -> Decision:
    """The rules in order; those `known` decided already (before the lock) are not run again."""
    markers: list[str] = []
    for rule in RULES:
        if known is not None and rule in known.decisions:
            decision = known.decisions[rule]
        else:
            decision = rule(article, submission, settings)
        if decision is None:
            continue
        if decision.refused or decision.status is not CommentStatus.PENDING:
            return Decision(decision.status, markers + decision.markers, decision.message,
                            decision.http_status)
        markers.extend(decision.markers)
    if not markers and settings["TRUST_APPROVED_AUTHORS"]:
        trusted = known.trusted if known is not None and known.trusted is not None else None
        if trusted is None:
            trusted = trusted_author(submission)
        if trusted:
            return Decision(CommentStatus.APPROVED, [TRUST_MARKER])
    return Decision(CommentStatus.PENDING, markers)
