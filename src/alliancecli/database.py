"""The whole dataset as an SQLite database: one table per view, same columns as the csv output."""

from __future__ import annotations

import json
import math
import re
import sqlite3
import time
from typing import Any, NamedTuple

from .areas import AREAS, TABLES
from .dates import PartialDate
from .errors import QueryError, RefusalError
from .loader import DataDir
from .records import Provenance, Source
from .report import Column, ColumnKind, Report, Value
from .text import strip_controls

# NUMERIC keeps 15 an integer and 43.4 a real, as the JSON has them (REAL made 15 into 15.0).
_SQL_TYPES = {"year": "INTEGER", "int": "INTEGER", "delta": "INTEGER", "bool": "INTEGER",
              "num": "NUMERIC", "pct": "REAL", "growth_pct": "REAL"}
TIME_LIMIT = 30.0
"""Seconds a query may run before it is stopped."""

PROVENANCE = "provenance"
SOURCES = "sources"
CORROBORATION = "corroboration"
PROVENANCE_ID = Column("provenance_id", "int", "The key of the row's provenance: the source "
                       "that states it, with its exact quote or where it says it.")
PROVENANCE_COLUMNS = (
    Column("id", "int", "The provenance's key; each data row's provenance_id points here."),
    Column("source", "code", "The source's id (sources.id)."),
    Column("section", "text", "The section of the source that states it."),
    Column("quote", "note", "The source's exact words (for a table, its header and row); "
                            "passages joined by ' … ', as --cite prints them. Empty for a "
                            "source that is pointed to, not quoted."),
    Column("locator", "text", "Where in a source that is not quoted the figure is."),
    Column("description", "note", "What a source that is not quoted says, in this project's "
                                  "words."),
    Column("qualifier", "text", "The source's hedge on the figure."),
    Column("flags", "list", "Traps in the source the record encodes (conflict, combined, ...)."),
    Column("note", "note", "How the record reads the source."),
    Column("evidence", "note", "Where sources disagree: which value the weight of evidence "
                               "favours, and why."),
    Column("unconfirmed", "note", "What was looked for in other sources and not found."))
CORROBORATION_COLUMNS = (
    Column("id", "int", "The row's key."),
    Column("provenance_id", "int", "The provenance (and so the records) it speaks to."),
    Column("source", "code", "The other source (sources.id)."),
    Column("field", "text", "The record's field it speaks to; empty for the record as a whole."),
    Column("value", "text", "The figure, date or wording that source gives, in its terms."),
    Column("agrees", "bool", "Whether it agrees with the record."),
    Column("locator", "text", "Where on that source's page."),
    Column("description", "note", "What it says, in this project's words."))
SOURCE_COLUMNS = (
    Column("id", "code", "The source's key."),
    Column("kind", "text", "encyclopedia, press_release, regulator_filing, news_agency, "
                           "newspaper, trade_press, blog or other."),
    Column("title", "text", "Its title."),
    Column("publisher", "text", "Who published it."),
    Column("published", "date", "When it was published."),
    Column("language", "code", "Its language (en, fr, ja, ...)."),
    Column("url", "text", "Where it is."),
    Column("licence", "text", "Its licence, where it allows its words to be quoted."),
    Column("licence_url", "text", "Where the licence is."))


class Spec(NamedTuple):
    """One table of the database: its rows, key, full-text columns and what it holds."""

    report: Report
    key: tuple[str, ...]
    search: tuple[str, ...]
    contents: str
    references: tuple[tuple[str, str, str], ...] = ()
    """(column, table, column) foreign keys."""


def sql_type(col: Column) -> str:
    return _SQL_TYPES.get(col.kind, "TEXT")


def json_array(v: tuple[str, ...]) -> str:
    """A list as a JSON array, for SQLite and the data package.

    No space after the comma: csvkit's dialect sniffer takes '"", ""' in a CSV cell as a clue
    that the delimiter is a space, where '"",""' is one for the comma.
    """
    return json.dumps(list(v), ensure_ascii=False, separators=(",", ":"))


