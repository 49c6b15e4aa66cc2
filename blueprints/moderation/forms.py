"""The admin's forms for moderator accounts (Flask-WTF: the CSRF token comes with each). What makes a
name or a password acceptable stays in auth/accounts.py, which every way of changing an account
(these forms, `flask moderators ...`) goes through; the forms only read and pair the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import AnyOf, EqualTo

from talkback.models import Role

PASSWORDS_DIFFER = "The two passwords differ; type the same password twice."


class PasswordForm(FlaskForm):
    password = PasswordField("Password")
    password_again = PasswordField("The same password again",
                                   validators=[EqualTo("password", PASSWORDS_DIFFER)])


ROLE_CHOICES = [
    SelectChoice(Role.MODERATOR.value, "Moderator (comments only)"),
    SelectChoice(Role.EDITOR.value, "Editor (articles only)"),
    SelectChoice(Role.ADMIN.value, "Admin (comments, articles, moderators and site settings)"),
]


class NewModeratorForm(PasswordForm):
    name = StringField("Name")
    role_choice = RadioField("Role", choices=ROLE_CHOICES, default=Role.MODERATOR.value)

    @property
    def role(self) -> Role:
        return Role(self.role_choice.data)


class RoleForm(FlaskForm):
    role = StringField(validators=[AnyOf([role.value for role in Role])])


class RemoveForm(FlaskForm):
    """Only the CSRF token: the moderator is in the URL."""


def first_error(form: FlaskForm) -> str:
    return next(iter(message for messages in form.errors.values() for message in messages), "")
