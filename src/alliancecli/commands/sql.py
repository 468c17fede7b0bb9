"""``alliance sql`` and ``alliance export``: the dataset as SQLite tables."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from ..options import State, with_output
from ..output import Options, emit
from ..report import Column, Value

if TYPE_CHECKING:
    from ..database import Dataset, Spec
    from ..output import FormatKind


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

      alliance sql "SELECT * FROM timeline WHERE year = 1999" --cite

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
    emit(database.query(database.build(where), query, cite=opts.cite), opts)


@with_output()
def export(
    sqlite: Annotated[str | None, typer.Option(
        "--sqlite", metavar="FILE", show_default=False,
        help="Write every table to one SQLite database file (keys, JSON arrays, full-text "
             "indexes), ready for Datasette and sqlite-utils.")] = None,
    metadata: Annotated[str | None, typer.Option(
        "--metadata", metavar="FILE", show_default=False,
        help="With --sqlite: also write Datasette's metadata.json (title, licence, source, "
             "every table and column described).")] = None,
    datapackage: Annotated[str | None, typer.Option(
        "--datapackage", metavar="DIR", show_default=False,
        help="Write a Frictionless data package into DIR: one CSV per table and "
             "datapackage.json.")] = None,
    directory: Annotated[str | None, typer.Option(
        "--dir", metavar="DIR", show_default=False,
        help="Write one file per table into DIR, in the format given by -f "
             "(csv, the default, tsv, json or jsonl).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace files that already exist (never links or devices).")] = False,
    *,
    opts: Options,
) -> None:
    """Export every table for Datasette, sqlite-utils, frictionless, DuckDB or pandas.

    Every table is whole: each row has provenance_id, the key of its row in the provenance
    table (source, section, exact quote). Every file is written in full beside its target and
    then renamed into place: a failure or Ctrl-C leaves what was there before untouched.

    Examples:

      alliance export --sqlite alliance.db --metadata metadata.json

      alliance export --datapackage ./package

      alliance export --dir ./tables --csv
    """
    from .. import database
    from ..errors import QueryError

    targets = {"--sqlite": sqlite, "--datapackage": datapackage, "--dir": directory}
    given = [name for name, value in targets.items() if value is not None]
    if not given and metadata is not None:
        raise QueryError("--metadata describes the database that --sqlite writes; give both")
    if len(given) != 1:
        raise QueryError("give one of --sqlite FILE, --datapackage DIR or --dir DIR"
                         + (f", not {' and '.join(given)}" if given else ""))
    target = given[0]
    _refuse_shaping(target, opts, metadata is not None)
    data = database.dataset(State.data_dir())  # load and check everything before writing
    specs = data.tables
    if sqlite is not None:
        _write_sqlite(sqlite, metadata, data, force)
    elif datapackage is not None:
        _write_datapackage(datapackage, data, force)
    else:
        assert directory is not None
        _write_dir(directory, specs, force, opts)
    if not opts.quiet:
        print(f"wrote {len(specs)} tables to {targets[target]}", file=sys.stderr)


def _refuse_shaping(target: str, opts: Options, metadata: bool) -> None:
    """Options that would change one command's rows mean nothing for a whole export."""
    from ..errors import QueryError
    from ..output import MACHINE, FormatKind

    shaping = [name for name, on in (("--columns", opts.columns is not None),
                                     ("--sort", opts.sort is not None), ("--desc", opts.desc),
                                     ("--limit", opts.limit is not None)) if on]
    if shaping:
        raise QueryError(f"export writes every table whole; {', '.join(shaping)} "
                         f"{'shapes' if len(shaping) == 1 else 'shape'} one command's rows (use "
                         "that command, or alliance sql with ORDER BY and LIMIT)")
    if opts.cite:
        raise QueryError("export: every table already has provenance_id, the key of its row in "
                         "the provenance table (source, section, quote); --cite is for one "
                         "command's output")
    if metadata and target != "--sqlite":
        raise QueryError("--metadata describes the database that --sqlite writes; give both")
    if opts.chart:
        raise QueryError("export writes files; --chart draws in the terminal")
    if target == "--dir":
        kind = opts.format.kind
        if opts.format_given and kind not in MACHINE or \
                kind not in MACHINE and kind is not FormatKind.TABLE:
            raise QueryError("export --dir writes csv, tsv, json or jsonl: pass -f with one of "
                             "them")
        if opts.no_header and kind in (FormatKind.JSON, FormatKind.JSONL):
            raise QueryError(f"--no-header: {kind.value} has no header row")
        if opts.excel_safe and kind in (FormatKind.JSON, FormatKind.JSONL):
            raise QueryError("--excel-safe guards spreadsheet cells: it applies to csv and tsv")
        return
    writes = "SQLite" if target == "--sqlite" else "a data package (CSV and datapackage.json)"
    for name, on in (("-f", opts.format_given), ("--no-header", opts.no_header),
                     ("--excel-safe", opts.excel_safe)):
        if on:
            raise QueryError(f"{target} writes {writes}; {name} applies to export --dir")


