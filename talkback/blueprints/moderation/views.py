"""The moderation dashboard (built out by the moderation issue)."""

from flask_login import login_required

from . import bp


@bp.get("/")
@login_required
def queue():
    return "queue"
