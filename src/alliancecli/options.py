"""Options shared by many commands: one definition, one help text."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

import typer

from . import loader
from .errors import QueryError
from .output import ALL_FORMATS, Format, FormatKind, Options, parse_format
from .report import Column

F = TypeVar("F", bound=Callable[..., Any])

class State:
    """Global options, set by the root callback before any command runs."""

    data_path: str | None = None
    """--data as given (None: $ALLIANCE_DATA or the bundled dataset)."""
    only: frozenset[str] | None = None
    """--source: the sources to answer from (None: all)."""
    debug: bool = False
    no_color: bool = False
    """The root's --no-color (each command has its own too)."""

    @classmethod
    def data_dir(cls) -> loader.DataDir:
        where = loader.resolve(cls.data_path)
        return where if cls.only is None else where._replace(only=cls.only)

    @classmethod
    def choose_sources(cls, ids: Iterable[str]) -> None:
        """--source: every id must name a source of some file of the dataset."""
        from .areas import choose

        cls.only = choose(loader.resolve(cls.data_path), ids).only


OUTPUT = "Output"
SHORTHANDS = ("csv", "tsv", "json", "jsonl")
"""Formats with an option of their own (--csv for -f csv), as sqlite-utils and gh users type."""
PRESENTATION = "Presentation (tables and charts only; no effect on csv, tsv, json, jsonl)"

YearOpt = Annotated[int | None, typer.Option("--year", "-y", help="Only this year.",
                                             show_default=False)]
IncludeOthersOpt = Annotated[bool, typer.Option(
    "--include-others", help="Also the rows about companies and models outside the Alliance "
                             "(Tesla, Daimler), which the source cites for comparison.")]
FromOpt = Annotated[int | None, typer.Option("--from", help="From this year (inclusive).",
                                             show_default=False)]
ToOpt = Annotated[int | None, typer.Option("--to", help="Up to this year (inclusive).",
                                           show_default=False)]


def completer(area: str, kind: str) -> Callable[[str], list[str]]:
    """Shell completion of one kind of value from an area's records (areas.Area.values)."""
    def complete_values(incomplete: str) -> list[str]:
        from .areas import BY_NAME
        from .text import complete

        source = BY_NAME[area]
        try:
            names = list(source.values[kind](source.load(State.data_dir())))
        except Exception:  # completion must never fail loudly
            return []
        return complete(incomplete, names)

    return complete_values


def _complete_formats(incomplete: str) -> list[str]:
    from .text import complete

    return complete(incomplete, ALL_FORMATS)


def _complete_sources(incomplete: str) -> list[str]:
    from .areas import AREAS
    from .text import complete

    try:
        where = State.data_dir()
        ids = sorted({s.id for a in AREAS for s in a.load(where).sources})
    except Exception:  # completion must never fail loudly
        return []
    return complete(incomplete, ids)


def _columns_for(ctx: typer.Context) -> list[str]:
    """The columns of the command being completed (with_output's ``columns``), and --cite's."""
    columns = getattr(ctx.command.callback, "alliance_columns", ())
    from .output import CITE_COLUMNS

    return list(dict.fromkeys([c.name for c in columns] + [c.name for c in CITE_COLUMNS]))


def _complete_column(ctx: typer.Context, incomplete: str) -> list[str]:
    return [c for c in _columns_for(ctx) if c.startswith(incomplete)]


def _complete_columns(ctx: typer.Context, incomplete: str) -> list[str]:
    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [prefix + c for c in _columns_for(ctx) if c.startswith(last)]


