"""The comment form. Field rules live in fields.py; this binds them to WTForms and CSRF."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.validators import ValidationError

from . import fields

REMEMBER_LABEL = "Save my name, email, and website in this browser for the next time I comment."


class CommentForm(FlaskForm):
    author_name = StringField("Name")
    author_email = EmailField("Email")
    author_website = StringField("Website")
    body = TextAreaField("Comment")
    remember = BooleanField(REMEMBER_LABEL)

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = max_length
        self.cleaned: dict[str, str] = {}

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
