"""The one output layer: every command's Report goes through ``emit``.

Machine formats (csv, tsv, json, jsonl) are written as UTF-8 straight to the byte stream and
import nothing heavy; rich is imported only for tables, tabulate only for its own formats.
"""

import enum
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, NamedTuple, Protocol, assert_never

from .dates import PartialDate
from .errors import QueryError
from .report import Column, Node, Report, Value

if TYPE_CHECKING:
    from rich.console import Console


class Kind(enum.Enum):
    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    JSONL = "jsonl"
    TABULATE = "tabulate"


CORE_FORMATS = ("table", "csv", "tsv", "json", "jsonl", "markdown")
# tabulate's own names, listed here so that checking -f never imports tabulate (tabulate 0.9-0.10).
TABULATE_FORMATS = (
    "asciidoc", "double_grid", "double_outline", "fancy_grid", "fancy_outline", "github", "grid",
    "heavy_grid", "heavy_outline", "html", "jira", "latex", "latex_booktabs", "latex_longtable",
    "latex_raw", "mediawiki", "mixed_grid", "mixed_outline", "moinmoin", "orgtbl", "outline",
    "pipe", "plain", "presto", "pretty", "psql", "rounded_grid", "rounded_outline", "rst",
    "simple", "simple_grid", "simple_outline", "textile", "tsv_tabulate", "unsafehtml", "youtrack",
)
ALL_FORMATS = CORE_FORMATS + tuple(f for f in TABULATE_FORMATS if f not in CORE_FORMATS)
MACHINE = frozenset({Kind.CSV, Kind.TSV, Kind.JSON, Kind.JSONL})


class Format(NamedTuple):
    kind: Kind
    tabulate_name: str | None = None


def parse_format(name: str) -> Format:
    """Turn ``-f NAME`` into a Format, or raise QueryError listing the valid names."""
    n = name.strip().lower()
    if n == "markdown":
        return Format(Kind.TABULATE, "pipe")
    if n in TABULATE_FORMATS:
        return Format(Kind.TABULATE, "tsv" if n == "tsv_tabulate" else n)
    try:
        kind = Kind(n)
    except ValueError:
        raise QueryError(f"unknown format '{name}' (valid: {', '.join(CORE_FORMATS)}, "
                         f"or a tabulate format: {', '.join(TABULATE_FORMATS)})") from None
    if kind is Kind.TABULATE:
        raise QueryError(f"unknown format '{name}'")
    return Format(kind)


class Options(NamedTuple):
    """The output options every command takes."""

    format: Format = Format(Kind.TABLE)
    no_header: bool = False
    columns: tuple[str, ...] | None = None
    sort: str | None = None
    desc: bool = False
    limit: int | None = None
    no_color: bool = False
    excel_safe: bool = False
    quiet: bool = False
    cite: bool = False
    chart: bool = False


# --- shaping rows: the same for every format ----------------------------------------------


def shape(report: Report, opts: Options) -> tuple[tuple[Column, ...], list[tuple[Value, ...]]]:
    """Apply --cite, --sort/--desc, --limit and --columns; the same rows feed every format."""
    columns = report.columns
    rows: list[tuple[Value, ...]] = list(report.rows)
    if opts.cite:
        prov = report.provenance or [None] * len(rows)
        columns = (*columns, Column("source"), Column("quote"))
        rows = [(*r, p.source if p else None, p.quote_text if p else None)
                for r, p in zip(rows, prov, strict=True)]
    names = [c.name for c in columns]
    index = {n: i for i, n in enumerate(names)}

    def check(name: str, option: str) -> int:
        if name not in index:
            raise QueryError(f"unknown column '{name}' for {option} (valid: {', '.join(names)})")
        return index[name]

    if opts.sort is not None:
        i = check(opts.sort, "--sort")
        present = [r for r in rows if r[i] is not None]
        missing = [r for r in rows if r[i] is None]
        present.sort(key=lambda r: _sort_key(r[i]), reverse=opts.desc)
        rows = present + missing
    elif opts.desc:
        rows.reverse()
    if opts.limit is not None:
        if opts.limit < 0:
            raise QueryError(f"--limit must be 0 or more, not {opts.limit}")
        rows = rows[:opts.limit]
    if opts.columns is not None:
        picks = [check(c, "--columns") for c in opts.columns]
        repeated = sorted({c for c in opts.columns if opts.columns.count(c) > 1})
        if repeated:
            raise QueryError(f"--columns names '{repeated[0]}' twice")
        if not picks:
            raise QueryError(f"--columns needs at least one column (valid: {', '.join(names)})")
        columns = tuple(columns[i] for i in picks)
        rows = [tuple(r[i] for i in picks) for r in rows]
    return columns, rows