def sql_value(v: Value) -> str | int | float | None:
    """A cell as SQLite stores it: dates ISO, lists JSON arrays, booleans 1/0."""
    if isinstance(v, PartialDate):
        return v.iso
    if isinstance(v, tuple):
        return json_array(v)
    if isinstance(v, bool):
        return int(v)
    return v


class Dataset(NamedTuple):
    tables: dict[str, Spec]
    """Every table by name: the data tables, then provenance, corroboration and sources."""
    provenance: dict[int, Provenance]
    """Each provenance row's record, by its id."""
    sources: tuple[Source, ...]


def dataset(where: DataDir | None) -> Dataset:
    """Every table of the database: the data tables, then provenance and sources.

    Each data row carries a provenance_id; identical provenance (two records quoting the same
    words with the same note) is one provenance row.
    """
    loaded = {area.name: area.load(where) for area in AREAS}
    keys: dict[Provenance, int] = {}
    out: dict[str, Spec] = {}
    for name, (area, table) in TABLES.items():
        report = table.build(loaded[area.name])
        prov = report.provenance or [None] * len(report.rows)
        ids = [None if p is None else keys.setdefault(p, len(keys) + 1) for p in prov]
        rows = [(*r, i) for r, i in zip(report.rows, ids, strict=True)]
        out[name] = Spec(report._replace(columns=(*report.columns, PROVENANCE_ID), rows=rows),
                         table.key, table.search, table.contents,
                         (("provenance_id", PROVENANCE, "id"),))
    sources = {s.id: s for d in loaded.values() for s in d.sources}
    out[PROVENANCE] = Spec(
        Report("Provenance", PROVENANCE_COLUMNS,
               [(i, p.source, p.section, p.quote_text or None, p.locator, p.description,
                 p.qualifier, p.flags, p.note, p.evidence, p.unconfirmed)
                for p, i in keys.items()]),
        ("id",), ("quote", "description", "note"),
        "where each row comes from: the source, and its exact quote or where it says it",
        (("source", SOURCES, "id"),))
    out[CORROBORATION] = Spec(
        Report("Corroboration", CORROBORATION_COLUMNS,
               [(n, i, c.source, c.field, str(c.value), c.agrees, c.locator, c.description)
                for n, (i, c) in enumerate(((i, c) for p, i in keys.items()
                                            for c in p.corroboration), 1)]),
        ("id",), ("description",),
        "what other sources say of the same facts, and whether they agree",
        (("provenance_id", PROVENANCE, "id"), ("source", SOURCES, "id")))
    out[SOURCES] = Spec(
        Report("Sources", SOURCE_COLUMNS,
               [(s.id, s.kind, s.title, s.publisher, s.published, s.language, s.url,
                 s.licence, s.licence_url) for s in sources.values()]),
        ("id",), (), "the documents the figures come from")
    return Dataset(out, {i: p for p, i in keys.items()}, tuple(sources.values()))


class Database(NamedTuple):
    """An in-memory database and the tables it was made from (for typing query results)."""

    conn: sqlite3.Connection
    data: Dataset

    def kinds(self) -> dict[str, ColumnKind]:
        """The list and boolean columns by name: a query's result gets them back typed."""
        return {c.name: c.kind for s in self.data.tables.values() for c in s.report.columns
                if c.kind in ("list", "bool")}


def build(where: DataDir | None) -> Database:
    """A new in-memory database with every table."""
    data = dataset(where)
    return Database(fill(sqlite3.connect(":memory:"), data.tables), data)


