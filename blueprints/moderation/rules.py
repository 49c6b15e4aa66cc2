"""Editing the numbered rules of the comment policy, as plain functions.

Moderators cite rules by number when they reject a comment, so the numbers stay 1..N without gaps:
a rule's text can be edited, a rule added as N+1, and only the last rule removed. A decision keeps
the number and text of the rule it cited (ModerationEvent.rule_number, rule_text), so editing or
removing a rule never changes what past decisions say. Every change is a row of the settings history
under the key "POLICY_RULE_<number>" (old and new text; None where there was or is no rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from talkback import settings
from talkback.extensions import db
from talkback.models import ModerationEvent, PolicyRule

from ..articles.content import policy_rules
from ..comments.fields import is_blank, strip_controls
from .site_settings import changes_since, conflict_message, rule_key

RULE_MAX = 500
NEW = "new"  # the key of the "add a rule" form in errors and drafts


class RuleError(ValueError):
    """The rule change cannot be made; the message says why."""


@dataclass(frozen=True)
class RuleRow:
    number: int
    text: str
    cited: int  # decisions that cited this rule


@dataclass
class RulesState:
    """The rules editor: the rules, and after a refused change its message and the typed text."""

    rules: list[RuleRow]
    since: int
    errors: dict[str, str] = field(default_factory=dict)
    drafts: dict[str, str] = field(default_factory=dict)
    focus: str = ""

    @property
    def last(self) -> RuleRow | None:
        return self.rules[-1] if self.rules else None


def rules_state(since: int, *, errors: dict[str, str] | None = None, drafts: dict[str, str] | None = None,
                focus: str = "") -> RulesState:
    cited = dict(db.session.execute(
        sa.select(ModerationEvent.rule_id, sa.func.count()).where(ModerationEvent.rule_id.is_not(None))
        .group_by(ModerationEvent.rule_id)).all())
    rows = [RuleRow(rule.number, rule.text, cited.get(rule.id, 0)) for rule in policy_rules()]
    return RulesState(rows, since, errors or {}, drafts or {}, focus)


def clean_text(raw: str | None) -> str:
    """A rule is one line: controls removed, spaces collapsed; 1 to RULE_MAX characters."""
    text = " ".join(strip_controls(" ".join((raw or "").split()), keep_newlines=False).split())
    if is_blank(text):
        raise RuleError("Write the rule; it cannot be empty.")
    if len(text) > RULE_MAX:
        raise RuleError(f"At most {RULE_MAX} characters ({len(text):,} given).")
    return text


def _rule(number: int) -> PolicyRule:
    rule = db.session.scalar(sa.select(PolicyRule).where(PolicyRule.number == number))
    if rule is None:
        raise RuleError(f"There is no rule {number} any more; the rules changed after this page was shown.")
    return rule


def edit(number: int, raw: str | None, moderator_id: int, since: int | None) -> bool:
    """Changes the text of rule `number`; returns False when the text is the same."""
    text = clean_text(raw)
    rule = _rule(number)
    if text == rule.text:
        return False
    newer = changes_since(since).get(rule_key(number)) if since is not None else None
    if newer is not None:
        if text == newer.old_value:
            return False  # left as shown; someone else's newer text stays
        raise RuleError(conflict_message(newer, rule.text))
    settings.audit(rule_key(number), rule.text, text, moderator_id)
    rule.text = text
    _commit()
    return True


def add(raw: str | None, moderator_id: int) -> int:
    """Adds a rule after the last; returns its number."""
    text = clean_text(raw)
    number = (db.session.scalar(sa.select(sa.func.max(PolicyRule.number))) or 0) + 1
    db.session.add(PolicyRule(number=number, text=text))
    settings.audit(rule_key(number), None, text, moderator_id)
    _commit()
    return number


@dataclass(frozen=True)
class Removed:
    number: int
    text: str
    cited: int


def remove_last(number: int, moderator_id: int) -> Removed:
    """Removes rule `number`, which must be the last (numbers are cited; no gaps). Decisions that
    cited it keep its number and text."""
    rules = policy_rules()
    if not rules or rules[-1].number != number:
        raise RuleError(f"Only the last rule can be removed, and rule {number} is not the last any more; "
                        "the rules changed after this page was shown.")
    if len(rules) == 1:
        raise RuleError("The policy needs at least one rule: every rejection cites one.")
    rule = rules[-1]
    cited = db.session.scalar(sa.select(sa.func.count()).select_from(ModerationEvent)
                              .where(ModerationEvent.rule_id == rule.id)) or 0
    removed = Removed(rule.number, rule.text, cited)
    settings.audit(rule_key(number), rule.text, None, moderator_id)
    db.session.delete(rule)
    _commit()
    return removed


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError as error:  # another admin added a rule at the same moment
        db.session.rollback()
        raise RuleError("Another admin changed the rules at the same moment; nothing was saved. "
                        "Try again.") from error
