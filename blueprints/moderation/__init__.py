from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

from . import settings_views, views  # noqa: E402,F401
