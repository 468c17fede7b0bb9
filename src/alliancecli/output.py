"""The one output layer: every command's Report goes through ``emit``.

Machine formats (csv, tsv, json, jsonl) are written as UTF-8 straight to the byte stream and
import nothing heavy. Tables are laid out by ``layout`` (no rich), charts are drawn by rich, and
tabulate is imported only for its own formats.
"""

import enum
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, assert_never

from .dates import PartialDate
from .errors import QueryError
from .records import Provenance
from .report import Column, Node, Report, Value
from .streams import Stdout, write_all
from .text import strip_controls

if TYPE_CHECKING:
    from rich.console import Console


class FormatKind(enum.Enum):
    """The families of output formats, each written its own way."""

    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    JSONL = "jsonl"
    TABULATE = "tabulate"


CORE_FORMATS = ("table", "csv", "tsv", "json", "jsonl", "markdown")
# tabulate's own names, listed here so that checking -f never imports tabulate (tabulate 0.9-0.10).
# Not unsafehtml or latex_raw: they pass text through raw, and data files are untrusted.
TABULATE_FORMATS = (
    "asciidoc", "double_grid", "double_outline", "fancy_grid", "fancy_outline",
    "github", "grid", "heavy_grid", "heavy_outline", "html", "jira", "latex", "latex_booktabs",
    "latex_longtable", "mediawiki", "mixed_grid", "mixed_outline", "moinmoin", "orgtbl",
    "outline", "pipe", "plain", "presto", "pretty", "psql", "rounded_grid", "rounded_outline",
    "rst", "simple", "simple_grid", "simple_outline", "textile", "tsv_tabulate", "youtrack",
)
ALL_FORMATS = CORE_FORMATS + tuple(f for f in TABULATE_FORMATS if f not in CORE_FORMATS)
MACHINE = frozenset({FormatKind.CSV, FormatKind.TSV, FormatKind.JSON, FormatKind.JSONL})


class Format(NamedTuple):
    kind: FormatKind
    tabulate_name: str | None = None


def parse_format(name: str) -> Format:
    """Turn ``-f NAME`` into a Format, or raise QueryError listing the valid names."""
    n = name.strip().lower()
    if n == "markdown":
        return Format(FormatKind.TABULATE, "pipe")
    if n in TABULATE_FORMATS:
        return Format(FormatKind.TABULATE, "tsv" if n == "tsv_tabulate" else n)
    try:
        kind = FormatKind(n)
    except ValueError:
        raise QueryError(f"unknown format '{name}' (valid: {', '.join(CORE_FORMATS)}, "
                         f"or a tabulate format: {', '.join(TABULATE_FORMATS)})") from None
    if kind is FormatKind.TABULATE:
        raise QueryError(f"unknown format '{name}'")
    return Format(kind)


class Options(NamedTuple):
    """The output options every command takes."""

    format: Format = Format(FormatKind.TABLE)
    format_given: bool = False
    """The command line chose the format (-f, --csv, ...), not $ALLIANCE_FORMAT or the default."""
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
    wide: bool = False
    """Tables: every column, not just the command's view."""
    expanded: bool = False
    """Tables: the record layout, one block per row."""
    no_pager: bool = False


# --- shaping rows: the same for every format ----------------------------------------------


class Shaped(NamedTuple):
    columns: tuple[Column, ...]
    rows: list[tuple[Value, ...]]
    matched: int
    """Rows before --limit."""


def shape(report: Report, opts: Options) -> Shaped:
    """Apply --cite, --sort/--desc, --limit and --columns; the same rows feed every format."""
    columns = report.columns
    rows: list[tuple[Value, ...]] = list(report.rows)
    if opts.cite:
        prov = report.provenance or [None] * len(rows)
        columns = (*columns, *CITE_COLUMNS)
        rows = [(*r, *cite(p)) for r, p in zip(rows, prov, strict=True)]
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
    matched = len(rows)
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
    return Shaped(columns, rows, matched)


