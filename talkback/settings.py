"""Site settings: config defaults that an admin may override from the dashboard.

A request reads every override, with the policy rules, in one query (kept on `g` for the rest of
the request), so an admin's change holds from the next request on, in every process: the counter
and the validator read the same settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from flask import current_app, g
from limits import parse_many

from .extensions import db
from .models import PolicyRule, SettingChange, SiteSetting, utcnow


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    kind: type  # int, bool, str or list (a list of words, one per line in the form)
    help: str = ""
    minimum: int | None = None
    # The largest sensible value of an int: beyond it a duration or date would overflow.
    maximum: int | None = None
    # Further check of a value of the right kind: returns a message for the admin, or None.
    check: Callable[[Any], str | None] | None = None


def check_rate_limit(value: Any) -> str | None:
    """A Flask-Limiter limit such as "5 per minute; 50 per day" (empty: no limit)."""
    if not value:
        return None
    return _check_limit_text(str(value))


@lru_cache(maxsize=64)  # the counter checks its limit on every request
def _check_limit_text(value: str) -> str | None:
    try:
        limits = parse_many(value)
    except ValueError:
        return 'Write limits like "5 per minute; 50 per day", or leave it empty for no limit.'
    if any(limit.amount < 1 for limit in limits):
        return "Each limit must allow at least 1 request."
    return None


def check_not_blank(value: Any) -> str | None:
    """Texts that readers must always see (the policy) cannot be emptied."""
    return None if str(value or "").strip() else "Write the text; it cannot be empty."


def check_comment_length(value: Any) -> str | None:
    """A comment of the longest length must still fit in one request (MAX_CONTENT_LENGTH)."""
    most = longest_comment_allowed()
    if isinstance(value, int) and value > most:
        return (f"At most {most:,}: a longer comment in some scripts would not fit in one request "
                f"(MAX_CONTENT_LENGTH is {current_app.config['MAX_CONTENT_LENGTH']:,} bytes).")
    return None


def longest_comment_allowed() -> int:
    """A character can take 9 bytes form-encoded (3 in UTF-8, each sent as %XX); 8 KiB are left for
    the other fields. Rounded down to hundreds."""
    room = (current_app.config["MAX_CONTENT_LENGTH"] or 0) - 8 * 1024
    return max(100, room // 9 // 100 * 100)


def check_time_zone(value: Any) -> str | None:
    if str(value) in available_timezones():
        return None
    return "Enter a time zone by its IANA name, like America/Dominica or Europe/London."


def rate_limit(settings: Settings, key: str) -> str:
    """A limit setting for Flask-Limiter; an unparsable stored value falls back to the config default
    (so a bad value can never break posting)."""
    value = settings[key]
    if check_rate_limit(value) is None:
        return value or ""
    logging.getLogger("talkback").warning("ignoring invalid %s %r; using the default", key, value)
    default = settings.default(key)
    return default if check_rate_limit(default) is None else ""


# The settings an admin can change on the dashboard; each defaults to the config key of that name.
EDITABLE: tuple[SettingSpec, ...] = (
    SettingSpec("SITE_NAME", "Site name", str,
                "At the top and bottom of every page and in every page title.", check=check_not_blank),
    SettingSpec("SITE_OWNER", "Owner (who publishes the site)", str,
                "Replaces {site} in the copyright line and the comment policy.", check=check_not_blank),
    SettingSpec("COPYRIGHT_NOTICE", "Default copyright line", str,
                "Under every article that has no copyright line of its own. {site} is replaced by the "
                "owner’s name.", check=check_not_blank),
    SettingSpec("SITE_TIMEZONE", "Time zone", str,
                "Dates and times on every page, and the times editors type, are in this zone: its IANA "
                "name, like America/Dominica.", check=check_time_zone),
    SettingSpec("COMMENT_MAX_LENGTH", "Longest comment (characters)", int,
                "Counted as readers see characters (an emoji is one). The counter under the comment form "
                "and the check on posting use the new limit at once.",
                minimum=1, check=check_comment_length),
    SettingSpec("COMMENT_FLOOD_SECONDS", "Seconds between two comments from one reader", int,
                "Counted per IP address and per email address. 0 turns the check off; logged-in "
                "moderators are exempt.", minimum=0, maximum=86_400),
    SettingSpec("COMMENT_RATE_LIMIT", "Comments per IP address", str,
                "Limits separated by semicolons, e.g. 5 per minute; 50 per day. Empty: no limit. "
                "Forms sent back with errors do not count; moderators are exempt.", check=check_rate_limit),
    SettingSpec("COUNTER_RATE_LIMIT", "Character counter requests per IP address", str,
                "The live counter asks at each pause in typing, so allow far more than comments, "
                "e.g. 120 per minute. Empty: no limit.", check=check_rate_limit),
    SettingSpec("COMMENT_MIN_FILL_SECONDS", "Fastest plausible time to fill the form (s)", int,
                "A form sent sooner than this after it was shown is stored as spam (bots fill forms "
                "at once). 0 turns the check off.", minimum=0, maximum=600),
    SettingSpec("COMMENT_MAX_LINKS", "Hold a comment with this many links or more", int,
                "Such a comment waits in the queue with a marker (“3 links”).", minimum=1, maximum=1000),
    SettingSpec("DISALLOWED_WORDS", "Disallowed words (spam), one per line", list,
                "Whole words or phrases, not case-sensitive, matched in the name, email, website and "
                "text. A comment with one is stored as spam."),
    SettingSpec("HOLD_WORDS", "Hold words (held with a marker), one per line", list,
                "Matched like disallowed words; a comment with one waits in the queue with a marker "
                "(“hold word: …”)."),
    SettingSpec("COMMENTS_CLOSE_AFTER_DAYS", "Close comments after (days, 0 = never)", int,
                "Counted from the article’s publication; each article also has its own switch.",
                minimum=0, maximum=36_500),
    SettingSpec("TRUST_APPROVED_AUTHORS", "Approve returning authors at once", bool,
                "Publishes at once a comment whose name and email already have an approved comment, "
                "unless screening held it. Off by default: the site promises that every comment is "
                "approved before it is posted."),
    SettingSpec("POLICY_DISCLAIMER", "Disclaimer above the rules", str,
                "Shown above the numbered rules under every article. {site} is replaced by the site "
                "owner’s name.", check=check_not_blank),
    SettingSpec("POLICY_FULL_TEXT", "The full comment policy", str,
                "The policy page; leave a blank line between paragraphs. {site} is replaced by the site "
                "owner’s name. The numbered rules follow it.", check=check_not_blank),
)
EDITABLE_KEYS = {spec.key: spec for spec in EDITABLE}

class Settings:
    """Overrides from the database over the app's config."""

    def __init__(self, overrides: dict[str, Any], config: dict[str, Any] | None = None):
        self._overrides = overrides
        self._config = current_app.config if config is None else config

    def __getitem__(self, key: str) -> Any:
        if key in self._overrides:
            return self._overrides[key]
        return self._config[key]

    def default(self, key: str) -> Any:
        """The app's config value, whatever the site overrides it with."""
        return self._config[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


@dataclass(frozen=True, order=True)
class Rule:
    """A policy rule as readers see it (the moderation pages use the model)."""

    number: int
    text: str


@dataclass(frozen=True)
class SiteState:
    overrides: dict[str, Any]
    rules: tuple[Rule, ...]
    # A digest of the rows both were read from: the same exactly when they are.
    digest: str = ""


# Settings overrides and policy rules in one Core statement (the reader pages need both), read on
# every request.
_STATE_STATEMENT = sa.union_all(
    sa.select(sa.literal(0).label("kind"), SiteSetting.key.label("name"),
              sa.cast(sa.null(), sa.Integer).label("number"),
              sa.cast(SiteSetting.value, sa.Text).label("value")),
    sa.select(sa.literal(1), sa.cast(sa.null(), sa.String), PolicyRule.number, PolicyRule.text),
)


def _read_state() -> SiteState:
    # On the session's connection (it sees this transaction's own changes), as Core.
    rows = [tuple(row) for row in db.session.connection().execute(_STATE_STATEMENT)]
    overrides = {name: json.loads(value) for kind, name, _, value in rows
                 if kind == 0 and name in EDITABLE_KEYS}
    rules = tuple(sorted(Rule(number, text) for kind, _, number, text in rows if kind == 1))
    digest = hashlib.sha256(json.dumps(sorted(rows, key=repr), default=str).encode()).hexdigest()
    return SiteState(overrides, rules, digest)


def site_state() -> SiteState:
    """This request's settings overrides and policy rules: one query, at most once per request."""
    if "talkback_site_state" not in g:
        g.talkback_site_state = _read_state()
    return g.talkback_site_state


def current() -> Settings:
    """This request's settings: one query (with the policy rules), at most once per request."""
    if "talkback_settings" not in g:
        g.talkback_settings = Settings(site_state().overrides)
    return g.talkback_settings


def public_rules() -> tuple[Rule, ...]:
    """The policy rules, numbered in order (read with the settings)."""
    return site_state().rules


def change(key: str, value: Any, moderator_id: int | None) -> bool:
    """Store an override and audit it; returns False when nothing changed."""
    spec = EDITABLE_KEYS[key]
    old = current()[spec.key]
    if old == value:
        return False
    row = db.session.get(SiteSetting, key)
    if row is None:
        row = SiteSetting(key=key)
        db.session.add(row)
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = moderator_id
    audit(key, old, value, moderator_id)
    return True


def audit(key: str, old: Any, new: Any, moderator_id: int | None) -> SettingChange:
    """One row of the settings history (a setting, or a policy rule: "POLICY_RULE_3")."""
    row = SettingChange(key=key, old_value=old, new_value=new, moderator_id=moderator_id)
    db.session.add(row)
    forget()
    return row


def forget() -> None:
    """Settings and rules are read afresh at their next use in this request (after a change)."""
    g.pop("talkback_settings", None)
    g.pop("talkback_site_state", None)
