"""Failed logins, counted per IP address and per account name in the limiter's storage.

Only failures count. While either count is exhausted every attempt is refused, even one with the
right password, and the page says how long to wait. Unknown names are counted like real ones, so
the limit does not tell which names exist.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from limits import RateLimitItem, parse_many

from talkback.extensions import client_ip, limiter


def _items() -> list[RateLimitItem]:
    spec = current_app.config["LOGIN_RATE_LIMIT"]
    if not spec or not current_app.config["RATELIMIT_ENABLED"]:
        return []
    return parse_many(spec)


def _keys(name: str) -> list[tuple[str, str]]:
    return [("login-ip", client_ip()), ("login-account", " ".join(name.split()).casefold())]


def seconds_to_wait(name: str) -> int:
    """0 when a login attempt for `name` from this address may be tried now."""
    wait = 0.0
    for item in _items():
        for key in _keys(name):
            if not limiter.limiter.test(item, *key):
                reset_at = limiter.limiter.get_window_stats(item, *key).reset_time
                wait = max(wait, reset_at - time.time(), 1)
    return math.ceil(wait)


def record_failure(name: str) -> None:
    for item in _items():
        for key in _keys(name):
            limiter.limiter.hit(item, *key)


def message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"Too many attempts; try again in {minutes} minute{'s' if minutes != 1 else ''}."
