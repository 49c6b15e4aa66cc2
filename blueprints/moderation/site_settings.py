"""The admin's site settings page as plain functions: reading and checking what the form sent,
saving the changes (each audited by `settings.change()`, all in one transaction), the form's state
for the template, and the settings history. The views (settings_views.py) only call these.

Two admins at once: the form carries `since`, the newest history row when it was shown. A setting
changed by someone after that, and also changed on this form, is refused with who changed it (the
typed value is kept, so saving again replaces theirs); a setting left as it was shown is not
written back over the newer value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, Field, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import StopValidation

from talkback import settings
from talkback.extensions import db
from talkback.models import SettingChange

from ..comments.fields import strip_controls
from ..comments.screening import word_list
from .actions import ago

HISTORY_SIZE = 50
# Longest single-line text (a rate limit) and longest multi-line text (a policy text), in characters.
LINE_MAX = 200
TEXT_MAX = 20_000
# A word list: the longest entry and the most entries.
WORD_MAX = 100
WORDS_MAX = 1000
# str settings edited in a textarea (the rest in a one-line field).
MULTILINE = frozenset({"POLICY_DISCLAIMER", "POLICY_FULL_TEXT"})


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    keys: tuple[str, ...]


GROUPS: tuple[Group, ...] = (
    Group("site", "Site", ("SITE_NAME", "SITE_OWNER", "COPYRIGHT_NOTICE", "SITE_TIMEZONE")),
    Group("comments", "Comments", (
        "COMMENT_MAX_LENGTH", "COMMENTS_CLOSE_AFTER_DAYS", "TRUST_APPROVED_AUTHORS")),
    Group("screening", "Screening & limits", (
        "COMMENT_FLOOD_SECONDS", "COMMENT_MIN_FILL_SECONDS", "COMMENT_MAX_LINKS", "DISALLOWED_WORDS",
        "HOLD_WORDS", "COMMENT_RATE_LIMIT", "COUNTER_RATE_LIMIT")),
    Group("policy", "Comment policy", ("POLICY_DISCLAIMER", "POLICY_FULL_TEXT")),
)


# The editable settings by key.
SPECS = {spec.key: spec for spec in settings.EDITABLE}


class SettingError(ValueError):
    """A value the admin typed cannot be used; the message says why and what to type."""


# --- Parsing one value ----------------------------------------------------------------------------

_INT = re.compile(r"[+-]?[0-9]+")
# Thousands separators people type: "1,500", "1 500", "1_500", a thin or no-break space.
_DIGIT_GROUPING = dict.fromkeys(map(ord, ",_ \u00a0\u202f\u2009"))


def parse_value(spec: settings.SettingSpec, raw: str | None) -> Any:
    """What the form field sent for `spec`, as a value of the setting's kind; raises SettingError.
    A check box sends its value when checked and nothing (None) when not."""
    if spec.kind is bool:
        return raw is not None and raw.strip().lower() in {"y", "yes", "on", "true", "1"}
    multiline = spec.kind is list or spec.key in MULTILINE
    # One-line fields: tabs and line breaks are spaces (before control characters go).
    text = strip_controls(raw or "" if multiline else " ".join((raw or "").split()), keep_newlines=multiline)
    if spec.kind is int:
        value = _parse_int(text, spec)
    elif spec.kind is list:
        value = _parse_words(text)
    else:
        value = _parse_text(text, multiline=spec.key in MULTILINE)
    problem = spec.check(value) if spec.check else None
    if problem:
        raise SettingError(problem)
    return value


def _parse_int(text: str, spec: settings.SettingSpec) -> int:
    digits = text.strip().translate(_DIGIT_GROUPING)
    if not digits:
        raise SettingError("Enter a whole number.")
    if not _INT.fullmatch(digits) or len(digits) > 15:
        raise SettingError(f"Enter a whole number, like {_example(spec)}.")
    value = int(digits)
    if spec.minimum is not None and value < spec.minimum:
        raise SettingError(f"Enter a number of at least {spec.minimum:,}.")
    if spec.maximum is not None and value > spec.maximum:
        raise SettingError(f"Enter a number no larger than {spec.maximum:,}.")
    return value


def _example(spec: settings.SettingSpec) -> str:
    default = current_app.config.get(spec.key)
    return f"{default}" if isinstance(default, int) and not isinstance(default, bool) else "10"


def _parse_words(text: str) -> list[str]:
    """One word or phrase a line; blank lines dropped, spaces collapsed, repeats (ignoring case)
    dropped, as screening reads them."""
    first: dict[str, str] = {}
    for word in word_list(text):
        first.setdefault(word.casefold(), word)
    words = list(first.values())
    too_long = next((word for word in words if len(word) > WORD_MAX), None)
    if too_long is not None:
        raise SettingError(f"Each line may hold at most {WORD_MAX} characters; "
                           f"“{too_long[:30]}…” is longer.")
    if len(words) > WORDS_MAX:
        raise SettingError(f"At most {WORDS_MAX:,} words or phrases ({len(words):,} given).")
    return words


def _parse_text(text: str, *, multiline: bool) -> str:
    if multiline:
        # Trailing spaces go; more than one blank line between paragraphs becomes one.
        lines = [line.rstrip() for line in text.split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
        most = TEXT_MAX
    else:
        text = " ".join(text.split())
        most = LINE_MAX
    if len(text) > most:
        raise SettingError(f"At most {most:,} characters ({len(text):,} given).")
    return text


# --- Reading the whole form -----------------------------------------------------------------------


class _Parsed:
    """WTForms validator: the text sent, as a value of the setting's kind (parse_value), kept on the
    field as `value`. A field the POST did not carry is not validated (it is left as it is)."""

    def __init__(self, spec: settings.SettingSpec):
        self.spec = spec

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if not _sent(form, field, self.spec):
            raise StopValidation()  # no message: not an error, just not on this form
        try:
            field.value = parse_value(self.spec, field.raw_data[0] if field.raw_data else None)
        except SettingError as error:
            raise StopValidation(str(error)) from error


def _sent(form: FlaskForm, field: Field, spec: settings.SettingSpec) -> bool:
    # A check box sends nothing when unchecked: only the `checkboxes` marker says it was on the form.
    return spec.key in form.checkboxes.data if spec.kind is bool else bool(field.raw_data)


def _field(spec: settings.SettingSpec) -> Field:
    validators = [_Parsed(spec)]
    if spec.kind is bool:
        return BooleanField(spec.label, validators=validators)
    if spec.kind is list or spec.key in MULTILINE:
        return TextAreaField(spec.label, validators=validators)
    return StringField(spec.label, validators=validators)


class SettingsForm(FlaskForm):
    """The site settings form: one field per editable setting (talkback/settings.EDITABLE), named by
    its key, plus `since` (the newest history row when the form was shown) and `checkboxes`."""

    since = StringField()
    checkboxes = SelectMultipleField(validate_choice=False)


for _spec in settings.EDITABLE:
    setattr(SettingsForm, _spec.key, _field(_spec))


@dataclass
class Submitted:
    """The settings form as sent: valid values to save, messages by key, and what was typed."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    typed: dict[str, Any] = field(default_factory=dict)


