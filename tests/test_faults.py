"""Faults underneath a running site (issue #18): the database restarted, Redis gone, SQLite's disk
full. Each test runs real servers of its own on 127.0.0.1 (never the machine's shared PostgreSQL or
Redis), is bounded in time, and checks what a reader sees during the fault, that nothing answered as
stored is lost, and that the site serves again by itself once the part is back.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from live_services import (
    Browser,
    Page,
    Server,
    form_fields,
    gunicorn_available,
    gunicorn_server,
    private_postgres,
    private_redis,
    sqlite_site,
    throwaway_postgres,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]

HTMX = {"HX-Request": "true"}
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")
UNAVAILABLE_TEXT = "cannot reach our database"
RECOVERY_TIMEOUT = 30  # seconds the site may take to serve again once the part is back


def _site_env(database_url: str, **settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("TALKBACK_", "TEST_")) and name != "DATABASE_URL"}
    env.update({
        "DATABASE_URL": database_url,
        "TALKBACK_SECRET_KEY": "faults-" + uuid.uuid4().hex,
        "TALKBACK_AUTO_MIGRATE": "true",
        "TALKBACK_DEMO_CONTENT": "true",
        "TALKBACK_PASSWORD_HASH_PROFILE": "CHEAPEST",
        "TALKBACK_COMMENT_MIN_FILL_SECONDS": "0",
        "TALKBACK_COMMENT_FLOOD_SECONDS": "0",
        "TALKBACK_RATELIMIT_ENABLED": "false",
    })
    env.update({f"TALKBACK_{key}": value for key, value in settings.items()})
    return env


def _sql(url: str, statement: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            return [tuple(row) for row in conn.execute(sa.text(statement))]
    finally:
        engine.dispose()


@dataclass
class Load:
    """Readers and posters against one server, each post with a body of its own; every answer kept."""

    server: Server
    slug: str
    clients: int = 4
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[tuple[str, str, Page]] = field(default_factory=list)  # (kind, body, page)
    failures: list[BaseException] = field(default_factory=list)
    _numbers: itertools.count = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                        for n in range(self.clients)]

    def _run(self, n: int) -> None:
        browser = Browser(forwarded_for=f"198.51.100.{n + 1}")
        article = f"{self.server.url}/articles/{self.slug}"
        fields = None
        try:
            while not self.stop.is_set():
                page = browser.get(article)
                self.answers.append(("read", "", page))
                if page.status == 200:
                    fields = form_fields(page.text, "/comments")
                if fields is None:
                    time.sleep(0.05)
                    continue
                body = f"Fault test comment {n}-{next(self._numbers)} {uuid.uuid4().hex[:8]}"
                htmx = n % 2 == 1
                data = {**fields, "body": body, "author_name": f"Reader {n}",
                        "author_email": f"reader{n}@example.org"}
                answer = browser.post(article + "/comments", data, headers=HTMX if htmx else None)
                self.answers.append(("htmx" if htmx else "post", body, answer))
        except BaseException as error:  # noqa: BLE001 — reported by the test
            self.failures.append(error)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def acknowledged(self) -> list[str]:
        return [body for kind, body, page in self.answers
                if (kind == "post" and page.status == 303) or (kind == "htmx" and page.status == 200)]


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout}s")


def _health(browser: Browser, server: Server) -> Page:
    return browser.get(server.url + "/healthz")


def _assert_clear_503(page: Page, htmx: bool) -> None:
    assert page.status == 503, page.status
    assert UNAVAILABLE_TEXT in page.text
    assert "Traceback" not in page.text
    assert page.headers.get("Retry-After")
    for name in SECURITY_HEADERS:
        assert page.headers.get(name), f"503 without {name}"
    assert ("<html" in page.text) is not htmx  # htmx: the fragment for the page's error region


def _booted_workers(server: Server) -> int:
    return server.log_text().count("Booting worker")


def _all_booted(server: Server, workers: int = 2) -> int:
    """Waits until each worker has started (the first may answer /healthz before the second)."""
    _wait_for(lambda: _booted_workers(server) >= workers, 30, "every worker booted")
    return _booted_workers(server)


# --- PostgreSQL restarted -------------------------------------------------------------------------


def test_postgresql_restarted_during_reading_and_posting(tmp_path: Path) -> None:
    gunicorn_available()
    with private_postgres() as postgres, \
            gunicorn_server(_site_env(postgres.url), tmp_path / "gunicorn.log", workers=2) as server:
        (slug,) = _sql(postgres.url, "SELECT slug FROM article ORDER BY id LIMIT 1")[0]
        workers = _all_booted(server)
        reader = Browser(forwarded_for="203.0.113.50")
        article = f"{server.url}/articles/{slug}"
        fields = {**form_fields(reader.get(article).text, "/comments"),
                  "author_name": "Outage Reader", "author_email": "outage@example.org"}

        with Load(server, slug) as load:
            _wait_for(lambda: len(load.acknowledged()) >= 8, 30, "posting before the restart")
            postgres.stop("fast")  # as for an upgrade: every connection is cut
            try:
                # During the outage: the site's own 503, never a traceback; a plain form comes back
                # with the reader's text, an htmx form is left as it was (the fragment goes to the
                # error region).
                health = _health(reader, server)
                assert health.status == 503 and '"unavailable"' in health.text
                _assert_clear_503(reader.get(article), htmx=False)
                text = "My comment, written during the outage & kept <here>."
                plain = reader.post(article + "/comments", {**fields, "body": text})
                _assert_clear_503(plain, htmx=False)
                assert "My comment, written during the outage &amp; kept &lt;here&gt;." in plain.text
                assert 'name="rendered_at"' in plain.text  # the form can be sent again as it is
                _assert_clear_503(reader.post(article + "/comments", {**fields, "body": text}, headers=HTMX),
                                  htmx=True)
                time.sleep(1)
            finally:
                postgres.start()
            # Back by itself: no worker restarted, the pool replaced its dead connections.
            _wait_for(lambda: _health(reader, server).status == 200, RECOVERY_TIMEOUT, "/healthz 200")
            after = len(load.answers)
            _wait_for(lambda: len(load.acknowledged()) >= 8 + 8 and len(load.answers) > after + 16, 30,
                      "posting after the restart")
        assert not load.failures, load.failures

        assert _booted_workers(server) == workers
        recovered = [page for _, _, page in load.answers[after:]]
        # Every request after /healthz said 200 is served: no stale connection left in any pool.
        assert all(page.status in (200, 303) for page in recovered[-16:]), \
            [page.status for page in recovered[-16:]]
        for kind, _, page in load.answers:
            assert page.status in (200, 303, 503), (kind, page.status, page.text[:500])
            assert "Traceback" not in page.text
            if page.status == 503:
                _assert_clear_503(page, htmx=kind == "htmx")
        resent = reader.post(article + "/comments", {**fields, "body": text})
        assert resent.status == 303

        stored = dict(_sql(postgres.url, "SELECT body, count(*) FROM comment GROUP BY body"))
        for body in [*load.acknowledged(), text]:
            assert stored.get(body) == 1, body
        assert max(stored.values()) == 1


# --- Redis stopped and started --------------------------------------------------------------------


@contextlib.contextmanager
def _site_database(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The site's database for a test whose fault is elsewhere: the embedded SQLite one, or a
    throwaway PostgreSQL database on the suite's PostgreSQL pass (TEST_DATABASE_URL set)."""
    if os.environ.get("TEST_DATABASE_URL"):
        with throwaway_postgres("faults") as url:
            yield url, _site_env(url)
    else:
        env = sqlite_site(tmp_path / "instance")
        env.update({key: value for key, value in _site_env("").items() if key.startswith("TALKBACK_")
                    and key != "TALKBACK_SECRET_KEY"})
        yield f"sqlite:///{tmp_path / 'instance' / 'talkback.sqlite3'}", env


