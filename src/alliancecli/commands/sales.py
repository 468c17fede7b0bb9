"""``alliance sales``: group sales per member and year, with computed stats."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from ..loader import load_sales
from ..options import FromOpt, State, ToOpt, YearOpt, completer, with_output
from ..output import Options, emit
from ..queries import sales as q


class By(enum.StrEnum):
    member = "member"
    year = "year"


@with_output(chart=True, columns=q.MEMBER_COLUMNS + q.YEAR_COLUMNS + q.SUMMARY_COLUMNS)
def sales(
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    member: Annotated[list[str] | None, typer.Option(
        "--member", "-m", show_default=False, autocompletion=completer("sales", "member"),
        help="Only this member (repeatable; case, accents and prefixes forgiven).")] = None,
    by: Annotated[By, typer.Option(
        "--by", help="member: a row per member and year; year: a row per year with "
                     "like-for-like growth.")] = By.member,
    summary: Annotated[bool, typer.Option(
        "--summary", help="One row for the range: start, end, CAGR and the peak year.")] = False,
    *,
    opts: Options,
) -> None:
    """Group sales per member and year, with shares, growth, like-for-like growth and CAGR.

    Examples:

      alliance sales --year 2017

      alliance sales --by year --from 2014

      alliance sales --member nissan --member renault -f csv

      alliance sales --summary
    """
    records = load_sales(State.data_dir())
    query = q.summary if summary else q.by_year if by is By.year else q.by_member
    emit(query(records, year, from_, to, member or ()), opts)
