"""Failed logins are limited per IP address and per account name, by two Flask-Limiter limits on the
login view (auth/views.py): only failures (401) are deducted, and while either limit is spent every
attempt is refused, even one with the right password, and the page says how long to wait. Unknown
names are counted like real ones, so the limit does not tell which names exist."""

from __future__ import annotations

import math
import time

from flask import current_app, request
from flask_limiter import RequestLimit

from talkback.extensions import client_ip


def login_limit() -> str:
    """LOGIN_RATE_LIMIT, e.g. "10 per 15 minutes"; read per request (the config of this app)."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def unlimited() -> bool:
    return not current_app.config["LOGIN_RATE_LIMIT"]


def ip_key() -> str:
    return client_ip()


def account_key() -> str:
    """The name as accounts.find() matches it (spaces collapsed, case folded)."""
    return "account:" + " ".join(request.form.get("name", "").split()).casefold()


def failed(response) -> bool:
    return response.status_code == 401


def seconds_to_wait(limit: RequestLimit) -> int:
    # reset_at is a whole second, rounded up: "15 minutes" stays 15 in the first second.
    return max(1, int(limit.reset_at - time.time()))


def message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"Too many attempts; try again in {minutes} minute{'s' if minutes != 1 else ''}."
