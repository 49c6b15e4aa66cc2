"""Command-line commands: `flask moderators …` and the rest, registered on the app.

    flask seed                  the comment policy rules (and the demo article with DEMO_CONTENT)
    flask backup [PATH]         SQLite online backup to a file (PostgreSQL: pg_dump, docs/deploy.md)
    flask export [FILE]         the whole site as JSON (stdout by default)
    flask import FILE           an export into an empty database at the same schema revision
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    from blueprints.auth.commands import moderators

    app.cli.add_command(moderators)
    app.cli.add_command(seed_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items())


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the comment policy rules, and the demo article when DEMO_CONTENT is on and the site has
    no articles. Safe to run again: it adds only what is missing."""
    from .startup import seed

    seed(current_app)  # type: ignore[arg-type]  (the proxy stands for the app)
    click.echo("Seeded the comment policy rules" + (" and the demo content." if current_app.config[
        "DEMO_CONTENT"] else "."))


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup_command(path: Path | None, force: bool) -> None:
    """Copy the SQLite database to PATH while the site runs (default: instance/backups/…)."""
    from .datatransfer import TransferError, backup_sqlite, default_backup_path

    try:
        written = backup_sqlite(path or default_backup_path(current_app.instance_path), overwrite=force)
    except TransferError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up to {written}")


@click.command("export")
@click.argument("path", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@with_appcontext
def export_command(path: str) -> None:
    """Write articles, comments, moderation history, moderators, the policy and settings as JSON
    to PATH (default: standard output)."""
    from .datatransfer import export_data

    if path == "-":
        counts = export_data(sys.stdout)
    else:
        partial = Path(path + ".part")
        with partial.open("w", encoding="utf-8") as out:
            counts = export_data(out)
        partial.replace(path)
    click.echo(f"Exported: {_summary(counts)}", err=True)


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--replace", is_flag=True,
              help="Delete every row in the database first (e.g. the seed data of a new site).")
@with_appcontext
def import_command(path: str, replace: bool) -> None:
    """Load an export made by `flask export` into an empty database, keeping ids, times and
    statuses. Everything is imported in one transaction, or nothing is."""
    from .datatransfer import TransferError, import_data

    try:
        if path == "-":
            data = json.load(sys.stdin)
        else:
            with open(path, encoding="utf-8") as source:
                data = json.load(source)
        counts = import_data(data, replace=replace)
    except (TransferError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise click.ClickException(f"Nothing was imported. {error}") from error
    click.echo(f"Imported: {_summary(counts)}")
