"""Operations: /healthz for load balancers, request logging and ProxyFix (docs/deploy.md)."""

from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

bp = Blueprint("ops", __name__)

from . import views  # noqa: E402,F401

PROXY_FIX_KEYS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")


def init_app(app: Flask) -> None:
    from . import requestlog

    app.register_blueprint(bp)
    requestlog.init_app(app)
    # Outermost, so that the request log and everything inside see the client's real address.
    counts = {key: int(app.config[f"PROXY_FIX_{key.upper()}"] or 0) for key in PROXY_FIX_KEYS}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)