_OUTPUT_PARAMS: list[tuple[str, Any, Any]] = [
    ("format", Annotated[str | None, typer.Option(
        "--format", "-f", rich_help_panel=OUTPUT, show_default=False,
        autocompletion=_complete_formats,
        help="table, csv, tsv, json, jsonl, markdown, or a tabulate format (github, grid, "
             "rst, latex, html, ...). Default from $ALLIANCE_FORMAT, else table.")], None),
    *((f"as_{name}", Annotated[bool, typer.Option(
        f"--{name}", rich_help_panel=OUTPUT, help=f"Same as -f {name}.")], False)
      for name in SHORTHANDS),
    ("columns", Annotated[str | None, typer.Option(
        "--columns", "-c", rich_help_panel=OUTPUT, show_default=False,
        autocompletion=_complete_columns,
        help="Comma-separated columns to show, in this order.")], None),
    ("sort", Annotated[str | None, typer.Option(
        "--sort", "-s", rich_help_panel=OUTPUT, show_default=False,
        autocompletion=_complete_column,
        help="Sort rows by this column (missing values last).")], None),
    ("desc", Annotated[bool, typer.Option(
        "--desc", rich_help_panel=OUTPUT, help="Reverse the order.")], False),
    ("limit", Annotated[int | None, typer.Option(
        "--limit", "-n", rich_help_panel=OUTPUT, show_default=False, min=0,
        help="Keep the first N rows.")], None),
    ("no_header", Annotated[bool, typer.Option(
        "--no-header", rich_help_panel=OUTPUT, help="Leave out the header row.")], False),
    ("cite", Annotated[bool, typer.Option(
        "--cite", rich_help_panel=OUTPUT,
        help="Add source, quote, locator, description, corroboration, evidence and "
             "unconfirmed columns: the exact words (or where a source says it) behind each "
             "row, every other source, which value the evidence favours, and what was "
             "searched and not found.")],
     False),
    ("excel_safe", Annotated[bool, typer.Option(
        "--excel-safe", rich_help_panel=OUTPUT,
        help="Prefix ' to text cells starting with = + - @ (spreadsheet formula guard).")],
     False),
    ("source", Annotated[list[str] | None, typer.Option(
        "--source", rich_help_panel=OUTPUT, show_default=False, metavar="ID",
        autocompletion=_complete_sources,
        help="Answer from these sources only (repeatable; see alliance sources): --source "
             "wikipedia is the article alone.")], None),
    ("wide", Annotated[bool, typer.Option(
        "--wide", rich_help_panel=PRESENTATION,
        help="Tables: every column, not only the ones a person reads first.")], False),
    ("expanded", Annotated[bool, typer.Option(
        "--expanded", "-x", rich_help_panel=PRESENTATION,
        help="Tables: one block per row, a line per column (chosen anyway when the columns "
             "cannot fit the terminal).")], False),
    ("no_pager", Annotated[bool, typer.Option(
        "--no-pager", rich_help_panel=PRESENTATION,
        help="Never page tall output (else $ALLIANCE_PAGER, $PAGER or less -FRX on a "
             "terminal).")], False),
    ("no_color", Annotated[bool, typer.Option(
        "--no-color", rich_help_panel=PRESENTATION,
        help="No colour (also NO_COLOR, TERM=dumb).")], False),
    ("quiet", Annotated[bool, typer.Option(
        "--quiet", "-q", rich_help_panel=PRESENTATION, help="No notes under the table.")],
     False),
]


def _format(got: dict[str, Any]) -> tuple[Format, bool]:
    """The format asked for, and whether the command line asked (not $ALLIANCE_FORMAT).

    -f and the shorthands (--csv, --json, ...) must agree. $ALLIANCE_FORMAT is a default: an
    explicit --chart, which draws in the terminal, wins over it.
    """
    asked = ([got["format"]] if got["format"] is not None else []) + \
        [name for name in SHORTHANDS if got[f"as_{name}"]]
    formats = {parse_format(a) for a in asked}
    if len(formats) > 1:
        raise QueryError(f"{' and '.join(_spelled(a, got) for a in asked)} ask for different "
                         "formats: give one")
    if formats:
        return formats.pop(), True
    env = os.environ.get("ALLIANCE_FORMAT", "").strip()
    if env and not got.get("chart", False):
        try:
            return parse_format(env), False
        except QueryError as e:
            raise QueryError(f"$ALLIANCE_FORMAT: {e}") from None
    return Format(FormatKind.TABLE), False


def _spelled(name: str, got: dict[str, Any]) -> str:
    return f"-f {name}" if name == got["format"] else f"--{name}"


def with_output(chart: bool = False, columns: Iterable[Column] = ()) -> Callable[[F], F]:
    """Give a command the shared output options; it receives them as ``opts: Options``.

    ``columns`` are every column the command can output, for shell completion of -c and -s.
    """
    extra = list(_OUTPUT_PARAMS)
    if chart:
        extra.append(("chart", Annotated[bool, typer.Option(
            "--chart", rich_help_panel=PRESENTATION,
            help="Draw a chart with block characters instead of the table.")], False))
    names = [n for n, _, _ in extra]

    def decorate(func: F) -> F:
        sig = inspect.signature(func, eval_str=True)
        params = [p for p in sig.parameters.values() if p.name != "opts"]
        params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
                   for n, a, d in extra]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            got = {n: kwargs.pop(n) for n in names}
            State.choose_sources(got["source"] or ())
            cols = got["columns"]
            fmt, given = _format(got)
            opts = Options(
                format=fmt, format_given=given,
                no_header=got["no_header"],
                columns=None if cols is None else tuple(c.strip() for c in cols.split(",")
                                                        if c.strip()),
                sort=got["sort"], desc=got["desc"], limit=got["limit"],
                no_color=got["no_color"] or State.no_color, excel_safe=got["excel_safe"],
                quiet=got["quiet"],
                cite=got["cite"], chart=got.get("chart", False), wide=got["wide"],
                expanded=got["expanded"], no_pager=got["no_pager"])
            return func(*args, opts=opts, **kwargs)

        wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        # typer's own wrapper copies this attribute over (functools.update_wrapper).
        wrapper.alliance_columns = tuple(columns)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper  # type: ignore[return-value]

    return decorate