def _sort_key(v: Value) -> tuple[int, Any]:
    """Numbers before text, so a column of mixed values (an SQL result) still sorts."""
    if isinstance(v, PartialDate):
        return (1, v.iso)
    if isinstance(v, int | float):
        return (0, v)
    if isinstance(v, tuple):
        return (1, ";".join(v).casefold())
    return (1, str(v).casefold())


# --- cell text --------------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_EXCEL = ("=", "+", "-", "@", "\t", "\r")


def plain(v: Value) -> str:
    """A value as exact text: the csv cell (no grouping, no rounding, no locale)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, PartialDate):
        return v.iso
    if isinstance(v, tuple):
        return ";".join(v)
    return repr(v)


def jsonable(v: Value) -> Any:
    if isinstance(v, PartialDate):
        return v.iso
    if isinstance(v, tuple):
        return list(v)
    return v


def _excel(v: Value) -> Value:
    if isinstance(v, str) and v.startswith(_EXCEL):
        return "'" + v
    if isinstance(v, tuple):
        return tuple("'" + s if s.startswith(_EXCEL) else s for s in v)
    return v


def strip_controls(text: str) -> str:
    """Remove C0/C1 control characters and bidi overrides; tabs and newlines become spaces."""
    return _CONTROL.sub("", text.replace("\t", " ").replace("\n", " ").replace("\r", " "))


def human(v: Value, col: Column) -> str:
    """A value as a table shows it: grouped digits, signed growth, per cent signs."""
    if v is None:
        return ""
    if isinstance(v, bool) or isinstance(v, str | PartialDate | tuple):
        return strip_controls(plain(v) if not isinstance(v, tuple) else "; ".join(v))
    if col.kind in ("growth_pct", "delta"):
        sign = "+" if v > 0 else "\u2212" if v < 0 else "±"
        body = f"{abs(v):,.2f} %" if col.kind == "growth_pct" else f"{abs(v):,}"
        return sign + body
    if col.kind == "year":
        return str(v)
    if col.kind == "pct":
        return f"{v:,.2f} %"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,}" if abs(v) >= 1000 else repr(v)


# --- writing ------------------------------------------------------------------------------


class Sink(Protocol):
    def write(self, s: str, /) -> int: ...


class _Utf8:
    """A text sink that writes UTF-8 bytes to stdout whatever the stream's own encoding."""

    def __init__(self) -> None:
        self.buffer: IO[bytes] | None = getattr(sys.stdout, "buffer", None)

    def write(self, s: str) -> int:
        if self.buffer is None:
            return sys.stdout.write(s)
        return self.buffer.write(s.encode("utf-8", "surrogateescape"))


def emit(report: Report, opts: Options) -> None:
    """Write ``report`` to stdout in the chosen format, and its notes where they belong."""
    columns, rows = shape(report, opts)
    if opts.excel_safe:
        rows = [tuple(_excel(v) for v in r) for r in rows]
    kind = opts.format.kind
    if opts.chart and kind is not Kind.TABLE:
        raise QueryError("--chart draws in the terminal; it cannot be combined with a machine "
                         "or document format")
    match kind:
        case Kind.TABLE:
            _table(report, columns, rows, opts)
            return
        case Kind.CSV | Kind.TSV | Kind.JSON | Kind.JSONL:
            write_machine(kind, columns, rows, _Utf8(), header=not opts.no_header)
        case Kind.TABULATE:
            _tabulate(columns, rows, opts)
        case _:
            assert_never(kind)
    sys.stdout.flush()
    _notes_to_stderr(report, rows, opts)