def parse_form(form: SettingsForm, site: settings.Settings) -> Submitted:
    """Every setting the form sent, parsed and checked, then compared with the changes made since
    the form was shown (`since`)."""
    form.validate()
    result = Submitted()
    since = form.since.data
    newer = changes_since(int(since)) if since and since.isdigit() else {}
    for spec in settings.EDITABLE:
        control = form[spec.key]
        if not _sent(form, control, spec):
            continue
        result.typed[spec.key] = bool(control.raw_data) if spec.kind is bool else control.raw_data[0]
        if control.errors:
            result.errors[spec.key] = control.errors[0]
            continue
        value, kind = control.value, spec.kind
        if spec.key in newer and normalised(value, kind) != normalised(site[spec.key], kind):
            change = newer[spec.key]
            if normalised(value, kind) == normalised(change.old_value, kind):
                result.typed.pop(spec.key)  # left as shown: keep, and show, the newer value
                continue
            result.errors[spec.key] = conflict_message(change, site[spec.key], spec)
            continue
        result.values[spec.key] = value
    return result


def changes_since(since: int) -> dict[str, Newer]:
    """For each key changed after history row `since`: its first change then (its old value is
    what a form shown at `since` showed), with the moderator of its latest change."""
    rows = db.session.scalars(
        sa.select(SettingChange).where(SettingChange.id > since).order_by(SettingChange.id)
    ).unique()
    first: dict[str, SettingChange] = {}
    latest: dict[str, SettingChange] = {}
    for row in rows:
        first.setdefault(row.key, row)
        latest[row.key] = row
    return {key: Newer(first[key].old_value, latest[key]) for key in first}


@dataclass(frozen=True)
class Newer:
    """A key changed since a form was shown: the value then, and its latest change."""

    old_value: Any
    latest: SettingChange


def conflict_message(newer: Newer, now: Any, spec: settings.SettingSpec | None = None) -> str:
    who = who_changed(newer.latest)
    return (f"{who} changed this {ago(newer.latest.created_at)}, after this page was shown; it is now "
            f"“{display(now, spec.kind if spec else str, limit=80)}”. Your value is kept here: "
            f"save again to replace theirs.")


def latest_change_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(SettingChange.id), 0))) or 0