CITE_COLUMNS = (
    Column("source", "code", "The source the row comes from."),
    Column("quote", "note", "Its exact words, for a source that may be quoted (the article)."),
    Column("locator", "text", "Where in a source that is not quoted the figure is."),
    Column("description", "note", "What that source says, in this project's words."),
    Column("corroboration", "list", "Every other source on the same fact: its value, and "
                                    "whether it agrees."),
    Column("evidence", "note", "Where sources disagree: which value the weight of evidence "
                               "favours, and why."),
    Column("unconfirmed", "note", "What was looked for in other sources and not found."))
"""The columns --cite adds."""


def cite(p: Provenance | None) -> tuple[Value, ...]:
    """A row's --cite cells: its source, quote or pointer, and every other source."""
    if p is None:
        return (None,) * len(CITE_COLUMNS)
    others = tuple(f"{c.source}: {c.field + ' ' if c.field else ''}{c.value} "
                   f"({'agrees' if c.agrees else 'disagrees'})" for c in p.corroboration)
    return (p.source, p.quote_text or None, p.locator, p.description, others, p.evidence,
            p.unconfirmed)


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


def _excel(v: Value) -> Value:
    if isinstance(v, str) and v.startswith(_EXCEL):
        return "'" + v
    if isinstance(v, tuple):
        return tuple("'" + s if s.startswith(_EXCEL) else s for s in v)
    return v


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


def excel_safe_cells(columns: Sequence[Column], rows: Iterable[tuple[Value, ...]]
                     ) -> tuple[tuple[Column, ...], list[tuple[Value, ...]]]:
    """--excel-safe: header cells too, since an SQL result's column names are query text."""
    return (tuple(c._replace(name=str(_excel(c.name))) for c in columns),
            [tuple(_excel(v) for v in r) for r in rows])


def emit(report: Report, opts: Options) -> None:
    """Write ``report`` to stdout in the chosen format, and its notes where they belong."""
    columns, rows, matched = shape(report, opts)
    if opts.excel_safe:
        columns, rows = excel_safe_cells(columns, rows)
    kind = opts.format.kind
    if opts.chart and kind is not FormatKind.TABLE:
        raise QueryError("--chart draws in the terminal; it cannot be combined with a machine "
                         "or document format")
    refuse_no_header(opts)
    match kind:
        case FormatKind.TABLE:
            from .screen import deliver

            lines = _chart(report, opts) if opts.chart and report.chart is not None \
                else _table(report, Shaped(columns, rows, matched), opts)
            deliver(lines, paged=not opts.no_pager)
            return
        case FormatKind.CSV | FormatKind.TSV | FormatKind.JSON | FormatKind.JSONL:
            sink = Stdout()  # machine formats are UTF-8, whatever the terminal's encoding
            write_machine(kind, columns, rows, sink, header=not opts.no_header)
            sink.flush()
        case FormatKind.TABULATE:
            _tabulate(columns, rows, opts)
        case _:
            assert_never(kind)
    _notes_to_stderr(report, rows, opts)


def refuse_no_header(opts: Options) -> None:
    """--no-header where there is no header row (json, jsonl, a chart) is a usage error."""
    if not opts.no_header:
        return
    if opts.chart:
        raise QueryError("--no-header: a chart has no header row")
    if opts.format.kind in (FormatKind.JSON, FormatKind.JSONL):
        raise QueryError(f"--no-header: {opts.format.kind.value} has no header row (each "
                         "object names its keys); it applies to csv, tsv and tables")


def _notes_to_stderr(report: Report, rows: Sequence[object], opts: Options) -> None:
    if opts.quiet or not sys.stderr.isatty():
        return
    notes = list(report.notes)
    if not rows:
        notes.insert(0, report.empty_note)
    for n in notes:
        print(f"note: {strip_controls(n)}", file=sys.stderr)


