"""``alliance stakes``: who owns what, and when."""

from __future__ import annotations

from typing import Annotated

import typer

from ..loader import load_stakes
from ..options import State, completer, with_output
from ..output import Options, emit
from ..queries import stakes as q

_entities = completer("stakes", "entity")


@with_output(columns=q.COLUMNS)
def stakes(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", "-a", show_default=False, metavar="DATE",
        help="The state at the end of DATE: YYYY, YYYY-MM or YYYY-MM-DD. Default: the latest.")
    ] = None,
    holder: Annotated[list[str] | None, typer.Option(
        "--holder", show_default=False, autocompletion=_entities,
        help="Only stakes held by this company (repeatable).")] = None,
    target: Annotated[list[str] | None, typer.Option(
        "--target", show_default=False, autocompletion=_entities,
        help="Only stakes in this company (repeatable).")] = None,
    history: Annotated[bool, typer.Option(
        "--history", help="Every change over time instead of one date's state.")] = False,
    *,
    opts: Options,
) -> None:
    """The cross-shareholdings in force at a date, with the tree of control they form.

    Examples:

      alliance stakes

      alliance stakes --as-of 2010 --holder renault --target nissan

      alliance stakes --history --holder renault --target nissan

      alliance stakes --as-of 2016-12 -f json
    """
    records = load_stakes(State.data_dir())
    emit(q.stakes(records, as_of, holder or (), target or (), history), opts)
