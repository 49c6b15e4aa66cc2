"""Flask extensions, created unbound; create_app() binds them with init_app()."""

from flask import request
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def client_ip() -> str:
    """The address limits and screening count against (ProxyFix sets it behind a proxy)."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Limits are declared on the views; storage (memory or Redis) comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=client_ip)
# Rendered comment lists and anonymous article pages (SimpleCache, or RedisCache with REDIS_URL).
cache = Cache()
