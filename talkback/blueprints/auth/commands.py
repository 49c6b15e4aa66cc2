"""`flask moderators …` (built out by the moderation issue)."""

import click
from flask.cli import AppGroup

moderators = AppGroup("moderators", help="Create, list and remove moderators.")


@moderators.command("list")
def list_moderators() -> None:
    click.echo("no moderators yet")
