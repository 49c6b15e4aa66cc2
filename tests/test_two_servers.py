"""Two servers, one site: two separate gunicorn servers (two workers each) on different ports over
one PostgreSQL database and one Redis, as behind a load balancer. Nothing a request needs may live
inside one process: a comment posted through one server is moderated through the other and shows
on both; flood and rate limits count across both; a moderator's session works on both.

The database is a throwaway one made for this module; Redis keys carry a prefix of their own.
Clients are told apart by X-Forwarded-For (PROXY_FIX_X_FOR=1), as a load balancer would.
"""

from __future__ import annotations

import importlib.util
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from live_services import (
    Browser,
    Server,
    delete_redis_keys,
    flask_command,
    form_fields,
    gunicorn_available,
    gunicorn_server,
    redis_url,
    run_sql,
    throwaway_postgres,
)
from support import csrf_from

pytestmark = pytest.mark.slow

MODERATOR = ("Night Desk", "correct horse battery staple 42")
COUNTER_LIMIT = 4  # per hour and client address, over both servers together
COMMENT_LIMIT = 2


@dataclass
class Site:
    a: Server
    b: Server
    database_url: str
    slug: str

    def both(self) -> tuple[Server, Server]:
        return self.a, self.b

    def sql(self, statement: str, **params) -> list[tuple]:
        return run_sql(self.database_url, statement, **params)


def _environment(database_url: str, redis: str, prefix: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("TALKBACK_", "TEST_")) and name != "DATABASE_URL"}
    env.update({
        "DATABASE_URL": database_url,
        "TALKBACK_SECRET_KEY": "two-servers-" + uuid.uuid4().hex,
        "TALKBACK_REDIS_URL": redis,
        "TALKBACK_RATELIMIT_KEY_PREFIX": prefix,
        # The comment cache keys its entries on the database, so no prefix is needed; a short
        # lifetime keeps what this test leaves in Redis from lingering.
        "TALKBACK_COMMENT_CACHE_TTL": "300",
        "TALKBACK_PROXY_FIX_X_FOR": "1",
        "TALKBACK_COMMENT_MIN_FILL_SECONDS": "0",
        "TALKBACK_COMMENT_FLOOD_SECONDS": "0",
        "TALKBACK_COMMENT_RATE_LIMIT": f"{COMMENT_LIMIT} per hour",
        "TALKBACK_COUNTER_RATE_LIMIT": f"{COUNTER_LIMIT} per hour",
        "TALKBACK_DEMO_CONTENT": "true",
    })
    return env


def _create_moderator(database_url: str, env: dict[str, str]) -> None:
    from app import create_app
    from blueprints.auth.accounts import create_moderator
    from talkback.extensions import db

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": env["TALKBACK_SECRET_KEY"],
                      "AUTO_MIGRATE": False})
    with app.app_context():
        create_moderator(*MODERATOR)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    gunicorn_available()
    redis = redis_url()
    prefix = f"talkback-test-{uuid.uuid4().hex[:10]}"
    logs: Path = tmp_path_factory.mktemp("two-servers")
    with throwaway_postgres("twoservers") as database_url:
        env = _environment(database_url, redis, prefix)
        # As docs/deploy.md says: migrate, seed, add a moderator, start the servers.
        flask_command(["db", "upgrade"], env)
        flask_command(["seed"], env)
        if importlib.util.find_spec("blueprints.auth.accounts") is not None:
            _create_moderator(database_url, env)
        try:
            with gunicorn_server(env, logs / "a.log", workers=2) as a, \
                    gunicorn_server(env, logs / "b.log", workers=2) as b:
                (slug,) = Site(a, b, database_url, "").sql("SELECT slug FROM article ORDER BY id LIMIT 1")[0]
                yield Site(a, b, database_url, slug)
        finally:
            delete_redis_keys(redis, prefix)


def _post_comment(browser: Browser, server: Server, slug: str, body: str, email: str):
    page = browser.get(f"{server.url}/articles/{slug}")
    assert page.status == 200
    data = {**form_fields(page.text, f"/articles/{slug}/comments"),
            "author_name": "Reader", "author_email": email, "body": body}
    return browser.post(f"{server.url}/articles/{slug}/comments", data)


def _require_moderation(site: Site) -> None:
    if importlib.util.find_spec("blueprints.auth.accounts") is None:
        pytest.skip("moderator accounts (blueprints.auth.accounts.create_moderator) are not "
                    "on this branch yet: the moderation issue adds them")
    login = Browser().get(site.a.url + "/moderation/login")
    if login.status != 200 or 'name="password"' not in login.text:
        pytest.skip("the moderator login form (POST /moderation/login) is not on this branch yet")


def test_both_servers_are_healthy_and_share_redis(site: Site) -> None:
    for server in site.both():
        page = Browser().get(server.url + "/healthz")
        assert page.status == 200
        assert '"redis":"ok"' in page.text and '"database":"ok"' in page.text


