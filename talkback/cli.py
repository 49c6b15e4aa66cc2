"""Command-line commands: `flask moderators …` and the rest, registered on the app."""

from flask import Flask


def init_app(app: Flask) -> None:
    from .blueprints.auth.commands import moderators

    app.cli.add_command(moderators)
