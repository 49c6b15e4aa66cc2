"""Command-line commands: `flask moderators …` and the rest, registered on the app.

    flask seed                  the comment policy rules (and the demo article with DEMO_CONTENT)
    flask backup [PATH]         SQLite online backup to a file (PostgreSQL: pg_dump, docs/deploy.md)
    flask export [FILE]         the whole site as JSON (stdout by default)
    flask import FILE           an export into an empty database at the same schema revision
    flask import-wordpress FILE a WordPress export (WXR) into this site, adding what is new
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
    app.cli.add_command(import_wordpress_command)


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


@click.command("import-wordpress")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pages", is_flag=True, help="Import WordPress pages as articles too.")
@click.option("--permalink", metavar="STRUCTURE",
              help='The old site\'s permalink structure, as WordPress writes it (e.g. '
                   '"/%year%/%monthnum%/%postname%/"), when it is none of the usual ones.')
@click.option("--dry-run", is_flag=True, help="Report what would be imported, and import nothing.")
@with_appcontext
def import_wordpress_command(path: Path, pages: bool, permalink: str | None, dry_run: bool) -> None:
    """Import a WordPress export (Tools → Export → All content): posts, their comments with
    statuses and threads, and redirects from the old addresses. Importing the same file again
    adds nothing; the site may already have articles and comments. One transaction."""
    from .extensions import db
    from .wordpress import ExportError, read_export
    from .wordpress_import import import_export

    try:
        export = read_export(path)
    except ExportError as error:
        raise click.ClickException(f"Nothing was imported: {error}") from error
    click.echo(f"{path.name}: WXR {export.wxr_version}, “{export.title}”, {len(export.items)} items")
    with click.progressbar(length=len(export.items), label="Importing", file=sys.stderr) as bar:

        def progress(items):
            for item in items:
                yield item
                bar.update(1)

        report = import_export(export, pages=pages, permalink=permalink, progress=progress)
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing was imported.")
    else:
        db.session.commit()
    for line in report.lines():
        click.echo(line)
