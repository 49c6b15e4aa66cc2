from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

from . import moderator_views, settings_views, views  # noqa: E402,F401
