"""The cross-origin rule of the reader's POSTs (blueprints/comments/origin.py), as a function."""

import pytest

from blueprints.comments.origin import cross_origin


@pytest.mark.parametrize(("fetch_site", "origin", "refused"), [
    ("same-origin", None, False),
    ("none", None, False),  # typed, bookmarked
    ("cross-site", None, True),
    ("same-site", None, True),  # a sibling subdomain is another site's page too
    ("cross-site", "http://news.example", True),  # Sec-Fetch-Site wins over Origin
    ("same-origin", "http://evil.example", False),
    (None, "http://news.example", False),
    (None, "http://evil.example", True),
    (None, "http://news.example:8080", True),  # another port is another origin
    (None, "null", True),
    (None, "http://[::1", True),  # not a URL
    (None, None, False),  # neither header: not a browser
    ("", "", False),
])
def test_cross_origin(fetch_site, origin, refused):
    assert cross_origin(fetch_site, origin, "news.example") is refused
