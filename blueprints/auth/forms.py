"""The login form (CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField


class LoginForm(FlaskForm):
    name = StringField("Name")
    password = PasswordField("Password")
    next = HiddenField()
