"""The checks behind /healthz, as plain functions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from talkback.extensions import db


def check_database() -> tuple[bool, str | None]:
    """(answers, its schema revision). One round trip each; never raises."""
    try:
        revision = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        return True, revision
    except SQLAlchemyError:
        db.session.rollback()
        try:
            # Answers, but has no migrations applied yet.
            db.session.execute(sa.text("SELECT 1"))
            return True, None
        except SQLAlchemyError as error:
            db.session.rollback()
            current_app.logger.warning("health check: database unavailable: %s", error)
            return False, None


def check_redis() -> bool:
    import redis

    client = current_app.extensions.get("talkback_health_redis")
    if client is None:
        client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2,
                                      socket_connect_timeout=2)
        current_app.extensions["talkback_health_redis"] = client
    try:
        return bool(client.ping())
    except redis.RedisError as error:
        current_app.logger.warning("health check: redis unavailable: %s", error)
        return False


def code_revision() -> str | None:
    """The newest migration this code ships (read once per process)."""
    head = current_app.extensions.get("talkback_code_revision")
    if head is None:
        config = current_app.extensions["migrate"].migrate.get_config()
        head = ScriptDirectory.from_config(config).get_current_head()
        current_app.extensions["talkback_code_revision"] = head
    return head
