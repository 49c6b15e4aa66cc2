"""The ceiling (row A): a hello-world Flask app, served by the same gunicorn settings as Talkback."""

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello() -> str:
        return "Hello, World!"

    return app
