"""The real services some tests need: a PostgreSQL server, Redis, gunicorn processes, nginx in
front of gunicorn, and a small cookie-keeping HTTP client that reads forms as a browser does.

Locally a missing service skips those tests with the reason; in CI (CI=true) it fails them, since
.ci/run installs nginx and starts PostgreSQL and Redis.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"  # a database number of its own; keys carry a prefix too


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where the service is supposed to be running."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: .ci/run installs or starts it, so it must be there)")
    pytest.skip(reason)


# --- PostgreSQL ---------------------------------------------------------------------------------


def postgres_server() -> sa.URL:
    """The maintenance database of the PostgreSQL server the tests may use (TEST_DATABASE_URL's
    server, else TEST_POSTGRES_URL, else this machine's), or a skip."""
    given = os.environ.get("TEST_DATABASE_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    url = sa.make_url(given).set(database="postgres")
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except Exception as error:  # noqa: BLE001 — any failure means "no server here"
        unavailable(f"no PostgreSQL server at {url.render_as_string(hide_password=True)}: "
                    f"{type(error).__name__}")
    finally:
        engine.dispose()
    return url


@contextlib.contextmanager
def throwaway_postgres(purpose: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards (never the shared one)."""
    server = postgres_server()
    name = f"talkback_tmp_{purpose}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


POSTGRES_BIN = Path(os.environ.get("TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """A PostgreSQL server of one test's own (initdb in a temporary directory, a free port on
    127.0.0.1): a test may stop and restart it without touching the machine's shared server."""

    def __init__(self, home: Path, port: int, as_user: list[str]) -> None:
        self.home, self.port, self.as_user = home, port, as_user
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*self.as_user, str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.home / "data"),
                        "-l", str(self.home / "log"), "-o", options, "-w", "-t", "60", *args],
                       check=True, capture_output=True, timeout=90)

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        """fast: clients are disconnected at once, as in a restart for an upgrade."""
        self._pg_ctl("stop", "-m", mode)

    def running(self) -> bool:
        return (self.home / "data" / "postmaster.pid").exists()


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL server, started; stopped and deleted afterwards whatever happens."""
    import tempfile

    if not (POSTGRES_BIN / "initdb").exists():
        unavailable(f"no PostgreSQL server binaries in {POSTGRES_BIN}")
    home = Path(tempfile.mkdtemp(prefix="talkback-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(home, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PrivatePostgres(home, free_port(), as_user)
    try:
        subprocess.run([*as_user, str(POSTGRES_BIN / "initdb"), "-D", str(home / "data"), "-U", "postgres",
                        "-A", "trust", "--no-sync"], check=True, capture_output=True, timeout=120)
        server.start()
        yield server
    finally:
        if server.running():
            with contextlib.suppress(subprocess.SubprocessError):
                server.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)


# --- Redis --------------------------------------------------------------------------------------


def redis_url() -> str:
    import redis

    url = os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        unavailable(f"no Redis at {url}: {type(error).__name__}")
    return url


class PrivateRedis:
    """A redis-server of one test's own on a free port of 127.0.0.1, nothing kept on disk: a test may
    stop it and start it again (empty, on the same port) without touching the machine's Redis."""

    def __init__(self, home: Path, port: int) -> None:
        self.home, self.port = home, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        executable = shutil.which("redis-server")
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.home)],
            stdout=(self.home / "log").open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start:\n{(self.home / 'log').read_text()}")

    def pause(self) -> None:
        """Redis hangs (SIGSTOP): connections are accepted by the kernel but never answered."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()  # a stopped process would not act on SIGTERM
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    """A private redis-server, started; stopped afterwards whatever happens."""
    import tempfile

    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    home = Path(tempfile.mkdtemp(prefix="talkback-redis-"))
    server = PrivateRedis(home, free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def delete_redis_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"*{prefix}*", count=500))
    if keys:
        client.delete(*keys)


# --- gunicorn -----------------------------------------------------------------------------------


def gunicorn_available() -> str:
    found = shutil.which("gunicorn", path=os.path.dirname(sys.executable) + os.pathsep
                         + os.environ.get("PATH", ""))
    if not found:
        unavailable("gunicorn is not installed")
    return found


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], log: Path, workers: int = 2, ready_timeout: float = 60,
                    inherit_env: bool = True) -> Iterator[Server]:
    """A real gunicorn (gunicorn.conf.py) on a free port of 127.0.0.1, stopped afterwards.
    `env` adds to this process's environment, or replaces it (inherit_env=False)."""
    executable = gunicorn_available()
    full_env = {**(os.environ if inherit_env else {}), **env, "TALKBACK_BIND": "127.0.0.1:0",
                "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": "2"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [executable, "-c", "gunicorn.conf.py", "app:create_app()"],
            cwd=ROOT, env=full_env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        server = Server(_wait_until_ready(process, log, ready_timeout), process, log)
        yield server
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen, log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        if url is None and (match := _LISTENING.search(log.read_text(errors="replace"))):
            url = f"http://127.0.0.1:{match.group(1)}"
        if url is not None:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return url
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn was not ready in {timeout}s:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers gracefully
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def flask_command(args: list[str], env: dict[str, str],
                  stdin: str | None = None) -> subprocess.CompletedProcess:
    """Runs `flask …` in the worktree as an operator would; fails the test on an error."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app:create_app", *args], input=stdin,
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def run_sql(database_url: str, statement: str, **params) -> list[tuple]:
    """One statement on a live server's database, from outside the server (its own engine)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def sqlite_site(instance: Path, **settings: str) -> dict[str, str]:
    """The environment of a gunicorn site on the embedded SQLite database in `instance` (made,
    migrated and seeded on start), with `settings` as TALKBACK_<KEY> variables; nothing from
    this process's TALKBACK_*, TEST_* or DATABASE_URL leaks in."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("TALKBACK_", "TEST_")) and name != "DATABASE_URL"}
    env.update({"TALKBACK_INSTANCE_PATH": str(instance), "TALKBACK_SECRET_KEY": "site-" + uuid.uuid4().hex,
                "TALKBACK_PASSWORD_HASH_PROFILE": "CHEAPEST"})
    env.update({f"TALKBACK_{key}": value for key, value in settings.items()})
    return env


def create_moderator_cli(env: dict[str, str], name: str, password: str, admin: bool = False) -> None:
    """`flask moderators create NAME [--admin] --password-stdin`, as docs/deploy.md says."""
    flask_command(["moderators", "create", name, *(["--admin"] if admin else []), "--password-stdin"],
                  env, stdin=password + "\n")


# --- nginx -------------------------------------------------------------------------------------


def nginx_available() -> None:
    from deploy.nginx import local

    if local.executable() is None:
        unavailable("nginx is not installed (Debian: apt-get install nginx)")


@contextlib.contextmanager
def nginx_server(upstream: Server, prefix: Path) -> Iterator[str]:
    """nginx with deploy/nginx/talkback.conf (only its port, upstream and paths replaced) in front
    of `upstream`, in the foreground, with its files under `prefix` → its base URL."""
    from deploy.nginx import local

    nginx_available()
    with local.running(prefix, upstream=upstream.url.removeprefix("http://")) as url:
        yield url


# --- A small browser ----------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """Keeps cookies across requests (and across servers on 127.0.0.1, as behind one load
    balancer); never follows redirects; reports errors as pages."""

    def __init__(self, forwarded_for: str | None = None) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect
        )
        self.forwarded_for = forwarded_for

    def request(self, method: str, url: str, data: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> Page:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        all_headers = {"User-Agent": "talkback-tests", **(headers or {})}
        if self.forwarded_for:
            all_headers["X-Forwarded-For"] = self.forwarded_for
        req = urllib.request.Request(url, data=body, method=method, headers=all_headers)
        try:
            with self.opener.open(req, timeout=30) as response:
                return Page(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            return Page(error.code, dict(error.headers), error.read().decode(errors="replace"))

    def get(self, url: str, **kwargs) -> Page:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, data: dict[str, str], **kwargs) -> Page:
        return self.request("POST", url, data=data, **kwargs)


class _FormParser(HTMLParser):
    def __init__(self, action_suffix: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action_suffix = action_suffix
        self.inside = False
        self.found = False
        self.fields: dict[str, str] = {}
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        action = a.get("action", "").split("#")[0]
        if tag == "form" and not self.found and action.endswith(self.action_suffix):
            self.inside = self.found = True
        elif self.inside and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            if kind in {"submit", "button", "image"}:
                return
            self.fields[a["name"]] = a.get("value", "")
        elif self.inside and tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.fields[self.textarea] = ""
        elif self.inside and tag == "select" and a.get("name"):
            self.select = a["name"]
        elif self.select and tag == "option" and (self.select not in self.fields or "selected" in a):
            self.fields[self.select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            # A browser drops one newline right after <textarea>.
            self.fields[self.textarea] += data.removeprefix("\n") if not self.fields[self.textarea] else data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_fields(html: str, action_suffix: str) -> dict[str, str]:
    """What a browser would send for the form whose action ends with `action_suffix`, before the
    user types anything (hidden fields, CSRF token, honeypots left empty, textareas and selects as
    shown)."""
    parser = _FormParser(action_suffix)
    parser.feed(html)
    assert parser.found, f"no form posting to …{action_suffix} on the page"
    return parser.fields


