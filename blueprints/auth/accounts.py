"""Moderator accounts: create, list, change password or role, remove, check a login.

The CLI (`flask moderators …`) and the admin's page on the dashboard both call these. Passwords are
hashed with argon2 (argon2-cffi); the cost profile is the config key PASSWORD_HASH_PROFILE.
"""

from __future__ import annotations

import contextlib
import unicodedata

import argon2
import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from talkback.extensions import db
from talkback.models import Comment, Moderator, Role

from ..comments.cache import bump_comments_version

PASSWORD_MIN_LENGTH = 12
# Long enough for any passphrase; keeps one login from hashing megabytes.
PASSWORD_MAX_LENGTH = 1024
NAME_MAX_LENGTH = 80


class AccountError(ValueError):
    """A refusal meant for the person at the keyboard."""


def _hasher() -> argon2.PasswordHasher:
    profile = getattr(argon2.profiles, current_app.config["PASSWORD_HASH_PROFILE"])
    return argon2.PasswordHasher.from_parameters(profile)


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(f"The password must be at least {PASSWORD_MIN_LENGTH} characters long.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError(f"The password must be at most {PASSWORD_MAX_LENGTH} characters long.")


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise AccountError("The name must not be empty.")
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError(f"The name must be at most {NAME_MAX_LENGTH} characters long.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in name):
        raise AccountError("The name must not contain control or invisible characters.")
    return name


def find(name: str) -> Moderator | None:
    """The moderator of that name, ignoring case and surrounding spaces."""
    key = " ".join(name.split()).casefold()
    if not key:
        return None
    return db.session.scalar(sa.select(Moderator).where(sa.func.lower(Moderator.name) == key))


def all_moderators() -> list[Moderator]:
    return list(db.session.scalars(sa.select(Moderator).order_by(sa.func.lower(Moderator.name))))


def any_exist() -> bool:
    return db.session.scalar(sa.select(sa.exists().select_from(Moderator))) or False


def create_moderator(name: str, password: str, role: Role = Role.MODERATOR) -> Moderator:
    name = clean_name(name)
    check_password_rules(password)
    if find(name) is not None:
        raise AccountError(f"A moderator named {name!r} already exists.")
    moderator = Moderator(name=name, password_hash=_hasher().hash(password), role=role)
    db.session.add(moderator)
    db.session.commit()
    return moderator


def set_password(moderator: Moderator, password: str) -> None:
    """Changes the password and ends every session the moderator has open."""
    check_password_rules(password)
    moderator.password_hash = _hasher().hash(password)
    moderator.session_generation += 1
    db.session.commit()


def _admin_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Moderator).where(Moderator.role == Role.ADMIN)
    ) or 0


def set_role(moderator: Moderator, role: Role) -> None:
    if moderator.role == Role.ADMIN and role != Role.ADMIN and _admin_count() <= 1:
        raise AccountError("The last admin cannot stop being an admin; make someone else an admin first.")
    moderator.role = role
    db.session.commit()


def remove(moderator: Moderator) -> None:
    """Removes the account. Its decisions stay in the audit trail (without a name to show)."""
    if moderator.role == Role.ADMIN and _admin_count() <= 1 and len(all_moderators()) > 1:
        raise AccountError("The last admin cannot be removed while other moderators remain.")
    # Their staff replies lose the "Staff" badge (staff_moderator_id is set to NULL): public pages change.
    replied_on = sa.select(Comment.article_id).where(Comment.staff_moderator_id == moderator.id).distinct()
    for article_id in db.session.scalars(replied_on).all():
        bump_comments_version(article_id)
    db.session.delete(moderator)
    db.session.commit()


_DUMMY_HASHES: dict[str, str] = {}


def authenticate(name: str, password: str) -> Moderator | None:
    """The moderator when name and password match, else None. The work done is the same either
    way, so the time taken does not tell whether the name exists."""
    hasher = _hasher()
    moderator = find(name) if len(password) <= PASSWORD_MAX_LENGTH else None
    if moderator is None:
        profile = current_app.config["PASSWORD_HASH_PROFILE"]
        if profile not in _DUMMY_HASHES:
            _DUMMY_HASHES[profile] = hasher.hash("not a password of anyone's")
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASHES[profile], password[:PASSWORD_MAX_LENGTH])
        return None
    try:
        hasher.verify(moderator.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(moderator.password_hash):
        moderator.password_hash = hasher.hash(password)
        db.session.commit()
    return moderator
