"""The admin's page of moderators: add one, set a password, change a role, remove one.

Each is a plain POST form (no htmx): 303 back to the page with the result in its status region, or
the page again (422) with the problem said there and the name typed kept. The rules of what an account
may be live in auth/accounts.py; the forms (forms.py) only read the fields.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, get_flashed_messages, make_response, render_template, url_for
from flask_login import current_user

from talkback.extensions import db
from talkback.models import Moderator, Role

from ..auth import accounts
from ..htmx import redirect_to
from . import bp
from .forms import NewModeratorForm, PasswordForm, RemoveForm, RoleForm, first_error
from .views import FLASH, Said, admin_required

ARTICLE = {Role.ADMIN: "an", Role.EDITOR: "an", Role.MODERATOR: "a"}


def _page(status: int = 200, error: str = "", form: NewModeratorForm | None = None):
    return make_response(render_template(
        "moderation/moderators.html", moderators=accounts.all_moderators(), error=error,
        form=form or NewModeratorForm(formdata=None), results=get_flashed_messages(category_filter=[FLASH]),
        minimum=accounts.PASSWORD_MIN_LENGTH,
    ), status)


def _done(text: str):
    flash(asdict(Said(text)), FLASH)
    return redirect_to(url_for("moderation.moderators"))


def _moderator_or_404(moderator_id: int) -> Moderator:
    return db.session.get(Moderator, moderator_id) or abort(404, "There is no such moderator.")


@bp.get("/moderators")
@admin_required
def moderators():
    return _page()


@bp.post("/moderators")
@admin_required
def create_moderator():
    form = NewModeratorForm()
    if not form.validate():
        return _page(422, first_error(form), form)
    try:
        created = accounts.create_moderator(form.name.data or "", form.password.data or "", form.role)
    except accounts.AccountError as error:
        return _page(422, str(error), form)
    return _done(f"Created the {created.role.value} {created.name}.")


@bp.post("/moderators/<int:moderator_id>/password")
@admin_required
def set_moderator_password(moderator_id: int):
    moderator = _moderator_or_404(moderator_id)
    form = PasswordForm()
    try:
        if not form.validate():
            raise accounts.AccountError(first_error(form))
        accounts.set_password(moderator, form.password.data or "")
    except accounts.AccountError as error:
        return _page(422, f"{moderator.name}: {error}")
    return _done(f"Changed the password of {moderator.name}; their open sessions have ended.")


@bp.post("/moderators/<int:moderator_id>/role")
@admin_required
def set_moderator_role(moderator_id: int):
    moderator = _moderator_or_404(moderator_id)
    form = RoleForm()
    if not form.validate():
        return _page(422, "Choose admin, editor or moderator.")
    role = Role(form.role.data)
    try:
        accounts.set_role(moderator, role)
    except accounts.AccountError as error:
        return _page(422, str(error))
    return _done(f"{moderator.name} is now {ARTICLE[role]} {role.value}.")


@bp.post("/moderators/<int:moderator_id>/remove")
@admin_required
def remove_moderator(moderator_id: int):
    moderator = _moderator_or_404(moderator_id)
    if not RemoveForm().validate():
        abort(400)
    if moderator.id == current_user.id:
        return _page(422, "You cannot remove your own account while logged in with it.")
    name = moderator.name
    try:
        accounts.remove(moderator)
    except accounts.AccountError as error:
        return _page(422, str(error))
    return _done(f"Removed {name}. Their decisions stay in the log.")
