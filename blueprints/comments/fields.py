"""Rules for each field of the comment form, as plain functions.

Each `clean_*` takes what the reader typed and returns the value to store, or raises
`FieldError` with a message meant for the reader. The form and the tests both call these.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from .text import Count, measure, normalise_newlines

NAME_MAX = 100
EMAIL_MAX = 254
WEBSITE_MAX = 200

# Bidirectional overrides and isolates can make text display in an order other than it was
# written (names that read differently from what they are); zero-width characters hide content.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u3164\u115f\u1160\u2800"


class FieldError(ValueError):
    pass


# Removed from every field: Unicode categories Cc (C0 and C1 controls) and Cs (lone surrogates),
# and the bidi controls above, as one character class: a single C-level pass instead of a Python
# loop per character (the live counter runs this at every pause in typing).
_BIDI_CLASS = "".join(map(chr, _BIDI_CONTROLS))
_CONTROLS_KEEPING_NEWLINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CLASS}\ud800-\udfff]")
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_CLASS}\ud800-\udfff]")


def strip_controls(text: str, keep_newlines: bool) -> str:
    """Removes control characters (but newline and tab where kept), NUL and bidi overrides."""
    return (_CONTROLS_KEEPING_NEWLINES if keep_newlines else _CONTROLS).sub("", normalise_newlines(text))


def is_blank(text: str) -> bool:
    """Only whitespace or invisible characters (zero-width spaces, Hangul fillers, …)."""
    return not any(not ch.isspace() and ch not in _INVISIBLE and unicodedata.category(ch) != "Cf"
                   for ch in text)


def clean_name(raw: str) -> str:
    name = " ".join(strip_controls(raw, keep_newlines=False).split())
    if is_blank(name):
        raise FieldError("Please enter your name.")
    if len(name) > NAME_MAX:
        raise FieldError(f"Please shorten your name to {NAME_MAX} characters or fewer.")
    return name


def clean_email(raw: str) -> str:
    email = strip_controls(raw, keep_newlines=False).strip()
    if not email:
        raise FieldError("Please enter your email address.")
    if len(email) > EMAIL_MAX:
        raise FieldError(f"Please enter an email address of at most {EMAIL_MAX} characters.")
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise FieldError("Please enter a valid email address, like name@example.org.") from None
    return result.normalized


# "javascript:", "data:", "HTTP://": a scheme. "example.org:8080" is a host and port, not a scheme.
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)")
_WEBSITE_MESSAGE = "Please enter a web address starting with http:// or https://, or leave it empty."


def clean_website(raw: str) -> str:
    """Optional; http(s) only; a bare "example.org" becomes "https://example.org"."""
    website = strip_controls(raw, keep_newlines=False).strip()
    if not website:
        return ""
    if any(ch.isspace() for ch in website):
        raise FieldError(_WEBSITE_MESSAGE)
    if not _SCHEME.match(website):
        website = "https://" + website.lstrip("/")
    try:
        parts = urlsplit(website)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise FieldError(_WEBSITE_MESSAGE) from None
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        raise FieldError(_WEBSITE_MESSAGE)
    if parts.username is not None or parts.password is not None:
        # "https://bank.example@evil.example" reads as one site and leads to another.
        raise FieldError("Please enter a web address without a user name or password in it.")
    host = hostname.rstrip(".")
    if host != "localhost" and ("." not in host or host.startswith(".") or ".." in host):
        raise FieldError("Please enter a full web address, like https://example.org.")
    if len(website) > WEBSITE_MAX:
        raise FieldError(f"Please enter a web address of at most {WEBSITE_MAX} characters.")
    return website


def _body_text(raw: str) -> str:
    return strip_controls(raw, keep_newlines=True).strip()


def count_body(raw: str, limit: int) -> Count:
    """What the live counter shows: the same text and the same count that clean_body judges."""
    return measure(_body_text(raw), limit)


def clean_body(raw: str, limit: int) -> str:
    body = _body_text(raw)
    if is_blank(body):
        raise FieldError("Please write a comment.")
    count = measure(body, limit)
    if count.too_long:
        raise FieldError(f"Your comment is too long: {count.message}. Please shorten it.")
    return body
