"""``alliance sql`` and ``alliance export``: the dataset as SQLite tables."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..options import State, with_output
from ..output import Options, emit


@with_output()
def sql(
    query: Annotated[str | None, typer.Argument(
        metavar="QUERY", show_default=False,
        help="One SELECT statement over the tables listed by --schema.")] = None,
    schema: Annotated[bool, typer.Option(
        "--schema", help="List the tables and their columns instead.")] = False,
    *,
    opts: Options,
) -> None:
    """Ask the whole dataset a question in SQL (read-only, in-memory SQLite).

    Examples:

      alliance sql "SELECT member, SUM(units) AS units FROM sales GROUP BY member"

      alliance sql "SELECT * FROM stakes WHERE target = 'Nissan'" -f csv

      alliance sql --schema
    """
    from .. import database
    from ..errors import QueryError

    where = State.data_dir()
    if schema:
        emit(database.schema(where), opts)
        return
    if query is None or not query.strip():
        raise QueryError("give a SELECT statement, or --schema to list the tables")
    emit(database.query(database.build(where), query), opts)


@with_output()
def export(
    sqlite: Annotated[Path | None, typer.Option(
        "--sqlite", metavar="FILE", show_default=False,
        help="Write every table to one SQLite database file.")] = None,
    directory: Annotated[Path | None, typer.Option(
        "--dir", metavar="DIR", show_default=False,
        help="Write one file per table into DIR, in the format given by -f "
             "(csv, tsv, json or jsonl).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite files that already exist.")] = False,
    *,
    opts: Options,
) -> None:
    """Export every table for Datasette, sqlite-utils, DuckDB or pandas.

    Examples:

      alliance export --sqlite alliance.db

      alliance export --dir ./tables -f csv
    """
    from .. import database
    from ..areas import TABLES
    from ..errors import QueryError, RefusalError
    from ..output import MACHINE, write_machine

    if (sqlite is None) == (directory is None):
        raise QueryError("give exactly one of --sqlite FILE or --dir DIR")
    where = State.data_dir()
    if sqlite is not None:
        if sqlite.exists() and not force:
            raise RefusalError(f"{sqlite} already exists; use --force to overwrite it")
        import sqlite3

        try:
            if sqlite.exists():
                sqlite.unlink()
            with sqlite3.connect(sqlite) as target:
                database.build(where, target)
            target.close()
        except (OSError, sqlite3.Error) as e:
            raise RefusalError(f"cannot write {sqlite}: {e}") from None
        print(f"wrote {len(TABLES)} tables to {sqlite}", file=sys.stderr)
        return
    assert directory is not None
    kind = opts.format.kind
    if kind not in MACHINE:
        raise QueryError("export --dir writes csv, tsv, json or jsonl: pass -f with one of them")
    ext = kind.value  # csv, tsv, json or jsonl
    targets = {name: directory / f"{name}.{ext}" for name in TABLES}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not force:
        raise RefusalError(f"{existing[0]} already exists; use --force to overwrite")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, report in database.table_reports(where).items():
            with targets[name].open("w", encoding="utf-8", newline="") as fh:
                write_machine(kind, report.columns, list(report.rows), fh,
                              header=not opts.no_header)
    except OSError as e:
        raise RefusalError(f"cannot write to {directory}: {e.strerror or e}") from None
    print(f"wrote {len(targets)} {ext} files to {directory}", file=sys.stderr)
