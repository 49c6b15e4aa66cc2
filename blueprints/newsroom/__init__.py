"""The newsroom: editors (and admins) write, preview, schedule, publish and unpublish articles."""

from flask import Blueprint

bp = Blueprint("newsroom", __name__, url_prefix="/moderation/articles")

from . import views  # noqa: E402,F401
