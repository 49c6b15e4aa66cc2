"""One source of truth for settings: gunicorn with two worker processes on one SQLite database. An
admin changes COMMENT_MAX_LENGTH on the Site settings page; from then on every counter answer and
every post, whichever worker takes it, apply the new limit — the counter says exactly what posting
will decide.

Many requests, several at a time on new connections, so that both workers answer (each worker has
already answered with the old limit before the change, so a worker-local copy would show).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from live_services import (
    Browser,
    create_moderator_cli,
    form_fields,
    gunicorn_server,
    sqlite_site,
)
from support import csrf_from

pytestmark = pytest.mark.slow

ADMIN = ("Site Admin", "correct horse battery staple 42")
NEW_LIMIT = 40
REQUESTS = 40  # per kind of request, 8 at a time


@dataclass
class Site:
    url: str
    database: Path
    slug: str

    def stored(self, body: str) -> int:
        engine = sa.create_engine(f"sqlite:///{self.database}")
        try:
            with engine.connect() as conn:
                query = sa.text("SELECT count(*) FROM comment WHERE body = :b")
                return conn.execute(query, {"b": body}).scalar()
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("two-workers")
    env = sqlite_site(tmp / "instance", DEMO_CONTENT="true", RATELIMIT_ENABLED="false",
                      COMMENT_MIN_FILL_SECONDS="0", COMMENT_FLOOD_SECONDS="0")
    create_moderator_cli(env, *ADMIN, admin=True)
    with gunicorn_server(env, tmp / "gunicorn.log", workers=2) as server:
        database = tmp / "instance" / "talkback.sqlite3"
        engine = sa.create_engine(f"sqlite:///{database}")
        with engine.connect() as conn:
            slug = conn.execute(sa.text("SELECT slug FROM article ORDER BY id LIMIT 1")).scalar()
        engine.dispose()
        yield Site(server.url, database, slug)


def counter(site: Site, text: str) -> str:
    page = Browser().post(site.url + "/comments/counter", {"body": text},
                          headers={"HX-Request": "true", "Origin": site.url})
    assert page.status == 200, (page.status, page.text[:300])
    return page.text


def post(site: Site, text: str) -> tuple[int, str]:
    reader = Browser()
    form = form_fields(reader.get(f"{site.url}/articles/{site.slug}").text, f"/articles/{site.slug}/comments")
    page = reader.post(f"{site.url}/articles/{site.slug}/comments",
                       {**form, "author_name": "Reader", "author_email": "reader@example.org", "body": text},
                       headers={"Origin": site.url})
    return page.status, page.text


def many(function, texts: list[str]) -> list:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(function, texts))


def text_of(length: int, n: int) -> str:
    """A distinct text of exactly `length` characters (posts must not be duplicates)."""
    tag = f"{n:04d} {uuid.uuid4().hex[:8]} "
    return (tag + "x" * length)[:length]


def test_counter_and_posting_agree_on_a_new_limit_in_every_worker(site: Site) -> None:
    # Both workers answer with the default limit first.
    before = many(lambda t: counter(site, t), ["y" * (NEW_LIMIT + 1)] * REQUESTS)
    assert all("characters available" in text and "too many" not in text for text in before)

    admin = Browser()
    login = admin.get(site.url + "/moderation/login")
    logged_in = admin.post(site.url + "/moderation/login",
                           {"csrf_token": csrf_from(login.text), "name": ADMIN[0], "password": ADMIN[1]})
    assert logged_in.status == 303, logged_in.text[:500]
    form = form_fields(admin.get(site.url + "/moderation/settings").text, "/moderation/settings")
    saved = admin.post(site.url + "/moderation/settings", {**form, "COMMENT_MAX_LENGTH": str(NEW_LIMIT)})
    assert saved.status == 303, (saved.status, saved.text[:500])

    over = many(lambda t: counter(site, t), [text_of(NEW_LIMIT + 1, n) for n in range(REQUESTS)])
    assert all("1 character too many" in text for text in over), {text for text in over}
    at_limit = many(lambda t: counter(site, t), [text_of(NEW_LIMIT, n) for n in range(REQUESTS)])
    assert all("0 characters available" in text for text in at_limit), {text for text in at_limit}

    refused = [text_of(NEW_LIMIT + 1, n) for n in range(REQUESTS // 2)]
    for (status, html), text in zip(many(lambda t: post(site, t), refused), refused, strict=True):
        assert status == 422 and "too long: 1 character too many" in html, (status, html[:300])
        assert site.stored(text) == 0
    accepted = [text_of(NEW_LIMIT, n) for n in range(REQUESTS // 2)]
    for (status, html), text in zip(many(lambda t: post(site, t), accepted), accepted, strict=True):
        assert status == 303, (status, html[:300])
        assert site.stored(text) == 1
