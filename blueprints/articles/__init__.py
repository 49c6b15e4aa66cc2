from flask import Blueprint

bp = Blueprint("articles", __name__)

from . import redirects, views  # noqa: E402,F401