def write_machine(kind: FormatKind, columns: Sequence[Column],
                  rows: Sequence[tuple[Value, ...]], sink: Sink, header: bool = True) -> None:
    """Write rows as csv, tsv, json or jsonl text to ``sink`` (stdout, or a file for export)."""
    names = [c.name for c in columns]
    if kind is FormatKind.CSV:
        import csv

        # Every text cell quoted, numbers bare, a missing value an empty unquoted cell: a field
        # holding a quote, a comma, \r or \n is always quoted, and csvkit's dialect sniffer
        # (csv.Sniffer over the first kilobyte) finds the comma even when long quoted notes
        # hold quotes and spaces.
        w = csv.writer(sink, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        if header:
            w.writerow(names)
        w.writerows(_csv_cells(rows, columns))
    elif kind is FormatKind.TSV:
        if header:
            sink.write("\t".join(names) + "\n")
        for r in rows:
            sink.write("\t".join(plain(v).translate(_TSV_ESCAPES) for v in r) + "\n")
    elif kind is FormatKind.JSONL:
        for cells in _converted(rows, columns, _JSON_VALUE):
            sink.write(_dumps(dict(zip(names, cells, strict=True))) + "\n")
    elif kind is FormatKind.JSON:
        if not rows:
            sink.write("[]\n")
            return
        sink.write("[\n")
        last = len(rows) - 1
        for i, cells in enumerate(_converted(rows, columns, _JSON_VALUE)):
            sink.write(_dumps(dict(zip(names, cells, strict=True)))
                      + (",\n" if i < last else "\n"))
        sink.write("]\n")
    else:
        raise ValueError(f"{kind} is not a machine format")


class _Missing(float):
    """What csv writes for None: QUOTE_NONNUMERIC leaves a number unquoted, and this number
    prints as nothing, so a missing value is an empty cell, not a quoted empty string."""

    def __str__(self) -> str:
        return ""

    __repr__ = __str__


_MISSING = _Missing()


def _csv_cells(rows: Iterable[tuple[Value, ...]],
               columns: Sequence[Column]) -> Iterator[list[Any]]:
    """Rows for csv: dates, lists and booleans as their text, None as an empty cell."""
    text = [(i, _CSV_TEXT[c.kind]) for i, c in enumerate(columns) if c.kind in _CSV_TEXT]
    for r in rows:
        cells: list[Any] = [_MISSING if v is None else v for v in r]
        for i, as_text in text:
            v = r[i]
            if v is not None:
                cells[i] = as_text(v) if type(v) is not str else v
        yield cells


_CSV_TEXT: dict[str, Callable[[Any], str]] = {
    "date": lambda v: v.iso if type(v) is PartialDate else plain(v),
    "list": lambda v: ";".join(v) if type(v) is tuple else plain(v), "bool": plain}
"""What plain() gives for the kinds of cell csv would not write as text by itself, without
asking each value its type (a large timeline has a date and two lists in every row)."""

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


# A cell must not hold its format's column separator unescaped: "|" in the markup formats, the
# box-drawing bar in the box formats. (html and latex escape their own special characters.)
_BAR = {"|": "\\|"}
_ENTITY = {"|": "&#124;"}
_BOX = dict.fromkeys("│┃║", "|")
_SEPARATOR_ESCAPES: dict[str, dict[str, str]] = {
    **dict.fromkeys(("asciidoc", "github", "grid", "jira", "orgtbl", "outline",
                     "pipe", "presto", "pretty", "psql", "youtrack", "rst"), _BAR),
    **dict.fromkeys(("mediawiki", "moinmoin", "textile"), _ENTITY),
    **dict.fromkeys(("double_grid", "double_outline", "fancy_grid", "fancy_outline",
                     "heavy_grid", "heavy_outline", "mixed_grid", "mixed_outline",
                     "rounded_grid", "rounded_outline", "simple_grid", "simple_outline"), _BOX),
}


def _tabulate(columns: Sequence[Column], rows: Sequence[tuple[Value, ...]],
              opts: Options) -> None:
    from tabulate import tabulate

    name = opts.format.tabulate_name or "pipe"
    escape = _SEPARATOR_ESCAPES.get(name, {})

    def cell(v: Value) -> str:
        text = strip_controls(plain(v))
        for char, replacement in escape.items():
            text = text.replace(char, replacement)
        return text

    body = [[cell(v) for v in r] for r in rows]
    headers: Any = () if opts.no_header else [cell(c.name) for c in columns]
    text = tabulate(body, headers=headers, tablefmt=name, disable_numparse=True)
    write_all((text + "\n").encode("utf-8"))


# --- tables, trees and charts for people ----------------------------------------------------

LARGE = 5_000
"""A table with more rows than this starts printing at once: its widths come from a sample."""
WIDTH_SAMPLE = 1_000
_FIXED = frozenset({"code", "year", "int", "num", "pct", "growth_pct", "delta", "bool", "date",
                    "note"})
_NUMERIC = frozenset({"year", "int", "num", "pct", "growth_pct", "delta"})


def color_enabled(no_color: bool) -> bool:
    """Colour only on a terminal, never with NO_COLOR, TERM=dumb or --no-color."""
    if no_color or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR"))


def _utf8_stdout() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "") == "utf8"


