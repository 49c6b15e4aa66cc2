"""The comment form. Field rules live in fields.py; this binds them to WTForms and CSRF, and adds
two bot traps that screening.py judges:

- a honeypot field (`url`, the name WordPress gives its website field, which comment bots fill
  in), hidden from people and from assistive technology, so only a bot fills it;
- a signed stamp of when the form was rendered (`rendered_at`), so a form sent faster than a
  person could type is recognised. A re-rendered form (errors, refusals, the no-JS smiley
  button) keeps its original stamp.
"""

from __future__ import annotations

import time

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from . import fields

AUTHOR_FIELDS = ("author_name", "author_email", "author_website")
# A browser sends each of these once; a request with one repeated is not from our form.
FORM_FIELDS = (*AUTHOR_FIELDS, "body", "url", "rendered_at", "remember", "csrf_token", "smiley")
REMEMBER_LABEL = "Save my name, email, and website in this browser for the next time I comment."
HONEYPOT_LABEL = "Leave this field empty"
_STAMP_SALT = "comment-form-rendered"


def _stamps() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_STAMP_SALT)


# The stamp of the current tenth of a second, per secret key: every form rendered in the same tenth
# gets the same stamp (it says when, not to whom), so a busy page signs ten a second, not one per view.
_recent: dict[str, tuple[float, str]] = {}


def form_stamp(now: float | None = None) -> str:
    """A signed record of when a form was rendered (`now`: seconds since the epoch), to the tenth of
    a second, rounded down (a form never looks older than it is by more than that)."""
    if now is not None:
        return _stamps().dumps(round(now, 3))
    tenth = int(time.time() * 10) / 10
    key = current_app.config["SECRET_KEY"]
    made = _recent.get(key)
    if made is None or made[0] != tenth:
        if len(_recent) > 8:
            _recent.clear()  # secret keys come and go only in tests
        made = _recent[key] = (tenth, _stamps().dumps(tenth))
    return made[1]


def stamp_age(stamp: str | None, now: float | None = None) -> float | None:
    """Seconds since `stamp` was made; None when it is missing or not one of ours."""
    if not stamp:
        return None
    try:
        rendered = _stamps().loads(stamp)
    except BadSignature:
        return None
    if not isinstance(rendered, int | float) or isinstance(rendered, bool):
        return None
    return (time.time() if now is None else now) - rendered


class CommentForm(FlaskForm):
    author_name = StringField("Name")
    author_email = EmailField("Email")
    author_website = StringField("Website")
    body = TextAreaField("Comment")
    remember = BooleanField(REMEMBER_LABEL)
    url = StringField(HONEYPOT_LABEL)  # the honeypot
    rendered_at = HiddenField()

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = max_length
        self.cleaned: dict[str, str] = {}
        # Judged from what was posted; a missing or forged stamp is replaced for the re-render.
        self.form_age = stamp_age(self.rendered_at.data)
        if self.form_age is None:
            self.rendered_at.data = form_stamp()

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
