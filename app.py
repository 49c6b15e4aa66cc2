"""Entry point for `flask run` (found with no FLASK_APP set) and `gunicorn 'app:create_app()'`."""

from talkback import create_app

__all__ = ["create_app"]