def _notes_to_stderr(report: Report, rows: Sequence[object], opts: Options) -> None:
    if opts.quiet or not sys.stderr.isatty():
        return
    notes = list(report.notes)
    if not rows:
        notes.insert(0, report.empty_note)
    for n in notes:
        print(f"note: {strip_controls(n)}", file=sys.stderr)


def write_machine(kind: Kind, columns: Sequence[Column], rows: Sequence[tuple[Value, ...]],
                  out: Sink, header: bool = True) -> None:
    """Write rows as csv, tsv, json or jsonl text to ``out`` (stdout, or a file for export)."""
    names = [c.name for c in columns]
    if kind is Kind.CSV:
        import csv

        w = csv.writer(out, lineterminator="\n")
        if header:
            w.writerow(names)
        # csv writes None as "" and numbers exactly; only dates, lists and booleans need text.
        w.writerows(_converted(rows, columns, _CSV_TEXT))
    elif kind is Kind.TSV:
        if header:
            out.write("\t".join(names) + "\n")
        for r in rows:
            out.write("\t".join(plain(v).translate(_TSV_ESCAPES) for v in r) + "\n")
    elif kind is Kind.JSONL:
        for cells in _converted(rows, columns, _JSON_VALUE):
            out.write(_dumps(dict(zip(names, cells, strict=True))) + "\n")
    elif kind is Kind.JSON:
        if not rows:
            out.write("[]\n")
            return
        out.write("[\n")
        last = len(rows) - 1
        for i, cells in enumerate(_converted(rows, columns, _JSON_VALUE)):
            out.write(_dumps(dict(zip(names, cells, strict=True)))
                      + (",\n" if i < last else "\n"))
        out.write("]\n")
    else:
        raise ValueError(f"{kind} is not a machine format")


_CSV_TEXT: dict[str, Callable[[Any], Any]] = {
    "date": lambda v: "" if v is None else v.iso,
    "list": lambda v: "" if v is None else ";".join(v),
    "bool": plain,
}
_JSON_VALUE: dict[str, Callable[[Any], Any]] = {"date": lambda v: None if v is None else v.iso}


def _converted(rows: Iterable[tuple[Value, ...]], columns: Sequence[Column],
               by_kind: dict[str, Callable[[Any], Any]]) -> Iterator[Sequence[Any]]:
    """Rows with the columns whose kind is in ``by_kind`` converted; the others pass as is."""
    which = [(i, by_kind[c.kind]) for i, c in enumerate(columns) if c.kind in by_kind]
    if not which:
        yield from rows
        return
    for r in rows:
        cells = list(r)
        for i, convert in which:
            cells[i] = convert(cells[i])
        yield cells


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def _tabulate(columns: Sequence[Column], rows: Sequence[tuple[Value, ...]],
              opts: Options) -> None:
    from tabulate import tabulate

    name = opts.format.tabulate_name or "pipe"
    pipe = name in ("pipe", "github", "jira", "orgtbl", "presto", "psql", "textile", "youtrack")

    def cell(v: Value) -> str:
        text = strip_controls(plain(v))
        return text.replace("|", "\\|") if pipe else text

    body = [[cell(v) for v in r] for r in rows]
    headers: Any = () if opts.no_header else [c.name for c in columns]
    text = tabulate(body, headers=headers, tablefmt=name, disable_numparse=True)
    _Utf8().write(text + "\n")


# --- the rich table -----------------------------------------------------------------------


def color_enabled(no_color: bool) -> bool:
    """Colour only on a terminal, never with NO_COLOR, TERM=dumb or --no-color."""
    if no_color or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR"))


def console(no_color: bool) -> "Console":
    from rich.console import Console

    tty = sys.stdout.isatty()
    color = color_enabled(no_color)
    return Console(
        file=sys.stdout,
        color_system="auto" if color and tty else "standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        # On a pipe rich would cut every line to 80 columns; never truncate there.
        width=None if tty else 100_000,
        soft_wrap=False,
    )


