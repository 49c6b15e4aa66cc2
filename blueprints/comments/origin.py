"""Cross-site forgery of the reader's POSTs, refused by what the browser says about the request.

The reader's forms (comment, counter, smiley) carry no session CSRF token: the article page is the
same bytes for every reader, so a cache may keep it. Instead, as Go's net/http.CrossOriginProtection
(golang/go#73626) does: every browser in use sends `Sec-Fetch-Site` (or at least `Origin`) on a
POST, and a page of another site cannot make it say "same-origin". A request with neither header is
not from a browser (curl, a script): forging it gains nothing, and it is screened like any other.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Sec-Fetch-Site values of a request this site's own page made, or the user typed / bookmarked.
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})

REFUSED_MESSAGE = ("This form was sent from another site, so it was not accepted. If you wrote it "
                   "here, reload the page and send it again; copy your text first.")


def cross_origin(sec_fetch_site: str | None, origin: str | None, host: str) -> bool:
    """Whether a POST to `host` (the request's Host) came from another site's page."""
    if sec_fetch_site:
        return sec_fetch_site not in ALLOWED_FETCH_SITES  # cross-site, same-site
    if not origin:
        return False  # neither header: not a browser
    try:
        origin_host = urlsplit(origin).netloc
    except ValueError:
        return True
    return origin_host != host  # "null" (a sandboxed frame, a data: URL) is never ours