def _redis_kinds(redis) -> set[str]:
    """What the site keeps in Redis just now: page-cache entries, limiter counters."""
    kinds = set()
    for key in redis.scan_iter(count=1000):
        if key.startswith(b"talkback:"):
            kinds.add("cache")
        elif b"LIMITER" in key:
            kinds.add("limits")
    return kinds


def test_redis_stopped_and_started_under_load(tmp_path: Path) -> None:
    """Stopped (gone), started again empty, then hung (SIGSTOP) and resumed."""
    gunicorn_available()
    with private_redis() as redis_server, _site_database(tmp_path) as (database_url, env):
        env = {**env, "TALKBACK_REDIS_URL": redis_server.url, "TALKBACK_RATELIMIT_ENABLED": "true",
               "TALKBACK_COMMENT_RATE_LIMIT": "10000 per hour", "TALKBACK_PROXY_FIX_X_FOR": "1"}
        if database_url.startswith("postgresql"):
            env["DATABASE_URL"] = database_url
        with gunicorn_server(env, tmp_path / "gunicorn.log", workers=2) as server:
            (slug,) = _sql(database_url, "SELECT slug FROM article ORDER BY id LIMIT 1")[0]
            workers = _all_booted(server)
            probe = Browser()
            with Load(server, slug) as load:
                _wait_for(lambda: len(load.acknowledged()) >= 8, 30, "posting with Redis")
                assert _redis_kinds(redis_server.client()) == {"cache", "limits"}
                redis_server.stop()
                during = len(load.answers)
                # Limits and pages fall back to each process; the balancer keeps the server (200).
                health = _health(probe, server)
                assert health.status == 200 and '"degraded"' in health.text, health.text
                _wait_for(lambda: len(load.acknowledged()) >= 16 and len(load.answers) > during + 24, 30,
                          "posting without Redis")
                served_without = len(load.answers) - during
                redis_server.start()  # empty, on the same port
                # Used again without a restart: pages kept and limits counted there once more.
                _wait_for(lambda: '"ok"' in _health(probe, server).text, RECOVERY_TIMEOUT, "/healthz ok")
                _wait_for(lambda: _redis_kinds(redis_server.client()) == {"cache", "limits"}, 60,
                          "the cache and the limiter using Redis again")

                # Redis hangs (stopped, not gone): each process stops waiting for it after a short
                # socket timeout and serves without it until it answers again (well before
                # gunicorn's 30 s worker timeout would kill a waiting worker).
                redis_server.pause()
                try:
                    hung = len(load.answers)
                    health = _health(probe, server)
                    assert health.status == 200 and '"degraded"' in health.text, health.text
                    _wait_for(lambda: len(load.answers) > hung + 24, 15, "serving while Redis hangs")
                finally:
                    redis_server.resume()
                _wait_for(lambda: '"ok"' in _health(probe, server).text, RECOVERY_TIMEOUT, "/healthz ok")
            assert not load.failures, load.failures

            assert served_without >= 24
            assert _booted_workers(server) == workers
            for kind, _, page in load.answers:
                assert page.status in (200, 303), (kind, page.status, page.text[:500])
            stored = dict(_sql(database_url, "SELECT body, count(*) FROM comment GROUP BY body"))
            for body in load.acknowledged():
                assert stored.get(body) == 1, body