def _table(report: Report, columns: Sequence[Column], rows: Sequence[tuple[Value, ...]],
           opts: Options) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    con = console(opts.no_color)
    color = con.color_system is not None
    numeric = {"year", "int", "num", "pct", "growth_pct", "delta"}
    table = Table(
        title=Text(strip_controls(report.title), style="bold"),
        show_header=not opts.no_header,
        header_style="bold" if color else "",
        box=box.SIMPLE_HEAD if con.encoding.lower().startswith("utf") else box.ASCII2,
        show_footer=report.footer is not None and not opts.chart and opts.columns is None,
    )
    cells_by_col = [[human(r[i], c) for r in rows] for i, c in enumerate(columns)]
    foot = _footer(report, columns)
    for c, cells, f in zip(columns, cells_by_col, foot, strict=True):
        if c.kind in numeric:
            width = max((len(x) for x in [*cells, c.name, f]), default=len(c.name))
            table.add_column(c.name, justify="right", no_wrap=True, min_width=width, footer=f)
        else:
            table.add_column(c.name, overflow="fold", footer=f)
    for i in range(len(rows)):
        table.add_row(*(_styled(cells_by_col[j][i], rows[i][j], c, color)
                        for j, c in enumerate(columns)))
    if opts.chart and report.chart is not None:
        con.print(_chart(report, con))
    else:
        con.print(table)
    tty = sys.stdout.isatty()

    def line(text: str) -> None:
        # Off a terminal rich would print the same single line; writing it directly saves
        # rich's layout work on every run of a piped table.
        if tty:
            con.print(Text(text, style="dim"))
        else:
            sys.stdout.write(text + "\n")

    if report.caption:
        # Apart from the table, so that on a pipe it is one line, never wrapped to its width.
        line(strip_controls(report.caption))
    if report.tree is not None and opts.columns is None:
        con.print(_tree(report.tree))
    if opts.quiet:
        return
    notes = list(report.notes)
    if not rows:
        notes.insert(0, report.empty_note)
    for n in notes:
        line("note: " + strip_controls(n))


def _footer(report: Report, columns: Sequence[Column]) -> list[str]:
    if report.footer is None:
        return [""] * len(columns)
    by_name = dict(zip((c.name for c in report.columns), report.footer, strict=True))
    return [human(by_name.get(c.name), c) for c in columns]


def _styled(text: str, v: Value, col: Column, color: bool) -> Any:
    from rich.text import Text

    style = ""
    if color and col.kind in ("growth_pct", "delta") and isinstance(v, int | float):
        style = "green" if v > 0 else "red" if v < 0 else ""
    return Text(text, style=style)


def _tree(node: Node) -> Any:
    from rich.text import Text
    from rich.tree import Tree

    def add(parent: Tree, n: Node) -> None:
        branch = parent.add(Text(strip_controls(n.label)))
        for c in n.children:
            add(branch, c)

    root = Tree(Text(strip_controls(node.label), style="bold"))
    for c in node.children:
        add(root, c)
    return root


def _chart(report: Report, con: "Console") -> Any:
    from rich.table import Table
    from rich.text import Text

    bars = report.chart or ()
    top = max((sum(v for _, v in b.parts) for b in bars), default=0) or 1
    width = max(10, min(60, (con.width if con.is_terminal else 80) - 30))
    segments = sorted({s for b in bars for s, _ in b.parts})
    styles = ["blue", "red", "green", "yellow", "magenta", "cyan"]
    glyphs = ["█", "▓", "▒", "░", "▚", "▞"]
    key = {s: (glyphs[i % len(glyphs)], styles[i % len(styles)]) for i, s in enumerate(segments)}
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    for b in bars:
        line = Text()
        for seg, v in b.parts:
            glyph, style = key[seg]
            line.append(glyph * round(v / top * width), style=style)
        total = sum(v for _, v in b.parts)
        grid.add_row(Text(strip_controls(b.label)), line,
                     Text(f"{total:,.0f}" if total >= 100 else f"{total:g}"))
    legend = Text("  ".join(f"{key[s][0]} {strip_controls(s)}" for s in segments))
    out = Table.grid()
    out.add_row(Text(strip_controls(report.title), style="bold"))
    out.add_row(grid)
    if len(segments) > 1:
        out.add_row(legend)
    if report.chart_unit:
        out.add_row(Text(report.chart_unit, style="dim"))
    return out

