"""nginx in front, configured exactly as docs/deploy.md says (deploy/nginx/talkback.conf, only its
port, upstream and paths replaced), before a real gunicorn on the embedded SQLite database.

What it shows: anonymous readers of an article are served from nginx's cache (the app's
`Cache-Control: public, max-age` and no cookie); a reader who just posted (talkback_pending) goes
past the cache and sees their own pending comment, which nobody else sees; a moderator's approval
reaches anonymous readers once the cached copy's max-age has run out.

Skipped without nginx locally; under CI=true (.ci/run installs Debian's nginx) a missing nginx fails.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from live_services import (
    Browser,
    Page,
    create_moderator_cli,
    form_fields,
    gunicorn_server,
    nginx_available,
    nginx_server,
    run_sql,
    sqlite_site,
)
from support import csrf_from

pytestmark = [pytest.mark.nginx, pytest.mark.slow]

MAX_AGE = 2  # seconds: ARTICLE_MAX_AGE, short so the test can wait it out
MODERATOR = ("Night Desk", "correct horse battery staple 42")


@dataclass
class Site:
    url: str  # nginx
    database: Path
    slug: str

    def article(self) -> str:
        return f"{self.url}/articles/{self.slug}"

    def sql(self, statement: str, **params) -> list[tuple]:
        return run_sql(f"sqlite:///{self.database}", statement, **params)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    nginx_available()
    tmp = tmp_path_factory.mktemp("nginx-cache")
    env = sqlite_site(tmp / "instance", ARTICLE_MAX_AGE=str(MAX_AGE), PROXY_FIX_X_FOR="1",
                      PROXY_FIX_X_PROTO="1", DEMO_CONTENT="true", RATELIMIT_ENABLED="false",
                      COMMENT_MIN_FILL_SECONDS="0", COMMENT_FLOOD_SECONDS="0")
    create_moderator_cli(env, *MODERATOR)  # also makes, migrates and seeds the database
    with gunicorn_server(env, tmp / "gunicorn.log", workers=2) as app, \
            nginx_server(app, tmp / "nginx") as url:
        database = tmp / "instance" / "talkback.sqlite3"
        (slug,) = Site(url, database, "").sql("SELECT slug FROM article ORDER BY id LIMIT 1")[0]
        yield Site(url, database, slug)


def cache_status(page: Page) -> str:
    return page.headers.get("X-Cache-Status", "")


def post_comment(reader: Browser, site: Site, body: str) -> Page:
    """Fills in the article's form as a browser would (its Origin header included)."""
    page = reader.get(site.article())
    data = {**form_fields(page.text, f"/articles/{site.slug}/comments"),
            "author_name": "Reader", "author_email": "reader@example.org", "body": body}
    return reader.post(f"{site.article()}/comments", data, headers={"Origin": site.url})


def test_a_second_anonymous_read_is_a_cache_hit_with_the_same_bytes(site: Site) -> None:
    first = Browser().get(site.article())
    second = Browser().get(site.article())
    assert first.status == second.status == 200
    assert cache_status(first) in {"MISS", "EXPIRED"}, first.headers
    assert cache_status(second) == "HIT", second.headers
    assert second.text == first.text and second.headers["ETag"] == first.headers["ETag"]
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers
    assert first.headers["Cache-Control"] == f"public, max-age={MAX_AGE}"
    # Someone else's cookie on the domain (analytics) neither bypasses nor splits the cache.
    other = Browser().get(site.article(), headers={"Cookie": "_ga=GA1.1.12345; theme=dark"})
    assert cache_status(other) == "HIT" and other.text == first.text


def test_static_files_come_from_the_checkout(site: Site) -> None:
    css = Browser().get(site.url + "/static/css/site.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert css.text == (Path(__file__).resolve().parents[1] / "static/css/site.css").read_text()


def test_a_reader_with_a_pending_comment_goes_past_the_cache(site: Site) -> None:
    Browser().get(site.article())  # an anonymous copy in the cache
    body = f"My own pending comment {uuid.uuid4().hex[:8]}"
    reader = Browser()
    posted = post_comment(reader, site, body)
    assert posted.status == 303, (posted.status, posted.text[:500])
    assert any(cookie.name == "talkback_pending" for cookie in reader.cookies)

    mine = reader.get(site.article())
    assert cache_status(mine) == "BYPASS"
    assert body in mine.text
    assert mine.headers["Cache-Control"].startswith("private")

    # Nobody else sees it, and what the reader got was not stored for them.
    for _ in range(2):
        anonymous = Browser().get(site.article())
        assert cache_status(anonymous) != "BYPASS"
        assert body not in anonymous.text


def test_an_approval_reaches_anonymous_readers_within_max_age(site: Site) -> None:
    body = f"Approved through the dashboard {uuid.uuid4().hex[:8]}"
    assert post_comment(Browser(), site, body).status == 303
    ((comment_id, revision),) = site.sql("SELECT id, revision FROM comment WHERE body = :b", b=body)

    moderator = Browser()
    login = moderator.get(site.url + "/moderation/login")
    logged_in = moderator.post(site.url + "/moderation/login", {
        "csrf_token": csrf_from(login.text), "name": MODERATOR[0], "password": MODERATOR[1]})
    assert logged_in.status == 303 and "login" not in logged_in.headers.get("Location", "")
    # A moderator holds talkback_session: every page, the article too, comes from the app.
    assert cache_status(moderator.get(site.article())) == "BYPASS"

    assert cache_status(Browser().get(site.article())) in {"MISS", "EXPIRED", "REVALIDATED", "HIT"}
    queue = moderator.get(site.url + "/moderation/")
    assert body in queue.text
    decided = moderator.post(f"{site.url}/moderation/comments/{comment_id}/approve",
                             {"csrf_token": csrf_from(queue.text), "revision": str(revision)})
    assert decided.status == 303, (decided.status, decided.text[:500])
    assert site.sql("SELECT status FROM comment WHERE id = :id", id=comment_id) == [("approved",)]

    # Right away a reader may still get the cached copy (a HIT is the page from before) ...
    now = Browser().get(site.article())
    assert (body in now.text) == (cache_status(now) != "HIT")
    # ... and once its max-age has run out, every anonymous reader gets the new page.
    time.sleep(MAX_AGE + 1)
    after = [Browser().get(site.article()) for _ in range(2)]
    assert all(body in page.text for page in after), [cache_status(page) for page in after]
    assert cache_status(after[1]) == "HIT"


def test_docs_deploy_shows_exactly_this_configuration() -> None:
    """docs/deploy.md quotes deploy/nginx/talkback.conf verbatim, so the guide is what is tested."""
    root = Path(__file__).resolve().parents[1]
    conf = (root / "deploy/nginx/talkback.conf").read_text()
    assert f"```nginx\n{conf}```" in (root / "docs/deploy.md").read_text()
