"""/healthz for load balancers, and the request log line with its X-Request-ID."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator

import pytest
from live_services import redis_url

from app import create_app
from blueprints.ops.requestlog import LOGGER
from talkback.extensions import db


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, level: int = logging.INFO) -> list[dict]:
        return [json.loads(r.getMessage()) for r in self.records if r.levelno >= level]


@pytest.fixture
def request_log() -> Iterator[_Lines]:
    handler = _Lines()
    LOGGER.addHandler(handler)
    level = LOGGER.level
    LOGGER.setLevel(logging.DEBUG)
    yield handler
    LOGGER.setLevel(level)
    LOGGER.removeHandler(handler)


def test_healthz_reports_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok"}
    assert body["schema"]["database"] == body["schema"]["code"] is not None


def test_healthz_is_503_when_the_database_is_gone(tmp_path) -> None:
    # A real failure, no mock: the SQLite file's directory disappears under a running app.
    home = tmp_path / "site"
    home.mkdir()
    app = create_app({"DATABASE_URL": f"sqlite:///{home / 'live.sqlite3'}", "AUTO_MIGRATE": True,
                      "SECRET_KEY": "test", "TESTING": True})
    assert app.test_client().get("/healthz").status_code == 200

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(home)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert response.get_json()["checks"]["database"] == "unavailable"
    with app.app_context():
        db.engine.dispose()


def test_healthz_checks_redis_when_the_site_uses_it(make_app) -> None:
    url = redis_url()
    assert make_app(REDIS_URL=url).test_client().get("/healthz").get_json()["checks"] == {
        "database": "ok", "redis": "ok"}


def test_healthz_reports_redis_down_as_degraded_not_dead(make_app) -> None:
    """Redis down affects every server alike; taking them all out of the balancer would only make
    the site unreachable, while without Redis it still serves (limits counted per process)."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["checks"] == {"database": "ok", "redis": "unavailable"}


def test_each_request_gets_an_id_and_one_log_line(client, request_log) -> None:
    first = client.get("/")
    second = client.get("/no-such-page")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert ids[0] != ids[1]
    lines = request_log.lines()
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/", 200), ("GET", "/no-such-page", 404)]
    assert [line["request_id"] for line in lines] == ids
    for line in lines:
        assert line["event"] == "request"
        assert line["ip"] == "127.0.0.1"
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
        assert line["ts"].endswith("+00:00")
    assert lines[0]["bytes"] == len(first.data)


def test_health_checks_do_not_crowd_the_log(client, request_log) -> None:
    client.get("/healthz")
    assert request_log.lines(logging.INFO) == []
    assert [line["path"] for line in request_log.lines(logging.DEBUG)] == ["/healthz"]


def test_an_incoming_request_id_is_used_only_behind_a_trusted_proxy(make_app) -> None:
    direct = make_app().test_client().get("/healthz", headers={"X-Request-ID": "lb-1234"})
    assert direct.headers["X-Request-ID"] != "lb-1234"


def test_a_proxy_request_id_is_kept_when_the_proxy_is_trusted(make_app, request_log) -> None:
    client = make_app(PROXY_FIX_X_FOR=1).test_client()
    response = client.get("/", headers={"X-Request-ID": "lb-1234", "X-Forwarded-For": "198.51.100.7"})
    assert response.headers["X-Request-ID"] == "lb-1234"
    assert request_log.lines()[-1]["request_id"] == "lb-1234"
    assert request_log.lines()[-1]["ip"] == "198.51.100.7"
    # Anything that could forge a log line is replaced by a fresh id.
    forged = client.get("/", headers={"X-Request-ID": 'x" "status": 200'})
    assert forged.headers["X-Request-ID"] != 'x" "status": 200'
    assert len(forged.headers["X-Request-ID"]) == 32