def _write_sqlite(file: str, metadata: str | None, data: Dataset, force: bool) -> None:
    import os
    import sqlite3

    from .. import database, package
    from ..errors import QueryError, RefusalError
    from ..safefiles import output_path, replace_paths

    db, meta = output_path(file, "--sqlite"), output_path(metadata, "--metadata")
    assert db is not None
    if meta is not None and os.path.abspath(meta) == os.path.abspath(db):
        raise QueryError("--metadata and --sqlite name the same file")

    def build(path: Path) -> None:
        with contextlib.closing(sqlite3.connect(path)) as target:
            database.fill(target, data.tables)

    writes: dict[Path, Callable[[Path], None]] = {db: build}
    if meta is not None:
        text = package.dumps(package.datasette_metadata(data, db.stem))
        writes[meta] = lambda path: _write_text(path, text)
    try:
        replace_paths(writes, force)
    except (OSError, sqlite3.Error) as e:
        what = e.strerror if isinstance(e, OSError) and e.strerror else e
        raise RefusalError(f"cannot write {db if meta is None else f'{db} or {meta}'}: "
                           f"{what}; nothing was changed") from None


def _write_datapackage(directory: str, data: Dataset, force: bool) -> None:
    from .. import package
    from ..output import FormatKind

    writers = {f"{name}.csv": _writer(
        FormatKind.CSV, spec.report.columns,
        [tuple(package.package_value(v) for v in r) for r in spec.report.rows], True, False)
        for name, spec in data.tables.items()}
    text = package.dumps(package.datapackage(data)).encode()
    writers["datapackage.json"] = lambda stream: _write_bytes(stream, text)
    _replace_in(directory, "--datapackage", writers, force)


def _write_dir(directory: str, specs: dict[str, Spec], force: bool, opts: Options) -> None:
    from ..output import FormatKind

    kind = opts.format.kind if opts.format.kind is not FormatKind.TABLE else FormatKind.CSV
    _replace_in(directory, "--dir", {
        f"{name}.{kind.value}": _writer(kind, spec.report.columns, spec.report.rows,
                                        not opts.no_header, opts.excel_safe)
        for name, spec in specs.items()}, force)


def _writer(kind: FormatKind, columns: Sequence[Column], rows: Sequence[tuple[Value, ...]],
            header: bool, excel_safe: bool) -> Callable[[BinaryIO], None]:
    def write(stream: BinaryIO) -> None:
        import io

        from ..output import excel_safe_cells, write_machine

        cols, cells = (excel_safe_cells(columns, rows) if excel_safe
                       else (columns, rows))
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        write_machine(kind, cols, list(cells), text, header=header)
        text.flush()
        text.detach()
    return write


def _replace_in(directory: str, option: str, writers: dict[str, Callable[[BinaryIO], None]],
                force: bool) -> None:
    from ..errors import RefusalError
    from ..safefiles import output_path, replace_files

    folder = output_path(directory, option)
    assert folder is not None
    try:
        replace_files(folder, writers, force)
    except OSError as e:
        raise RefusalError(f"cannot write to {folder}: {e.strerror or e}; nothing was changed") \
            from None


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _write_bytes(stream: BinaryIO, data: bytes) -> None:
    stream.write(data)
