"""The whole dataset as an SQLite database: one table per view, same columns as the csv output."""

from __future__ import annotations

import math
import re
import sqlite3
import time

from .areas import TABLES
from .dates import PartialDate
from .errors import QueryError, RefusalError
from .loader import DataDir
from .report import Column, ColumnKind, Report, Value
from .text import strip_controls

_SQL_TYPES = {"year": "INTEGER", "int": "INTEGER", "delta": "INTEGER", "bool": "INTEGER",
              "num": "REAL", "pct": "REAL", "growth_pct": "REAL"}
TIME_LIMIT = 30.0
"""Seconds a query may run before it is stopped."""


def sql_type(col: Column) -> str:
    return _SQL_TYPES.get(col.kind, "TEXT")


def sql_value(v: Value) -> str | int | float | None:
    """A cell as SQLite stores it: dates ISO, lists ';'-joined (as in csv), booleans 1/0."""
    if isinstance(v, PartialDate):
        return v.iso
    if isinstance(v, tuple):
        return ";".join(v)
    if isinstance(v, bool):
        return int(v)
    return v


def table_reports(where: DataDir | None) -> dict[str, Report]:
    """The rows of every table, by name, from the dataset at ``where``."""
    return {name: table.build(area.load(where)) for name, (area, table) in TABLES.items()}


def build(where: DataDir | None) -> sqlite3.Connection:
    """A new in-memory database with every table."""
    return fill(sqlite3.connect(":memory:"), table_reports(where))


def fill(conn: sqlite3.Connection, reports: dict[str, Report]) -> sqlite3.Connection:
    """Create a table in ``conn`` for each report, and commit."""
    for name, report in reports.items():
        cols = ", ".join(f'"{c.name}" {sql_type(c)}' for c in report.columns)
        conn.execute(f'CREATE TABLE "{name}" ({cols})')
        marks = ", ".join("?" for _ in report.columns)
        conn.executemany(f'INSERT INTO "{name}" VALUES ({marks})',
                         ([sql_value(v) for v in r] for r in report.rows))
    conn.commit()
    return conn


def schema(where: DataDir | None) -> Report:
    """Every table and column, with its SQL type."""
    rows: list[tuple[Value, ...]] = []
    for name, report in table_reports(where).items():
        about = TABLES[name][1].contents
        rows.extend((name, c.name, sql_type(c), about) for c in report.columns)
    return Report(title="Tables for alliance sql", rows=rows,
                  columns=(Column("table"), Column("column"), Column("type"),
                           Column("contents")))


_READ_ONLY_MESSAGE = "SQL: alliance sql is read-only: only SELECT statements are allowed"
_WRITES = frozenset((
    "insert", "update", "delete", "replace", "create", "drop", "alter", "attach", "detach",
    "pragma", "vacuum", "reindex", "analyze", "begin", "commit", "end", "rollback", "savepoint",
    "release"))
"""First words of statements refused before SQLite sees them (the authorizer is the guard)."""
_READ_ONLY = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
              sqlite3.SQLITE_RECURSIVE}


def _authorize(action: int, *_: object) -> int:
    return sqlite3.SQLITE_OK if action in _READ_ONLY else sqlite3.SQLITE_DENY


MAX_ROWS = 100_000
"""Rows a result may have (the whole dataset's largest table has a few hundred)."""
MAX_TEXT = 64 * 1024 * 1024
"""Characters of text a result may hold in all."""


def query(conn: sqlite3.Connection, sql: str) -> Report:
    """Run one read-only SELECT; any write, ATTACH or PRAGMA is refused (exit 2).

    The time limit covers running the query and fetching its rows; a result over MAX_ROWS rows
    or MAX_TEXT characters stops with a usage error that says how to narrow it.
    """
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
    columns = tuple(Column(n, _kind(n, [r[i] for r in rows])) for i, n in enumerate(names))
    return Report(title="alliance sql", columns=columns, rows=rows)


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
