"""Data safety: `flask backup` (SQLite online backup) and `flask export` / `flask import` (JSON).

The export is generic over the tables the models declare, in foreign-key order, with every column
of each: a column or table added by a later migration is carried without changes here. Ids,
times and statuses are kept exactly, so a site moves between SQLite and PostgreSQL without loss.

    {"format": "talkback-export", "version": 1, "schema_revision": "0001",
     "exported_at": "2026-…+00:00", "source": "sqlite",
     "tables": {"article": {"columns": ["id", "slug", …], "rows": [[1, "…", …], …]}, …}}

Values: times as ISO 8601 in UTC, enums by value, JSON columns as they are, bytes in base64.
Import goes into an empty database at the same schema revision, in one transaction.

The file holds moderators' password hashes and readers' email and IP addresses: keep it as
carefully as a backup.
"""

from __future__ import annotations

import base64
import enum
import json
import os
import sqlite3
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .extensions import db
from .models import Article, utcnow

FORMAT = "talkback-export"
VERSION = 1
BATCH = 1000


class TransferError(Exception):
    """The operation was refused; the message says why and what to do."""


# --- Backup (SQLite) ---------------------------------------------------------------------------


def backup_sqlite(destination: Path, overwrite: bool = False) -> Path:
    """Copies the live SQLite database to `destination` with SQLite's online backup API (readers
    and writers carry on meanwhile), checks the copy and leaves it as one self-contained file."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise TransferError(
            f"`flask backup` copies SQLite databases; this site runs on {engine.dialect.name}. "
            "Use pg_dump (see docs/deploy.md)."
        )
    source_path = engine.url.database
    destination = destination.resolve()
    if source_path and Path(source_path).resolve() == destination:
        raise TransferError("The backup would overwrite the live database.")
    if destination.exists() and not overwrite:
        raise TransferError(f"{destination} exists; choose another name or pass --force.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    partial.unlink(missing_ok=True)

    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            result = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
    finally:
        raw.close()
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise TransferError(f"The backup failed its integrity check: {result}")
    os.replace(partial, destination)
    return destination


def default_backup_path(instance_path: str) -> Path:
    return Path(instance_path) / "backups" / f"talkback-{utcnow():%Y%m%dT%H%M%SZ}.sqlite3"


# --- Export ------------------------------------------------------------------------------------


def tables() -> list[sa.Table]:
    """Every table the models declare, parents before children."""
    return list(db.metadata.sorted_tables)


def schema_revision(conn: Connection) -> str | None:
    try:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _snapshot_connection() -> Connection:
    """A connection whose reads all see one moment of the database."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="REPEATABLE READ")
    return engine.connect()


def export_data(out: IO[str]) -> dict[str, int]:
    """Writes the whole site as JSON to `out`, one row a line; returns the row count per table."""
    counts: dict[str, int] = {}
    with _snapshot_connection() as conn, conn.begin():
        header = {
            "format": FORMAT,
            "version": VERSION,
            "schema_revision": schema_revision(conn),
            "exported_at": utcnow().isoformat(),
            "source": conn.dialect.name,
        }
        out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "tables": {\n')
        for t_index, table in enumerate(tables()):
            columns = [column.name for column in table.columns]
            out.write(("," if t_index else "") + json.dumps(table.name) + ': {"columns": ')
            out.write(json.dumps(columns) + ', "rows": [\n')
            order = list(table.primary_key.columns) or list(table.columns)
            result = conn.execution_options(yield_per=BATCH).execute(sa.select(table).order_by(*order))
            n = 0
            for row in result:
                out.write(("," if n else "") + json.dumps([_encode(v) for v in row], ensure_ascii=False))
                out.write("\n")
                n += 1
            out.write("]}\n")
            counts[table.name] = n
        out.write("}}\n")
    return counts


# --- Import ------------------------------------------------------------------------------------


def _decoder(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance if hasattr(kind, "impl_instance") else kind.impl
    if isinstance(kind, sa.JSON):
        return None
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Time):
        return time.fromisoformat
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float) and kind.asdecimal:
        return Decimal
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    return None


