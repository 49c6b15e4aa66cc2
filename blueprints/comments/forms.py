"""The comment form. Field rules live in fields.py; this binds them to WTForms and adds two bot
traps that screening.py judges:

- a honeypot field (`url`, the name WordPress gives its website field, which comment bots fill
  in), hidden from people and from assistive technology, so only a bot fills it;
- a signed stamp of when the form was rendered (`rendered_at`, itsdangerous' TimestampSigner), so a
  form sent faster than a person could type is recognised. A re-rendered form (errors, refusals,
  the no-JS smiley button) keeps its original stamp. A stamp older than FORM_STAMP_MAX_AGE has
  expired (a replayed old stamp is worth nothing); a forged one counts as none.

The form carries no CSRF token: it sits on the anonymous article page, which is the same bytes for
every reader (cacheable). Its views are guarded by the request's origin instead (origin.py).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from . import fields

AUTHOR_FIELDS = ("author_name", "author_email", "author_website")
# A browser sends each of these once; a request with one repeated is not from our form.
FORM_FIELDS = (*AUTHOR_FIELDS, "body", "url", "rendered_at", "submission_key", "remember", "smiley")
REMEMBER_LABEL = "Save my name, email, and website in this browser for the next time I comment."
HONEYPOT_LABEL = "Leave this field empty"
_STAMP_SALT = "comment-form-rendered"
# What site.js puts in submission_key (a random UUID); anything else is ignored, not refused.
SUBMISSION_KEY = re.compile(r"[A-Za-z0-9-]{16,64}")


class _StampSigner(TimestampSigner):
    """A TimestampSigner that can sign a given moment (tests back-date forms with it)."""

    def __init__(self, secret_key: str, at: float | None = None) -> None:
        super().__init__(secret_key, salt=_STAMP_SALT)
        self.at = at

    def get_timestamp(self) -> int:
        return super().get_timestamp() if self.at is None else int(self.at)


def form_stamp(now: float | None = None) -> str:
    """A signed record of when a form was rendered (`now`: seconds since the epoch; default now)."""
    return _StampSigner(current_app.config["SECRET_KEY"], now).sign("form").decode()


@dataclass(frozen=True)
class StampAge:
    seconds: float | None  # since the form was rendered; None when missing, forged or expired
    expired: bool = False  # ours, but older than FORM_STAMP_MAX_AGE


def stamp_age(stamp: str | None, now: float | None = None) -> StampAge:
    """How old `stamp` is. A stamp has one-second resolution, rounded down: a form never looks
    younger than it is."""
    if not stamp:
        return StampAge(None)
    signer = _StampSigner(current_app.config["SECRET_KEY"])
    try:
        _, signed_at = signer.unsign(stamp, max_age=current_app.config["FORM_STAMP_MAX_AGE"],
                                     return_timestamp=True)
    except SignatureExpired:
        return StampAge(None, expired=True)
    except BadSignature:
        return StampAge(None)
    return StampAge((time.time() if now is None else now) - signed_at.timestamp())


class CommentForm(FlaskForm):
    author_name = StringField("Name")
    author_email = EmailField("Email")
    author_website = StringField("Website")
    body = TextAreaField("Comment")
    remember = BooleanField(REMEMBER_LABEL)
    url = StringField(HONEYPOT_LABEL)  # the honeypot
    rendered_at = HiddenField()
    # Empty on the page (the same for every reader); the browser fills it in (site.js).
    submission_key = HiddenField()

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = max_length
        self.cleaned: dict[str, str] = {}
        # Judged from what was posted; a missing, forged or expired stamp is replaced for the
        # re-render.
        self.stamp = stamp_age(self.rendered_at.data)
        if self.stamp.seconds is None:
            self.rendered_at.data = form_stamp()

    class Meta:
        csrf = False  # guarded by origin.py instead (the page is the same for every reader)

    def _clean(self, field, rule, *args) -> None:
        try:
            self.cleaned[field.name] = rule(field.data or "", *args)
        except fields.FieldError as error:
            raise ValidationError(str(error)) from None

    def validate_author_name(self, field) -> None:
        self._clean(field, fields.clean_name)

    def validate_author_email(self, field) -> None:
        self._clean(field, fields.clean_email)

    def validate_author_website(self, field) -> None:
        self._clean(field, fields.clean_website)

    def validate_body(self, field) -> None:
        self._clean(field, fields.clean_body, self.max_length)

    def validate_submission_key(self, field) -> None:
        self.cleaned[field.name] = field.data if SUBMISSION_KEY.fullmatch(field.data or "") else None
