"""GET /healthz: is this app server able to serve? Checks the database (and Redis when used)."""

from __future__ import annotations

from flask import current_app, jsonify

from ...extensions import db, limiter
from . import bp
from .health import check_database, check_redis, code_revision


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 with {"status": "ok"} when the database answers; 503 otherwise. The schema revisions are
    reported, not enforced: during a rolling deploy old and new servers run side by side."""
    checks: dict[str, str] = {}
    database_ok, revision = check_database()
    checks["database"] = "ok" if database_ok else "unavailable"
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = "ok" if check_redis() else "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": checks,
        "schema": {"database": revision, "code": code_revision()},
        "database": db.engine.dialect.name,
    }
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response

