"""Moderator login and logout, and what a logged-out visitor to the dashboard is told."""

from __future__ import annotations

from flask import flash, get_flashed_messages, make_response, render_template, request, session, url_for
from flask_limiter import RequestLimit
from flask_login import current_user, login_user, logout_user

from talkback.extensions import limiter

from ..htmx import is_htmx, redirect_to
from ..navigation import current_page, local_path, page_of_htmx_request
from . import accounts, bp, throttle
from .forms import LoginForm

# One message for every failure: it never says whether the name or the password was wrong.
LOGIN_FAILED = "That name and password do not match an account."
CREATE_COMMAND = "flask moderators create NAME --admin"


def _dashboard_path(value: str | None) -> str | None:
    return local_path(value, under="/moderation")


def _too_many_attempts(limit: RequestLimit):
    """Flask-Limiter's on_breach for the login's limits: the login page with how long to wait (429)."""
    wait = throttle.seconds_to_wait(limit)
    form = LoginForm()
    response = _login_page(form, _dashboard_path(form.next.data or request.args.get("next")),
                           throttle.message(wait), 429)
    response.headers["Retry-After"] = str(wait)
    return response


_LOGIN_LIMIT = {"methods": ["POST"], "exempt_when": throttle.unlimited, "deduct_when": throttle.failed,
                "on_breach": _too_many_attempts}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(throttle.login_limit, key_func=throttle.ip_key, scope="login-ip", **_LOGIN_LIMIT)
@limiter.limit(throttle.login_limit, key_func=throttle.account_key, scope="login-account", **_LOGIN_LIMIT)
def login():
    form = LoginForm()
    next_path = _dashboard_path(form.next.data or request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect_to(next_path or home_of(current_user))
    if request.method == "GET":
        return _login_page(form, next_path)
    moderator = accounts.authenticate(form.name.data or "", form.password.data or "")
    if moderator is None:
        return _login_page(form, next_path, LOGIN_FAILED, 401)  # a failure: the limits count it
    # A fresh session: nothing from before the login (a planted session) carries over.
    session.clear()
    login_user(moderator, fresh=True)
    return redirect_to(next_path or home_of(moderator))


def home_of(moderator) -> str:
    """Where a login lands: the queue for those who moderate, the articles for an editor."""
    return url_for("moderation.queue") if moderator.can_moderate else url_for("newsroom.articles")


def _login_page(form: LoginForm, next_path: str | None, error: str = "", status: int = 200):
    form.password.data = ""
    return make_response(render_template(
        "auth/login.html", form=form, next_path=next_path or "", error=error,
        notices=get_flashed_messages(category_filter=["auth"]),
        no_moderators=not accounts.any_exist(), create_command=CREATE_COMMAND,
    ), status)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("You have logged out.", "auth")
    return redirect_to(url_for("auth.login"))


def login_required_response():
    """Flask-Login's unauthorized handler: to the login page, then back to where they were.

    A plain browser is redirected (303); an htmx request gets HX-Redirect, so the login page
    loads as a page instead of being swapped into a row of the dashboard.
    """
    if is_htmx():
        back = page_of_htmx_request(under="/moderation")
    elif request.method == "GET":
        back = current_page()
    else:
        back = _dashboard_path(request.form.get("back"))
    if not is_htmx():
        flash("Please log in to moderate.", "auth")
    return redirect_to(url_for("auth.login", next=back) if back else url_for("auth.login"))
