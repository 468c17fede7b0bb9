"""``alliance timeline``: the dated history."""

from __future__ import annotations

from typing import Annotated

import typer

from ..loader import load_timeline
from ..options import FromOpt, State, ToOpt, YearOpt, completer, with_output
from ..output import Options, emit
from ..queries import timeline as q
from ..vocab import EventKind, Tag


@with_output(columns=q.COLUMNS)
def timeline(
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    tag: Annotated[list[str] | None, typer.Option(
        "--tag", "-t", show_default=False, autocompletion=completer("timeline", "tag"),
        help="Only events with this tag (repeatable: any of them): "
             + ", ".join(Tag) + ".")] = None,
    search: Annotated[str | None, typer.Option(
        "--search", "-S", show_default=False,
        help="Only events whose text contains this (case and accents ignored).")] = None,
    member: Annotated[list[str] | None, typer.Option(
        "--member", "-m", show_default=False,
        help="Only events that concern this company (repeatable).")] = None,
    kind: Annotated[EventKind | None, typer.Option(
        "--kind", show_default=False,
        help="event: things that happened; plan: plans and targets. Default: both.")] = None,
    *,
    opts: Options,
) -> None:
    """The Alliance's dated history, 1999 onwards, filterable by years, tags and text.

    Examples:

      alliance timeline --from 2010

      alliance timeline --year 2016

      alliance timeline --tag ownership --member mitsubishi

      alliance timeline --search ghosn --kind event -f csv
    """
    records = load_timeline(State.data_dir())
    emit(q.timeline(records, year, from_, to, tag or (), search, member or (),
               kind.value if kind else None), opts)