def fill(conn: sqlite3.Connection, specs: dict[str, Spec]) -> sqlite3.Connection:
    """Create every table in ``conn``, with its key, references and full-text index; commit.

    The full-text index is the form sqlite-utils' ``enable_fts`` makes (``<table>_fts``, an
    FTS5 table with ``content=<table>``), which is the form Datasette finds for ``_search``.
    """
    for name, spec in specs.items():
        cols = [f'"{c.name}" {sql_type(c)}' for c in spec.report.columns]
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in spec.key) + ")")
        cols += [f'FOREIGN KEY ("{c}") REFERENCES "{t}" ("{k}")' for c, t, k in spec.references]
        conn.execute(f'CREATE TABLE "{name}" ({", ".join(cols)})')
        marks = ", ".join("?" for _ in spec.report.columns)
        conn.executemany(f'INSERT INTO "{name}" VALUES ({marks})',
                         ([sql_value(v) for v in r] for r in spec.report.rows))
        if spec.search:
            indexed = ", ".join(f'"{c}"' for c in spec.search)
            conn.execute(f'CREATE VIRTUAL TABLE "{name}_fts" USING FTS5 ({indexed}, '
                         f'content="{name}")')
            conn.execute(f'INSERT INTO "{name}_fts" (rowid, {indexed}) '
                         f'SELECT rowid, {indexed} FROM "{name}"')
    conn.commit()
    return conn


def schema(where: DataDir | None) -> Report:
    """Every table and column, with its SQL type."""
    rows: list[tuple[Value, ...]] = []
    for name, spec in dataset(where).tables.items():
        rows.extend((name, c.name, sql_type(c), "yes" if c.name in spec.key else None,
                     c.doc or None) for c in spec.report.columns)
        if spec.search:
            rows.append((f"{name}_fts", ", ".join(spec.search), "FTS5", None,
                         f"full-text index of {name} (MATCH, or Datasette's _search)"))
    return Report(title="Tables for alliance sql", rows=rows,
                  columns=(Column("table", "code"), Column("column", "code"), Column("type"),
                           Column("key"), Column("about")),
                  view=("table", "column", "type", "key"))


_READ_ONLY_MESSAGE = "SQL: alliance sql is read-only: only SELECT statements are allowed"
_WRITES = frozenset((
    "insert", "update", "delete", "replace", "create", "drop", "alter", "attach", "detach",
    "pragma", "vacuum", "reindex", "analyze", "begin", "commit", "end", "rollback", "savepoint",
    "release"))
"""First words of statements refused before SQLite sees them (the authorizer is the guard)."""
_READ_ONLY = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
              sqlite3.SQLITE_RECURSIVE}