class _View(NamedTuple):
    shown: list[int]
    hidden: list[str]
    """Columns of the command left out of this table."""
    empty: list[str]
    """Columns left out because no row has a value in them."""


def _view(report: Report, columns: Sequence[Column], rows: Sequence[tuple[Value, ...]],
          opts: Options) -> _View:
    """Which columns a table shows: --columns as given, --wide all, else the command's view."""
    every = list(range(len(columns)))
    if opts.columns is not None or opts.wide or report.view is None and not rows:
        return _View(every, [], [])
    wanted = set(report.view or (c.name for c in columns)) | {c.name for c in CITE_COLUMNS}
    shown, hidden, empty = [], [], []
    for i, c in enumerate(columns):
        if c.name not in wanted:
            hidden.append(c.name)
        elif rows and all(r[i] is None or r[i] == () for r in rows):
            empty.append(c.name)
        else:
            shown.append(i)
    return _View(shown, hidden, empty)


def _table(report: Report, shaped: Shaped, opts: Options) -> Iterator[str]:
    """The lines of a table, the lines that explain it, and its notes."""
    from . import layout
    from .screen import size

    columns, rows, matched = shaped
    limit = size().columns if sys.stdout.isatty() else None
    paint = layout.Paint(color_enabled(opts.no_color))
    utf8 = _utf8_stdout()
    view = _view(report, columns, rows, opts)
    shown = [columns[i] for i in view.shown]
    footnotes: dict[str, int] = {}

    def cell(v: Value, col: Column) -> layout.Cell:
        if col.kind == "note":
            if v is None or v == "":
                return layout.Cell("")
            text = strip_controls(plain(v))
            return layout.Cell(f"[{footnotes.setdefault(text, len(footnotes) + 1)}]")
        style = ""
        if col.kind in ("growth_pct", "delta") and isinstance(v, int | float) and v:
            style = "green" if v > 0 else "red"
        return layout.Cell(human(v, col), style)

    cells = ([cell(r[i], columns[i]) for i in view.shown] for r in rows)
    footer, footer_note = _footer(report, shown, cell, len(rows), matched)
    cols = [layout.Col(c.name, c.kind in _NUMERIC, c.kind in _FIXED) for c in shown]
    sampled = len(rows) > LARGE
    yield from layout.table(strip_controls(report.title), cols, cells, len(rows), footer, limit,
                            paint, "─" if utf8 else "-", header=not opts.no_header,
                            expanded=opts.expanded, sample=WIDTH_SAMPLE if sampled else None)
    yield ""
    said = []
    if view.hidden:
        said.append(f"Not shown: {', '.join(view.hidden)} (--wide shows every column; "
                    "-c chooses).")
    if view.empty:
        said.append(f"Empty in every row, so not shown: {', '.join(view.empty)}.")
    for text in said:
        yield from (paint(x, "dim") for x in layout.hanging(text, "", limit))
    for text, n in footnotes.items():
        yield from layout.hanging(text, f"[{n}] ", limit)
    if footnotes:
        yield ""
    if report.caption:
        yield from (paint(x, "dim") for x in
                    layout.hanging(strip_controls(report.caption), "", limit))
    if report.tree is not None and opts.columns is None:
        yield from _tree(report.tree, utf8, paint, limit)
    if opts.quiet:
        return
    notes = [footer_note] if footer_note else []
    if sampled:
        notes.append(f"A large table ({len(rows):,} rows): its column widths come from the first "
                     f"{WIDTH_SAMPLE:,}, so a later, wider value may push its row out of line; "
                     "every value is still whole (-f csv for a file).")
    notes += list(report.notes)
    if not rows:
        notes.insert(0, report.empty_note)
    for note in notes:
        yield from (paint(x, "dim") for x in
                    layout.hanging(strip_controls(note), "note: ", limit))


