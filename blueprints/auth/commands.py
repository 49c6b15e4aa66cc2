"""`flask moderators …`: create, list, set-password, remove. There is no self-registration."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from talkback.models import Role

from . import accounts

moderators = AppGroup("moderators", help="Create, list and remove the moderators of the dashboard.")

_stdin_option = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from the first line of standard input instead of asking for it.",
)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


def _existing(name: str):
    moderator = accounts.find(name)
    if moderator is None:
        raise click.ClickException(f"There is no moderator named {name!r}.")
    return moderator


def _attempt(action, *args):
    try:
        return action(*args)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None


@moderators.command("create")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Make an admin, who also manages moderators and settings.")
@click.option("--editor", is_flag=True, help="Make an editor, who writes articles and moderates nothing.")
@_stdin_option
def create_moderator(name: str, admin: bool, editor: bool, password_stdin: bool) -> None:
    """Create the moderator NAME (asks for the password twice)."""
    if admin and editor:
        raise click.UsageError("Choose --admin or --editor, not both (an admin also edits articles).")
    name = _attempt(accounts.clean_name, name)
    if accounts.find(name) is not None:
        raise click.ClickException(f"A moderator named {name!r} already exists.")
    password = _read_password(password_stdin)
    role = Role.ADMIN if admin else Role.EDITOR if editor else Role.MODERATOR
    moderator = _attempt(accounts.create_moderator, name, password, role)
    click.echo(f"Created {moderator.role.value} {moderator.name!r}. They can log in at /moderation/login.")


@moderators.command("list")
def list_moderators() -> None:
    """List the moderators, with their role (admin, moderator or editor) and when they were created."""
    everyone = accounts.all_moderators()
    if not everyone:
        click.echo("No moderators yet. Create one with: flask moderators create NAME --admin")
        return
    width = max(len(m.name) for m in everyone)
    for moderator in everyone:
        click.echo(f"{moderator.name:<{width}}  {moderator.role.value:<9}  "
                   f"created {moderator.created_at:%Y-%m-%d %H:%M} UTC")


@moderators.command("set-password")
@click.argument("name")
@_stdin_option
def set_password(name: str, password_stdin: bool) -> None:
    """Give NAME a new password (asks twice); their open sessions end."""
    moderator = _existing(name)
    _attempt(accounts.set_password, moderator, _read_password(password_stdin))
    click.echo(f"Changed the password of {moderator.name!r}; their open sessions have ended.")


@moderators.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove_moderator(name: str, yes: bool) -> None:
    """Remove NAME. Their past decisions stay in the audit trail."""
    moderator = _existing(name)
    if not yes:
        click.confirm(f"Remove the moderator {moderator.name!r}?", abort=True)
    shown = moderator.name
    _attempt(accounts.remove, moderator)
    click.echo(f"Removed {shown!r}.")
