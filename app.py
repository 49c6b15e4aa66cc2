"""The application factory: `flask run` finds `create_app` here with no FLASK_APP set, and
`gunicorn 'app:create_app()'` serves it, both from the checkout (see the README's layout)."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from talkback import config as default_config

ROOT_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE = ROOT_DIR / "instance"
MIGRATIONS_DIR = ROOT_DIR / "talkback" / "migrations"
REDIS_TIMEOUT = 0.5  # seconds; Redis answers on a healthy network in well under a millisecond


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance_path = os.environ.get("TALKBACK_INSTANCE_PATH") or str(DEFAULT_INSTANCE)
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    _configure(app, test_config)

    from talkback.extensions import cache, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)

    from blueprints import web

    web.init_app(app)

    from blueprints.articles import bp as articles_bp
    from blueprints.auth import bp as auth_bp
    from blueprints.comments import bp as comments_bp
    from blueprints.moderation import bp as moderation_bp
    from blueprints.newsroom import bp as newsroom_bp

    app.register_blueprint(articles_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(newsroom_bp)

    from blueprints import ops

    ops.init_app(app)  # /healthz, request log, ProxyFix (around everything above)

    from talkback import cli, startup

    cli.init_app(app)
    startup.prepare(app)
    return app


def _configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_object(default_config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("TALKBACK")
    if os.environ.get("DATABASE_URL") and not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)

    embedded = not app.config["DATABASE_URL"]
    if embedded:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "talkback.sqlite3")
    if app.config["AUTO_MIGRATE"] is None:
        app.config["AUTO_MIGRATE"] = embedded
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["DATABASE_URL"].startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)

    if not app.config["SECRET_KEY"]:
        if not embedded:
            raise RuntimeError(
                "TALKBACK_SECRET_KEY is not set. Outside the embedded SQLite default the secret key "
                "must come from the environment (see docs/deploy.md)."
            )
        app.config["SECRET_KEY"] = _instance_secret_key(app)

    # Limits, screening and the page cache share state through Redis when it is configured.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    if app.config["REDIS_URL"]:
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_URL", app.config["REDIS_URL"])
        # A Redis that hangs (its host gone from the network, the process stopped) costs a request
        # this long, not a TCP timeout: the page is rendered and limits counted in the process.
        timeouts = {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}
        app.config.setdefault("CACHE_OPTIONS", timeouts)
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", timeouts)
    app.config.setdefault("CACHE_TYPE", "SimpleCache")
    # Per database: two sites sharing one Redis never read each other's pages.
    database = hashlib.sha256(app.config["DATABASE_URL"].encode()).hexdigest()[:12]
    app.config.setdefault("CACHE_KEY_PREFIX", f"talkback:{database}:")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_ENABLED", True)

    https = bool(app.config["HTTPS"])
    app.config.update(
        # Every cookie of ours starts with talkback_ (a proxy cache bypasses on them; docs/deploy.md).
        SESSION_COOKIE_NAME="talkback_session",
        REMEMBER_COOKIE_NAME="talkback_remember",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        PREFERRED_URL_SCHEME="https" if https else "http",
        WTF_CSRF_TIME_LIMIT=None,  # staff forms: the token lives as long as the login session
    )


def _instance_secret_key(app: Flask) -> str:
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        # Written aside and linked into place, so workers starting together agree on one key.
        tmp = path.with_name(f"secret_key.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
