"""``alliance sql`` and ``alliance export``: the dataset as SQLite tables."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, BinaryIO

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
    sqlite: Annotated[str | None, typer.Option(
        "--sqlite", metavar="FILE", show_default=False,
        help="Write every table to one SQLite database file.")] = None,
    directory: Annotated[str | None, typer.Option(
        "--dir", metavar="DIR", show_default=False,
        help="Write one file per table into DIR, in the format given by -f "
             "(csv, tsv, json or jsonl).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace files that already exist (never links or devices).")] = False,
    *,
    opts: Options,
) -> None:
    """Export every table for Datasette, sqlite-utils, DuckDB or pandas.

    Every file is written in full beside its target and then renamed into place: a failure or
    Ctrl-C leaves what was there before untouched.

    Examples:

      alliance export --sqlite alliance.db

      alliance export --dir ./tables -f csv
    """
    import io
    import sqlite3

    from .. import database
    from ..areas import TABLES
    from ..errors import QueryError, RefusalError
    from ..output import MACHINE, write_machine
    from ..safefiles import output_path, replace_file, replace_files

    db, folder = output_path(sqlite, "--sqlite"), output_path(directory, "--dir")
    if (db is None) == (folder is None):
        raise QueryError("give exactly one of --sqlite FILE or --dir DIR")
    where = State.data_dir()
    reports = database.table_reports(where)  # load and validate everything before writing
    if db is not None:
        def build(path: Path) -> None:
            with contextlib.closing(sqlite3.connect(path)) as target:
                database.fill(target, reports)

        try:
            replace_file(db, build, force)
        except (OSError, sqlite3.Error) as e:
            raise RefusalError(f"cannot write {db}: {e}; nothing was changed") from None
        print(f"wrote {len(TABLES)} tables to {db}", file=sys.stderr)
        return
    assert folder is not None
    kind = opts.format.kind
    if kind not in MACHINE:
        raise QueryError("export --dir writes csv, tsv, json or jsonl: pass -f with one of them")
    ext = kind.value  # csv, tsv, json or jsonl

    def writer(name: str) -> Callable[[BinaryIO], None]:
        def write(stream: BinaryIO) -> None:
            text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
            report = reports[name]
            write_machine(kind, report.columns, list(report.rows), text,
                          header=not opts.no_header)
            text.flush()
            text.detach()
        return write

    try:
        replace_files(folder, {f"{name}.{ext}": writer(name) for name in TABLES}, force)
    except OSError as e:
        raise RefusalError(f"cannot write to {folder}: {e.strerror or e}; nothing was changed") \
            from None
    print(f"wrote {len(TABLES)} {ext} files to {folder}", file=sys.stderr)