# --- SQLite under pressure ------------------------------------------------------------------------

SQLITE_CONFIG = {
    "TESTING": True, "SECRET_KEY": "faults", "DEMO_CONTENT": True, "RATELIMIT_ENABLED": False,
    "COMMENT_FLOOD_SECONDS": 0, "COMMENT_MIN_FILL_SECONDS": 0, "PASSWORD_HASH_PROFILE": "CHEAPEST",
    "AUTO_MIGRATE": True,
}


def test_flask_backup_while_posts_arrive(tmp_path: Path) -> None:
    """The backup reads while writers go on (WAL); posts wait for the lock at most, none fails."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("`flask backup` copies SQLite databases (PostgreSQL: pg_dump)")
    gunicorn_available()
    from live_services import flask_command

    with _site_database(tmp_path) as (database_url, env), \
            gunicorn_server(env, tmp_path / "gunicorn.log", workers=2) as server:
        (slug,) = _sql(database_url, "SELECT slug FROM article ORDER BY id LIMIT 1")[0]
        with Load(server, slug) as load:
            _wait_for(lambda: len(load.acknowledged()) >= 4, 30, "posting")
            backups = []
            for n in range(3):
                before = len(load.acknowledged())
                backups.append(tmp_path / f"backup-{n}.sqlite3")
                flask_command(["backup", str(backups[-1])], env)
                _wait_for(lambda before=before: len(load.acknowledged()) > before + 4, 30, "posting on")
        assert not load.failures, load.failures
        for kind, _, page in load.answers:
            assert page.status in (200, 303), (kind, page.status, page.text[:500])
        stored = dict(_sql(database_url, "SELECT body, count(*) FROM comment GROUP BY body"))
        for body in load.acknowledged():
            assert stored.get(body) == 1, body
        copied = _sql(f"sqlite:///{backups[-1]}", "SELECT count(*) FROM comment")[0][0]
        assert 0 < copied <= len(stored)


@contextlib.contextmanager
def _small_filesystem(path: Path, size: str = "4m") -> Iterator[bool]:
    """A tmpfs of `size` at `path` (True), or False where this process may not mount one."""
    import subprocess

    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=True, capture_output=True)


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def test_sqlite_disk_full_refuses_posts_clearly_and_recovers(tmp_path: Path) -> None:
    """A full disk (a real small tmpfs; else SQLite's own SQLITE_FULL through max_page_count):
    posting answers 503 and keeps the reader's text, reading goes on, posting works again once
    there is room."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("the embedded SQLite database only")
    from support import post_comment, stored

    from app import create_app
    from talkback.extensions import db

    with _small_filesystem(tmp_path / "disk") as mounted:
        app = create_app({**SQLITE_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'disk' / 'site.sqlite3'}"})
        try:
            client = app.test_client()
            with app.app_context():
                slug = db.session.execute(sa.text("SELECT slug FROM article ORDER BY id LIMIT 1")).scalar()
            assert post_comment(app, client, slug, body="Before the disk filled up.").status_code == 303
            make_room = _fill(tmp_path / "disk").unlink if mounted else _simulate_full_disk(app)
            # Until SQLite needs a page it does not have, a post may still fit: post until refused.
            answers = []
            for n in range(200):
                answer = post_comment(app, client, slug, body=f"Comment {n} while the disk is full.")
                answers.append((f"Comment {n} while the disk is full.", answer.status_code))
                if answer.status_code != 303:
                    break
            assert answers[-1][1] == 503, answers[-1]
            refused = answer.get_data(as_text=True)
            assert UNAVAILABLE_TEXT in refused and answers[-1][0] in refused  # the text, to send again
            assert answer.headers["Content-Security-Policy"] and answer.headers["Retry-After"]
            htmx = post_comment(app, client, slug, htmx=True, body="An htmx comment, disk still full.")
            assert htmx.status_code == 503 and "<html" not in htmx.get_data(as_text=True)
            assert app.test_client().get(f"/articles/{slug}").status_code == 200  # reading goes on

            make_room()
            assert post_comment(app, client, slug, body="After the space came back.").status_code == 303
            bodies = [comment.body for comment in stored(app)]
            acknowledged = [body for body, status in answers if status == 303]
            for body in ["Before the disk filled up.", *acknowledged, "After the space came back."]:
                assert bodies.count(body) == 1, body
            assert answers[-1][0] not in bodies and "An htmx comment, disk still full." not in bodies
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _simulate_full_disk(app) -> Callable[[], None]:
    """SQLite itself answers SQLITE_FULL once the database would grow past its size now
    (max_page_count, set on every new connection) → the function that makes room again."""
    from talkback.extensions import db

    full = {"full"}
    with app.app_context():
        engine = db.engine
        db.session.remove()
        engine.dispose()

        @sa.event.listens_for(engine, "connect")
        def _limit(dbapi_connection, _record) -> None:
            if full:
                pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
                dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    def make_room() -> None:
        full.clear()
        with app.app_context():
            engine.dispose()  # the pooled connections keep their max_page_count

    return make_room


# --- A worker killed mid-post ---------------------------------------------------------------------


def _workers(server: Server) -> list[int]:
    import subprocess

    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.process.pid)],
                         capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def test_a_worker_killed_mid_post(tmp_path: Path) -> None:
    """16 clients post distinct comments; one of two workers is killed (SIGKILL, as the OOM killer
    does). A client whose connection died sends the same form again (its submission key too, as
    site.js keeps it), as a reader pressing the button again would: every post is answered as
    stored and stored exactly once (a retry of one the killed worker had stored is a no-op), and
    the master replaces the worker."""
    import http.client
    import signal

    gunicorn_available()
    with _site_database(tmp_path) as (database_url, env), \
            gunicorn_server(env, tmp_path / "gunicorn.log", workers=2) as server:
        (slug,) = _sql(database_url, "SELECT slug FROM article ORDER BY id LIMIT 1")[0]
        article = f"{server.url}/articles/{slug}"
        fields = form_fields(Browser().get(article).text, "/comments")
        stop = threading.Event()
        answers: list[tuple[str, int, int]] = []  # (body, attempt, status)
        lost: list[str] = []  # bodies whose every attempt lost its connection

        def client(n: int) -> None:
            browser = Browser(forwarded_for=f"198.51.100.{n + 1}")
            for k in itertools.count():
                if stop.is_set():
                    return
                body = f"Killed-worker comment {n}-{k}"
                data = {**fields, "body": body, "author_name": f"Reader {n}",
                        "author_email": f"reader{n}@example.org", "submission_key": uuid.uuid4().hex}
                for attempt in range(5):
                    try:
                        page = browser.post(article + "/comments", data, headers=HTMX if n % 2 else None)
                    except (OSError, http.client.HTTPException):
                        time.sleep(0.2)
                        continue
                    answers.append((body, attempt, page.status))
                    break
                else:
                    lost.append(body)

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(16)]
        for thread in threads:
            thread.start()
        try:
            _wait_for(lambda: len(answers) >= 20, 30, "posting")
            victim = _workers(server)[0]
            os.kill(victim, signal.SIGKILL)
            killed_at = len(answers)
            _wait_for(lambda: len(_workers(server)) == 2 and victim not in _workers(server), 30,
                      "a new worker")
            _wait_for(lambda: len(answers) >= killed_at + 30, 30, "posting after the kill")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

        assert server.log_text().count("Booting worker") >= 3
        stored = dict(_sql(database_url, "SELECT body, count(*) FROM comment GROUP BY body"))
        assert max(stored.values()) == 1  # nothing stored twice, retries included
        assert not lost
        for body, attempt, status in answers:
            assert status in (200, 303), (body, attempt, status)
            assert stored.get(body) == 1, body
