"""Production settings: the secret key, HTTPS cookies, ProxyFix, Redis, gunicorn.conf.py, and one
machine serving the site with gunicorn on the embedded SQLite database."""

from __future__ import annotations

import json
import os
import runpy
from pathlib import Path

import pytest
import sqlalchemy as sa
from live_services import ROOT, Browser, form_fields, gunicorn_server
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from talkback.extensions import db
from talkback.models import Comment

COMMENT = {"author_name": "Reader", "author_email": "reader@example.org", "body": "A fair point, well made."}


@pytest.fixture
def clean_env(monkeypatch) -> None:
    for name in list(os.environ):
        if name.startswith("TALKBACK_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def test_a_database_other_than_the_embedded_default_needs_a_secret_key(clean_env, tmp_path) -> None:
    for url in (f"sqlite:///{tmp_path / 'x.sqlite3'}", "postgresql+psycopg://nobody@127.0.0.1:1/none"):
        with pytest.raises(RuntimeError, match="TALKBACK_SECRET_KEY"):
            create_app({"DATABASE_URL": url})


def test_settings_come_from_the_environment(clean_env, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("TALKBACK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("TALKBACK_PROXY_FIX_X_FOR", "1")
    monkeypatch.setenv("TALKBACK_PROXY_FIX_X_PROTO", "1")
    monkeypatch.setenv("TALKBACK_REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("TALKBACK_HTTPS", "true")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["AUTO_MIGRATE"] is False  # production databases: `flask db upgrade`
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    proxy = app.wsgi_app
    assert isinstance(proxy, ProxyFix) and (proxy.x_for, proxy.x_proto, proxy.x_host) == (1, 1, 0)
    with app.app_context():
        db.engine.dispose()


def _post_comment(client, article, headers=None):
    page = client.get(f"/articles/{article.slug}", headers=headers or {})
    data = {**form_fields(page.get_data(as_text=True), f"/articles/{article.slug}/comments"), **COMMENT}
    return client.post(f"/articles/{article.slug}/comments", data=data, headers=headers or {})


def _stored_ips(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            sa.select(Comment.author_ip).where(Comment.body == COMMENT["body"]).order_by(Comment.id)))


def test_without_proxy_fix_forwarded_headers_are_ignored(make_app, article) -> None:
    app = make_app()
    response = _post_comment(app.test_client(), article, {"X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 303
    assert _stored_ips(app) == ["127.0.0.1"]


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(make_app, article) -> None:
    app = make_app(PROXY_FIX_X_FOR=1)
    # One proxy in front: it appended the address it saw; anything before that the client made up.
    response = _post_comment(app.test_client(), article, {"X-Forwarded-For": "10.9.9.9, 198.51.100.7"})
    assert response.status_code == 303
    assert _stored_ips(app) == ["198.51.100.7"]


def test_https_marks_cookies_secure_and_sends_hsts(make_app, article) -> None:
    client = make_app(HTTPS=True).test_client()
    response = client.get(f"/articles/{article.slug}")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    posted = _post_comment(client, article)  # a plain post: the session carries the thank-you
    session = [c for c in posted.headers.getlist("Set-Cookie") if c.startswith("talkback_session=")]
    assert session and "Secure" in session[0] and "HttpOnly" in session[0]


def test_gunicorn_conf_reads_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("TALKBACK_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == ["0.0.0.0:9000"]
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (3, 4, "gthread")
    assert conf["accesslog"] is None and conf["errorlog"] == "-"
    assert conf["control_socket_disable"] is True
    monkeypatch.delenv("WEB_CONCURRENCY")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 2 * os.cpu_count() + 1


@pytest.mark.slow
def test_one_machine_gunicorn_on_the_embedded_sqlite(tmp_path: Path) -> None:
    """docs/deploy.md, one machine: gunicorn on a fresh instance folder migrates, seeds, makes a
    secret key once, and serves pages, forms and /healthz, logging one JSON line per request."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("TALKBACK_") and name != "DATABASE_URL"}
    env.update(TALKBACK_INSTANCE_PATH=str(tmp_path / "instance"), TALKBACK_COMMENT_MIN_FILL_SECONDS="0")
    log = tmp_path / "gunicorn.log"
    with gunicorn_server(env, log, workers=2, inherit_env=False) as server:
        browser = Browser()
        health = browser.get(server.url + "/healthz")
        assert health.status == 200 and json.loads(health.text)["checks"] == {"database": "ok"}
        front = browser.get(server.url + "/")
        assert front.status == 200
        slug = _first_article_slug(front.text)
        page = browser.get(f"{server.url}/articles/{slug}")
        data = {**form_fields(page.text, f"/articles/{slug}/comments"), **COMMENT}
        posted = browser.post(f"{server.url}/articles/{slug}/comments", data)
        assert posted.status == 303, posted.text[:500]
        again = browser.get(f"{server.url}/articles/{slug}")
        assert "awaiting moderation" in again.text
        request_ids = {health.headers["X-Request-ID"], posted.headers["X-Request-ID"]}

    assert (tmp_path / "instance" / "secret_key").exists()
    assert (tmp_path / "instance" / "talkback.sqlite3").exists()
    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith('{"ts"')]
    posts = [line for line in lines if line["method"] == "POST"]
    assert len(posts) == 1 and posts[0]["status"] == 303 and posts[0]["request_id"] in request_ids
    assert all(line["path"] != "/healthz" for line in lines)  # health checks are not logged at INFO
    # Migrated once, by the master: each revision once.
    assert server.log_text().count("Running upgrade  -> 0001") == 1
    assert server.log_text().count("Running upgrade 0001 -> 0002") == 1


def _first_article_slug(html: str) -> str:
    import re

    match = re.search(r'href="/articles/([^"#?]+)"', html)
    assert match, "no article linked from the front page"
    return match.group(1)


def test_flask_seed_loads_the_policy_rules_once(tmp_path: Path) -> None:
    """After `flask db upgrade` a production database is empty; `flask seed` adds what a site needs
    and, run again, adds nothing."""
    from flask_migrate import upgrade

    from talkback.models import Article, PolicyRule

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", "AUTO_MIGRATE": False,
                      "SECRET_KEY": "test", "TESTING": True, "DEMO_CONTENT": False})
    with app.app_context():
        upgrade()
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyRule)) == 7
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0
        db.engine.dispose()


def test_a_redis_outage_degrades_limits_instead_of_failing_requests(make_app) -> None:
    """Limits then count inside each process (logged) until Redis answers again."""
    from talkback.extensions import csrf, limiter

    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_ENABLED=True)  # nothing on port 1

    @app.post("/test-limited")  # (only POSTs carry limits)
    @csrf.exempt
    @limiter.limit("2 per hour")
    def limited():
        return "ok"

    client = app.test_client()
    assert [client.post("/test-limited").status_code for _ in range(3)] == [200, 200, 429]
