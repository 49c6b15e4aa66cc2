"""Helpers the tests share (importable as `support`; pytest puts tests/ on sys.path)."""

import re

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
_CSRF_HEADER = re.compile(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|"X-CSRFToken": "([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token a page carries (hidden input, or the body's hx-headers)."""
    match = _CSRF.search(html) or _CSRF_HEADER.search(html)
    assert match, "no CSRF token on the page"
    return next(group for group in match.groups() if group)