def _decode_rows(table: sa.Table, columns: list[str], rows: Iterable[list[Any]]) -> list[dict[str, Any]]:
    decoders = [_decoder(table.c[name]) for name in columns]
    decoded = []
    for row in rows:
        if len(row) != len(columns):
            raise TransferError(f"A row of {table.name} has {len(row)} values for {len(columns)} columns.")
        decoded.append({
            name: (value if decode is None or value is None else decode(value))
            for name, decode, value in zip(columns, decoders, row, strict=True)
        })
    return decoded


def _check(data: Any, conn: Connection, replace: bool) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TransferError("This is not a Talkback export.")
    if data.get("version") != VERSION:
        raise TransferError(f"Export format version {data.get('version')} is not supported (want {VERSION}).")
    ours = schema_revision(conn)
    if ours is None:
        raise TransferError("This database has no schema yet: run `flask db upgrade` first.")
    if data.get("schema_revision") != ours:
        raise TransferError(
            f"The export was made at schema revision {data.get('schema_revision')}; this database is at "
            f"{ours}. Bring both to the same revision (`flask db upgrade`) and export again."
        )
    known = {table.name: table for table in tables()}
    for name, block in data["tables"].items():
        if name not in known:
            raise TransferError(f"The export has a table this code does not know: {name}.")
        unknown = set(block["columns"]) - set(known[name].c.keys())
        if unknown:
            raise TransferError(f"The export has columns of {name} this code does not know: "
                                f"{', '.join(sorted(unknown))}.")
    if not replace:
        filled = [name for name, table in known.items()
                  if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()]
        if filled:
            raise TransferError(
                "Import goes into an empty database, and this one has rows in: " + ", ".join(filled)
                + ". Use a fresh database (`flask db upgrade`), or pass --replace to delete them first."
            )


def reset_sequences(conn: Connection, only: Iterable[sa.Table] | None = None) -> None:
    """PostgreSQL hands out ids from sequences; after explicit ids they must move past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables() if only is None else only:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        key = keys[0]
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "  # noqa: S608 — names from metadata
                f"COALESCE((SELECT MAX({conn.dialect.identifier_preparer.quote(key.name)}) "
                f"FROM {conn.dialect.identifier_preparer.quote(table.name)}), 0) + 1, false)"
            ),
            {"table": table.name, "column": key.name},
        )


def import_data(data: dict[str, Any], replace: bool = False) -> dict[str, int]:
    """Loads an export into this database in one transaction; returns the row count per table."""
    counts: dict[str, int] = {}
    with db.engine.begin() as conn:
        _check(data, conn, replace)
        versions = Article.__table__.c.comments_version
        replaced_versions = conn.execute(sa.select(sa.func.max(versions))).scalar()  # None: no articles
        if replace:
            for table in reversed(tables()):
                conn.execute(table.delete())
        for table in tables():
            block = data["tables"].get(table.name)
            if block is None:
                continue
            rows = _decode_rows(table, block["columns"], block["rows"])
            # Rows that point at rows of their own table (a reply's parent, an undo's event) are
            # inserted without that link first and linked once every row exists.
            self_refs = [c.name for c in table.columns if c.name in block["columns"]
                         and any(fk.column.table is table for fk in c.foreign_keys)]
            for start in range(0, len(rows), BATCH):
                batch = rows[start:start + BATCH]
                if self_refs:
                    batch = [{**row, **dict.fromkeys(self_refs)} for row in batch]
                conn.execute(table.insert(), batch)
            if self_refs:
                keys = list(table.primary_key.columns)
                statement = table.update().where(
                    *(key == sa.bindparam(f"_key_{key.name}") for key in keys)
                ).values({name: sa.bindparam(f"_set_{name}") for name in self_refs})
                links = [
                    {**{f"_key_{k.name}": row[k.name] for k in keys},
                     **{f"_set_{name}": row[name] for name in self_refs}}
                    for row in rows if any(row[name] is not None for name in self_refs)
                ]
                if links:
                    conn.execute(statement, links)
            counts[table.name] = len(rows)
        if replaced_versions is not None:
            # Every article's comments_version moves past those of the articles replaced, so no page
            # cached before (blueprints/comments/cache.py) is read again under a reused article id.
            conn.execute(Article.__table__.update().values(comments_version=versions + replaced_versions + 1))
        reset_sequences(conn)
    return counts
