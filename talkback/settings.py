"""Site settings: config defaults that an admin may override from the dashboard.

A request reads every override in one query (cached on `g`). The live counter must not touch the
database, so it reads the snapshot the last full request in this process left behind
(`snapshot()`); the snapshot is loaded at start too, so a fresh process has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from limits import parse_many

from .extensions import db
from .models import SettingChange, SiteSetting, utcnow


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    kind: type  # int, bool, str or list (a list of words, one per line in the form)
    help: str = ""
    minimum: int | None = None
    # Further check of a value of the right kind: returns a message for the admin, or None.
    check: Callable[[Any], str | None] | None = None


def check_rate_limit(value: Any) -> str | None:
    """A Flask-Limiter limit such as "5 per minute; 50 per day" (empty: no limit)."""
    if not value:
        return None
    try:
        limits = parse_many(str(value))
    except ValueError:
        return 'Write limits like "5 per minute; 50 per day", or leave it empty for no limit.'
    if any(limit.amount < 1 for limit in limits):
        return "Each limit must allow at least 1 request."
    return None


def rate_limit(settings: Settings, key: str) -> str:
    """A limit setting for Flask-Limiter; an unparsable stored value falls back to the config default
    (so a bad value can never break posting)."""
    value = settings[key]
    if check_rate_limit(value) is None:
        return value or ""
    current_app.logger.warning("ignoring invalid %s %r; using the default", key, value)
    default = current_app.config[key]
    return default if check_rate_limit(default) is None else ""


# The settings an admin can change on the dashboard; each defaults to the config key of that name.
EDITABLE: tuple[SettingSpec, ...] = (
    SettingSpec("COMMENT_MAX_LENGTH", "Longest comment (characters)", int, minimum=1),
    SettingSpec("COMMENT_FLOOD_SECONDS", "Seconds between two comments from one reader", int, minimum=0),
    SettingSpec("COMMENT_RATE_LIMIT", "Comments per IP address", str,
                "e.g. 5 per minute; 50 per day; empty = no limit", check=check_rate_limit),
    SettingSpec("COUNTER_RATE_LIMIT", "Character counter requests per IP address", str,
                "e.g. 120 per minute; empty = no limit", check=check_rate_limit),
    SettingSpec("COMMENT_MIN_FILL_SECONDS", "Fastest plausible time to fill the form (s)", int, minimum=0),
    SettingSpec("COMMENT_MAX_LINKS", "Hold a comment with this many links or more", int, minimum=1),
    SettingSpec("DISALLOWED_WORDS", "Disallowed words (spam), one per line", list),
    SettingSpec("HOLD_WORDS", "Hold words (held with a marker), one per line", list),
    SettingSpec("COMMENTS_CLOSE_AFTER_DAYS", "Close comments after (days, 0 = never)", int, minimum=0),
    SettingSpec("TRUST_APPROVED_AUTHORS", "Approve returning authors at once", bool),
    SettingSpec("POLICY_DISCLAIMER", "Disclaimer above the rules", str),
    SettingSpec("POLICY_FULL_TEXT", "The full comment policy", str),
)
EDITABLE_KEYS = {spec.key: spec for spec in EDITABLE}

_snapshot: dict[str, Any] = {}


class Settings:
    """Overrides from the database over the app's config."""

    def __init__(self, overrides: dict[str, Any]):
        self._overrides = overrides

    def __getitem__(self, key: str) -> Any:
        if key in self._overrides:
            return self._overrides[key]
        return current_app.config[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


def _load() -> dict[str, Any]:
    rows = db.session.execute(db.select(SiteSetting.key, SiteSetting.value)).all()
    overrides = {key: value for key, value in rows if key in EDITABLE_KEYS}
    _snapshot.clear()
    _snapshot.update(overrides)
    return overrides


def current() -> Settings:
    """This request's settings: one query, at most once per request."""
    if "talkback_settings" not in g:
        g.talkback_settings = Settings(_load())
    return g.talkback_settings


def snapshot() -> Settings:
    """Settings without a query, as the last full request in this process saw them."""
    return Settings(dict(_snapshot))


def load_snapshot() -> None:
    _load()


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
    db.session.add(SettingChange(key=key, old_value=old, new_value=value, moderator_id=moderator_id))
    g.pop("talkback_settings", None)
    return True