def test_a_comment_posted_on_one_server_is_moderated_on_the_other_and_shows_on_both(site: Site) -> None:
    _require_moderation(site)
    body = f"Posted through A, approved through B {uuid.uuid4().hex[:8]}"
    reader = Browser(forwarded_for="203.0.113.10")
    posted = _post_comment(reader, site.a, site.slug, body, "reader10@example.org")
    assert posted.status == 303, posted.text[:500]
    ((comment_id, status, revision, ip),) = site.sql(
        "SELECT id, status, revision, author_ip FROM comment WHERE body = :body", body=body)
    assert (status, ip) == ("pending", "203.0.113.10")

    # Pending: the author sees it marked as pending on either server (a signed cookie, no
    # server-side state); nobody else sees it on either.
    for server in site.both():
        assert body in reader.get(f"{server.url}/articles/{site.slug}").text
        assert body not in Browser().get(f"{server.url}/articles/{site.slug}").text

    # The moderator logs in on B ...
    moderator = Browser(forwarded_for="198.51.100.50")
    login_page = moderator.get(site.b.url + "/moderation/login")
    logged_in = moderator.post(site.b.url + "/moderation/login", {
        "csrf_token": csrf_from(login_page.text), "name": MODERATOR[0], "password": MODERATOR[1]})
    assert logged_in.status in (302, 303), logged_in.text[:500]
    assert "login" not in logged_in.headers.get("Location", "")

    # ... and the session works on A too (same cookie, any server).
    queue = moderator.get(site.a.url + "/moderation/")
    assert queue.status == 200, queue.status
    assert body in queue.text

    # The decision goes through B.
    decided = moderator.post(f"{site.b.url}/moderation/comments/{comment_id}/approve", {
        "csrf_token": csrf_from(queue.text), "revision": str(revision)})
    assert decided.status in (200, 302, 303), decided.text[:500]
    assert site.sql("SELECT status FROM comment WHERE id = :id", id=comment_id) == [("approved",)]

    # Public on both at once, for everyone (the comment-list cache is shared or invalidated).
    for server in site.both():
        page = Browser().get(f"{server.url}/articles/{site.slug}")
        assert body in page.text


def test_rate_limits_count_across_both_servers(site: Site) -> None:
    """The live counter's limit: the calls of one client address add up over A and B."""
    client = Browser(forwarded_for="203.0.113.20")
    client.get(f"{site.a.url}/articles/{site.slug}")
    statuses = [
        client.post(f"{server.url}/comments/counter", {"body": "typing…"}).status
        for server in [site.a, site.b] * COUNTER_LIMIT
    ][: COUNTER_LIMIT + 1]
    assert statuses == [200] * COUNTER_LIMIT + [429]
    # Another client address is not affected.
    other = Browser(forwarded_for="203.0.113.21")
    other.get(f"{site.b.url}/articles/{site.slug}")
    response = other.post(f"{site.b.url}/comments/counter", {"body": "x"})
    assert response.status == 200


def test_counter_and_validator_agree_on_both_servers_after_a_limit_change(site: Site) -> None:
    """COMMENT_MAX_LENGTH changed in the database (as the settings page stores it): every following
    counter answer and every following post, on A and on B, apply the new limit."""
    site.sql("INSERT INTO site_setting (key, value, updated_at) VALUES "
             "('COMMENT_MAX_LENGTH', '20', now() at time zone 'utc')")
    try:
        for n, server in enumerate([site.a, site.b] * 2):
            client = Browser(forwarded_for=f"203.0.113.{60 + n}")
            counted = client.post(f"{server.url}/comments/counter", {"body": "x" * 21})
            assert "1 character too many" in counted.text, counted.text
            refused = _post_comment(client, server, site.slug, "y" * 21, f"limit{n}@example.org")
            assert refused.status == 422
            fits = _post_comment(client, server, site.slug, f"fits {n} " + "z" * 12, f"limit{n}@example.org")
            assert fits.status == 303, fits.text[:300]
    finally:
        site.sql("DELETE FROM site_setting WHERE key = 'COMMENT_MAX_LENGTH'")


def test_comment_rate_limit_counts_across_both_servers(site: Site) -> None:
    client = Browser(forwarded_for="203.0.113.30")
    servers = [site.a, site.b, site.a]
    statuses = [
        _post_comment(client, server, site.slug, f"Rate limited {n} {uuid.uuid4().hex[:6]}",
                      f"rate{n}@example.org").status
        for n, server in enumerate(servers)
    ]
    assert statuses == [303] * COMMENT_LIMIT + [429]
    assert site.sql("SELECT count(*) FROM comment WHERE author_ip = '203.0.113.30'") == [(COMMENT_LIMIT,)]


def test_the_flood_check_counts_across_both_servers(site: Site) -> None:
    """COMMENT_FLOOD_SECONDS, a site setting in the database: both servers read the change, and a
    comment through B is refused right after one through A from the same address or email."""
    site.sql("INSERT INTO site_setting (key, value, updated_at) VALUES "
             "('COMMENT_FLOOD_SECONDS', '3600', now() at time zone 'utc')")
    try:
        first = _post_comment(Browser(forwarded_for="203.0.113.40"), site.a, site.slug,
                              "Flood one " + uuid.uuid4().hex[:6], "flood@example.org")
        assert first.status == 303, first.text[:500]
        same_address = _post_comment(Browser(forwarded_for="203.0.113.40"), site.b, site.slug,
                                     "Flood two " + uuid.uuid4().hex[:6], "someone-else@example.org")
        same_email = _post_comment(Browser(forwarded_for="203.0.113.41"), site.b, site.slug,
                                   "Flood three " + uuid.uuid4().hex[:6], "flood@example.org")
        stored = site.sql("SELECT count(*) FROM comment WHERE body LIKE 'Flood %'")
        assert same_address.status >= 400 and same_email.status >= 400
        assert re.search(r"wait|too (soon|quickly|fast)", same_address.text, re.IGNORECASE)
        assert stored == [(1,)]
    finally:
        site.sql("DELETE FROM site_setting WHERE key = 'COMMENT_FLOOD_SECONDS'")
