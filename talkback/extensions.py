"""Flask extensions, created unbound; create_app() binds them with init_app()."""

from flask import current_app, request, session
from flask_limiter import Limiter
from flask_login import LoginManager as _LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class LoginManager(_LoginManager):
    """Flask-Login's manager, but a reader's session is left alone.

    With session_protection = "strong", Flask-Login treats any non-empty session without a login
    identifier (a reader's, which holds only the CSRF token) as hijacked each time the user is
    loaded — on every rendered template — and rewrites it, clearing the remember cookie: two
    Set-Cookie headers and a re-signed session on every page and every counter request. A session
    with no login and no remember cookie has nothing to protect, so the check is skipped for it.
    """

    def _session_protection_failed(self) -> bool:
        cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        if "_user_id" not in session and cookie_name not in request.cookies:
            return False
        return super()._session_protection_failed()


def client_ip() -> str:
    """The address limits and screening count against (ProxyFix sets it behind a proxy)."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Limits are declared on the views; storage (memory or Redis) comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=client_ip)