# --- Saving ---------------------------------------------------------------------------------------


def save(values: Mapping[str, Any], moderator_id: int) -> list[str]:
    """Stores every value that differs, each with its history row, in one transaction; returns
    the keys that changed."""
    changed = [key for key, value in values.items() if settings.change(key, value, moderator_id)]
    try:
        db.session.commit()
    except IntegrityError as error:  # another admin stored the same setting's first override at once
        db.session.rollback()
        raise SettingError("Another admin saved settings at the same moment; nothing was saved. "
                           "Try again.") from error
    return changed


# --- The form's state for the template ------------------------------------------------------------


@dataclass
class FieldState:
    spec: settings.SettingSpec
    value: Any  # as it is now (override or default)
    default: Any
    typed: Any = None  # what was sent, shown instead of the value after an error
    error: str = ""

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def id(self) -> str:
        return "setting-" + self.key.lower().replace("_", "-")

    @property
    def control(self) -> str:
        """checkbox, number, line or textarea."""
        if self.spec.kind is bool:
            return "checkbox"
        if self.spec.kind is int:
            return "number"
        return "textarea" if self.spec.kind is list or self.key in MULTILINE else "line"

    @property
    def text(self) -> str:
        """What the field shows: the typed text after an error, else the value."""
        if self.typed is not None and self.spec.kind is not bool:
            return self.typed
        return as_text(self.value, self.spec.kind)

    @property
    def checked(self) -> bool:
        return bool(self.typed if self.typed is not None else self.value)

    @property
    def changed(self) -> bool:
        return normalised(self.value, self.spec.kind) != normalised(self.default, self.spec.kind)

    @property
    def default_text(self) -> str:
        return display(self.default, self.spec.kind)

    @property
    def rows(self) -> int:
        lines = self.text.count("\n") + 1 + len(self.text) // 90
        return max(4, min(lines + 1, 16))


@dataclass
class FormState:
    groups: list[tuple[Group, list[FieldState]]]
    since: int
    focus: str = ""  # the id of the element to focus after an htmx swap

    @property
    def errors(self) -> list[FieldState]:
        return [f for _, fields in self.groups for f in fields if f.error]


def form_state(site: settings.Settings, submitted: Submitted | None = None, *, focus: str = "") -> FormState:
    typed = submitted.typed if submitted else {}
    errors = submitted.errors if submitted else {}
    groups = []
    for group in GROUPS:
        fields = []
        for key in group.keys:
            spec = SPECS[key]
            fields.append(FieldState(spec, site[key], current_app.config[key],
                                     typed=typed.get(key), error=errors.get(key, "")))
        groups.append((group, fields))
    return FormState(groups, latest_change_id(), focus)


def as_text(value: Any, kind: type) -> str:
    if kind is list:
        return "\n".join(word_list(value))
    return "" if value is None else str(value)


def normalised(value: Any, kind: type) -> Any:
    return list(word_list(value)) if kind is list else value


def display(value: Any, kind: type = str, *, limit: int | None = None) -> str:
    """A value in a sentence or the history: lists joined, check boxes as on/off."""
    if value is None:
        text = "(none)"
    elif isinstance(value, bool):
        text = "on" if value else "off"
    elif kind is list or isinstance(value, list):
        words = word_list(value)
        text = ", ".join(words) if words else "(empty list)"
    elif value == "":
        text = "(empty)"
    else:
        text = str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


# --- History --------------------------------------------------------------------------------------


RULE_KEY = "POLICY_RULE_"


def rule_key(number: int) -> str:
    return f"{RULE_KEY}{number}"


@dataclass(frozen=True)
class HistoryEntry:
    change: SettingChange
    label: str
    old: str
    new: str


def history(limit: int = HISTORY_SIZE) -> list[HistoryEntry]:
    """The latest changes to settings and policy rules, newest first."""
    rows = db.session.scalars(
        sa.select(SettingChange).order_by(SettingChange.id.desc()).limit(limit)).unique()
    return [HistoryEntry(row, label_of(row.key), display_change(row.key, row.old_value, "old"),
                         display_change(row.key, row.new_value, "new")) for row in rows]


def label_of(key: str) -> str:
    if key.startswith(RULE_KEY):
        return f"Policy rule {key.removeprefix(RULE_KEY)}"
    spec = SPECS.get(key)
    return spec.label if spec else key


def display_change(key: str, value: Any, side: str) -> str:
    if key.startswith(RULE_KEY) and value is None:
        return "(no rule yet)" if side == "old" else "(removed)"
    spec = SPECS.get(key)
    return display(value, spec.kind if spec else str)


def who_changed(change: SettingChange) -> str:
    return change.moderator.name if change.moderator is not None else "A former moderator"
