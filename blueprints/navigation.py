"""Where a redirect may go: only to a path on this site (login's `next`, a form's way back)."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import request


def local_path(value: str | None, *, under: str = "/") -> str | None:
    """`value` when it is a path on this site starting with `under`, else None.

    Refuses absolute and scheme-relative URLs ("//evil.example"), backslashes (which browsers read
    as slashes), and control characters (header splitting, "/\\tevil" tricks).
    """
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(unicodedata.category(ch) == "Cc" for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith(under):
        return None
    return value


def current_page() -> str:
    """This request's path with its query string, e.g. "/moderation/?status=spam"."""
    full = request.full_path
    return full[:-1] if full.endswith("?") else full


def page_of_htmx_request(under: str = "/") -> str | None:
    """The page an htmx request was made from (HX-Current-URL), as a local path, if on this site."""
    url = request.headers.get("HX-Current-URL", "")
    parts = urlsplit(url)
    if not url or parts.netloc != request.host:
        return None
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""), under=under)
