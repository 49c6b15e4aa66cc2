"""The dashboard's per-comment URLs, built without a url_for per link.

A queue page of 50 rows asked url_for for ~17 URLs per row (each action's form and button, the
author's filters, the article), which was ~40 % of the page. The URLs of one endpoint differ only in
the comment id, and the author filters only in their query string; so each endpoint's URL is built
once per rendered template with url_for and the rest is put together here.
`tests/test_moderation_queue.py` checks that the result is what url_for gives.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from flask import url_for

# A comment id no real comment has, to find where the id goes in an endpoint's URL.
_MARK = "9876543210123"
# What werkzeug's URL builder leaves unescaped in a query string (werkzeug.urls._urlencode, which
# calls urllib.parse.urlencode with this `safe`).
_QUERY_SAFE = "!$'()*,/:;?@"


class DashboardLinks:
    """One template render's URL builders (the templates call them as comment_url, queue_url and
    page_url; moderation.views puts a new one in every dashboard template's context)."""

    def __init__(self) -> None:
        self._comment: dict[tuple, tuple[str, str]] = {}
        self._page: dict[tuple, str] = {}
        self._quoted: dict[str, str] = {}
        self._queue: str | None = None

    def comment_url(self, endpoint: str, comment_id: int, **values: Any) -> str:
        """`url_for(endpoint, comment_id=comment_id, **values)`; url_for runs once for each
        endpoint and `values` (the same `back` on every row of a page)."""
        key = (endpoint, *values.items())
        parts = self._comment.get(key)
        if parts is None:
            url = url_for(endpoint, comment_id=int(_MARK), **values)
            head, found, tail = url.partition(_MARK)  # the id is in the path, before any query
            if not found:
                raise ValueError(f"{endpoint} has no comment_id in its URL")
            parts = self._comment[key] = (head, tail)
        return f"{parts[0]}{int(comment_id)}{parts[1]}"

    def queue_url(self, **values: Any) -> str:
        """`url_for("moderation.queue", **values)` for a row's filter links (its email, its
        address): the queue's path once, the query string encoded here as url_for encodes it."""
        if self._queue is None:
            self._queue = url_for("moderation.queue")
        query = "&".join(f"{self._quote(k)}={self._quote(v)}" for k, v in values.items() if v is not None)
        return f"{self._queue}?{query}" if query else self._queue

    def _quote(self, value: Any) -> str:
        text = str(value)
        quoted = self._quoted.get(text)
        if quoted is None:
            quoted = self._quoted[text] = quote_plus(text, safe=_QUERY_SAFE)
        return quoted

    def page_url(self, endpoint: str, **values: Any) -> str:
        """`url_for(endpoint, **values)`, remembered (the same article on many rows)."""
        key = (endpoint, *values.items())
        url = self._page.get(key)
        if url is None:
            url = self._page[key] = url_for(endpoint, **values)
        return url