def _footer(report: Report, shown: Sequence[Column], cell: Callable[[Value, Column], Any],
            on_screen: int, matched: int) -> tuple[list[Any] | None, str]:
    """The totals row for the columns shown, when it totals the rows on screen."""
    if report.footer is None or not shown or not on_screen:
        return None, ""
    if on_screen < matched:
        return None, (f"No total row: --limit shows {on_screen} of the {matched} rows it "
                      "would total.")
    by_name = dict(zip((c.name for c in report.columns), report.footer, strict=True))
    label = report.columns[0].name
    if shown[0].name != label:
        return None, ""  # the label "Total" lives in the first column
    return [cell(by_name.get(c.name), c) if c.name != label
            else cell(by_name[label], Column(label)) for c in shown], ""


def _tree(node: Node, utf8: bool, paint: Any, limit: int | None) -> Iterator[str]:
    from .layout import wrap

    tee, last, bar = ("├── ", "└── ", "│   ") if utf8 else ("|-- ", "`-- ", "|   ")

    def walk(n: Node, prefix: str) -> Iterator[str]:
        for i, child in enumerate(n.children):
            end = i == len(n.children) - 1
            below = prefix + ("    " if end else bar)
            room = None if limit is None else max(limit - len(below), 10)
            first, *more = wrap(strip_controls(child.label), room)
            yield prefix + (last if end else tee) + first
            # A long label continues under itself, beside the branch lines below it.
            yield from ((below + (bar if child.children else "    "))[:len(below)] + text
                        for text in more)
            yield from walk(child, below)

    yield from (paint(line, "bold") for line in wrap(strip_controls(node.label), limit))
    yield from walk(node, "")


def console(no_color: bool) -> "Console":
    from rich.console import Console

    from .screen import size

    tty = sys.stdout.isatty()
    color = color_enabled(no_color)
    return Console(
        file=io.StringIO(),
        color_system="auto" if color and tty else "standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        width=size().columns if tty else 100_000,
        soft_wrap=False,
    )


def _chart(report: Report, opts: Options) -> Iterator[str]:
    """A bar chart drawn by rich, as lines, and a line naming what it leaves out."""
    from rich.table import Table
    from rich.text import Text

    con = console(opts.no_color)
    bars = report.chart or ()
    top = max((sum(v for _, v in b.parts) for b in bars), default=0) or 1
    width = max(10, min(60, (con.width if sys.stdout.isatty() else 80) - 30))
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
    if report.chart_note:
        out.add_row(Text(strip_controls(report.chart_note), style="dim"))
    con.print(out)
    text = con.file.getvalue()  # type: ignore[attr-defined]
    yield from (line.rstrip() for line in text.rstrip("\n").split("\n"))
