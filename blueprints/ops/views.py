"""GET /healthz: is this app server able to serve? Checks the database (and Redis when used)."""

from __future__ import annotations

from flask import current_app, jsonify

from talkback.extensions import db, limiter

from . import bp
from .health import check_database, check_redis, code_revision


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 when this server can serve; 503 when its database does not answer. Redis (when used) is
    reported but does not fail the check: without it limits are counted per process for a while
    (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), and taking every server out of the load balancer over
    it would turn a degraded site into a dead one. The schema revisions are reported, not enforced:
    during a rolling deploy old and new servers run side by side."""
    database_ok, revision = check_database()
    checks = {"database": "ok" if database_ok else "unavailable"}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = "ok" if check_redis() else "unavailable"
    if not database_ok:
        status = "unavailable"
    elif any(value != "ok" for value in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    body = {
        "status": status,
        "checks": checks,
        "schema": {"database": revision, "code": code_revision()},
        "database": db.engine.dialect.name,
    }
    response = jsonify(body)
    response.status_code = 200 if database_ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