def _authorize(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    if action in _READ_ONLY:
        return sqlite3.SQLITE_OK
    # A full-text query (MATCH) reads PRAGMA data_version inside FTS5; reading it changes
    # nothing, and a query cannot set it.
    if action == sqlite3.SQLITE_PRAGMA and arg1 == "data_version" and arg2 is None:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


MAX_ROWS = 100_000
"""Rows a result may have (the whole dataset's largest table has a few hundred)."""
MAX_TEXT = 64 * 1024 * 1024
"""Characters of text a result may hold in all."""


def query(db: Database, sql: str, cite: bool = False) -> Report:
    """Run one read-only SELECT; any write, ATTACH or PRAGMA is refused (exit 2).

    The time limit covers running the query and fetching its rows; a result over MAX_ROWS rows
    or MAX_TEXT characters stops with a usage error that says how to narrow it. A list column
    (JSON array text) and a boolean column (1/0) come back as the commands give them, when the
    result column has the name of one. ``cite`` gives each row the provenance its
    ``provenance_id`` column points to; without that column it is refused.
    """
    conn = db.conn
    words = re.sub(r"(?s)/\*.*?\*/|--[^\n]*", " ", sql).split()
    if words and words[0].lower() in _WRITES:
        raise QueryError(_READ_ONLY_MESSAGE)
    conn.set_authorizer(_authorize)
    started = time.monotonic()
    conn.set_progress_handler(lambda: int(time.monotonic() - started > TIME_LIMIT), 10_000)
    rows: list[tuple[Value, ...]] = []
    try:
        cur = conn.execute(sql)
        text = 0
        while batch := cur.fetchmany(1000):
            for r in batch:
                row = tuple(_cell(v) for v in r)
                text += sum(len(v) for v in row if isinstance(v, str))
                rows.append(row)
            if len(rows) > MAX_ROWS or text > MAX_TEXT:
                what = (f"more than {MAX_ROWS:,} rows" if len(rows) > MAX_ROWS
                        else f"more than {MAX_TEXT:,} characters of text")
                raise QueryError(f"SQL: the result has {what}, the most alliance sql returns; "
                                 "narrow it with WHERE, GROUP BY or LIMIT (or export --sqlite "
                                 "and query the file)")
            if time.monotonic() - started > TIME_LIMIT:
                raise sqlite3.OperationalError("interrupted")
    except sqlite3.DatabaseError as e:
        message = str(e)
        if "not authorized" in message or "authorization denied" in message:
            raise QueryError(_READ_ONLY_MESSAGE) from None
        elif "interrupted" in message:
            message = (f"the query ran over {TIME_LIMIT:.0f} seconds and was stopped; "
                       "narrow it with WHERE or LIMIT")
        elif "no such table" in message:
            message += f" (tables: {', '.join(TABLES)}; see alliance sql --schema)"
        raise QueryError(f"SQL: {message}") from None
    except (sqlite3.Warning, sqlite3.ProgrammingError, OverflowError, ValueError) as e:
        raise QueryError(f"SQL: {e}") from None
    except MemoryError:
        rows.clear()
        raise RefusalError("SQL: the result does not fit in memory; narrow the query with "
                           "WHERE, GROUP BY or LIMIT") from None
    finally:
        conn.set_progress_handler(None, 0)
    # A column name is text from the query: cleaned like a cell, so no escape reaches a header.
    names = [strip_controls(d[0]) for d in cur.description or ()]
    if len(set(names)) != len(names):
        raise QueryError("SQL: result columns must have distinct names (use AS to rename them)")
    typed = db.kinds()
    for i, n in enumerate(names):
        if typed.get(n) == "list":
            lists = [_as_list(r[i]) for r in rows]
            if all(v is not _NOT_A_LIST for v in lists):
                rows = [(*r[:i], v, *r[i + 1:]) for r, v in zip(rows, lists, strict=True)]
        elif typed.get(n) == "bool" and all(r[i] in (0, 1, None) for r in rows):
            rows = [(*r[:i], None if r[i] is None else bool(r[i]), *r[i + 1:]) for r in rows]
    columns = tuple(Column(n, typed.get(n) or _kind(n, [r[i] for r in rows]))
                    for i, n in enumerate(names))
    report = Report(title="alliance sql", columns=columns, rows=rows)
    if not cite:
        return report
    if "provenance_id" not in names:
        raise QueryError("SQL: --cite needs the query to select provenance_id (SELECT * does), "
                         "the key of each row's provenance; or join the provenance table")
    at, known = names.index("provenance_id"), db.data.provenance
    return report._replace(provenance=[_at(known, r[at]) for r in rows])


def _at(known: dict[int, Provenance], key: Value) -> Provenance | None:
    return known.get(key) if isinstance(key, int) else None


_NOT_A_LIST = object()


def _as_list(v: Value) -> Any:
    """A JSON array of texts as the tuple the commands give, None as None; anything else is
    _NOT_A_LIST (a computed column that only shares a list column's name)."""
    if v is None:
        return None
    if not isinstance(v, str) or not v.startswith("["):
        return _NOT_A_LIST
    try:
        got = json.loads(v)
    except ValueError:
        return _NOT_A_LIST
    if not isinstance(got, list) or not all(isinstance(x, str) for x in got):
        return _NOT_A_LIST
    return tuple(got)


def _cell(v: object) -> Value:
    if isinstance(v, float) and not math.isfinite(v):
        return None  # SQLite can compute 1e999; JSON has no Infinity, and it is not data
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, str | int | float) or v is None:
        return v
    return str(v)


def _kind(name: str, values: list[Value]) -> ColumnKind:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) for v in present):
        return "year" if name == "year" or name.endswith("_year") else "int"
    if present and all(isinstance(v, int | float) for v in present):
        return "num"
    return "text"
