"""``alliance ev``: electric-vehicle milestones, model totals and pace."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from ..errors import QueryError
from ..loader import load_ev
from ..options import FromOpt, IncludeOthersOpt, State, ToOpt, YearOpt, completer, with_output
from ..output import Options, emit
from ..queries import ev as q
from ..vocab import EvMetric

ev_app = typer.Typer(
    name="ev", no_args_is_help=True, add_completion=False,
    help="Electric-vehicle milestones, the latest figure per model, and the pace between "
         "milestones.\n\nExamples:\n\n  alliance ev milestones --date 2015-12\n\n"
         "  alliance ev models --model twizy\n\n  alliance ev pace")


@ev_app.command("milestones")
@with_output(columns=q.MILESTONE_COLUMNS)
def milestones(
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    date: Annotated[str | None, typer.Option(
        "--date", "-d", show_default=False, metavar="YYYY[-MM]",
        help="Only milestones in this year or month (e.g. 2015-12).")] = None,
    subject: Annotated[str | None, typer.Option(
        "--subject", show_default=False,
        help="Only this subject: Alliance, a company or a model.")] = None,
    metric: Annotated[EvMetric | None, typer.Option(
        "--metric", show_default=False, help="Only this metric: " + ", ".join(EvMetric) + ".")
    ] = None,
    include_others: IncludeOthersOpt = False,
    *,
    opts: Options,
) -> None:
    """Every dated EV milestone: launches, and sales and production figures.

    Examples:

      alliance ev milestones --date 2015-12

      alliance ev milestones --subject alliance --metric sales -f csv
    """
    records = load_ev(State.data_dir())
    emit(q.milestones(records, year, from_, to, date, subject, metric.value if metric else None,
                      include_others), opts)


class ModelsBy(enum.StrEnum):
    model = "model"
    maker = "maker"


@ev_app.command("models")
@with_output(columns=q.MODEL_COLUMNS + q.MAKER_COLUMNS)
def models(
    model: Annotated[str | None, typer.Option(
        "--model", show_default=False, autocompletion=completer("ev", "model"),
        help="Only this model (aliases and the source's misspelling 'Twitzy' work).")] = None,
    history: Annotated[bool, typer.Option(
        "--history", help="Every dated figure, not just the latest.")] = False,
    include_others: IncludeOthersOpt = False,
    by: Annotated[ModelsBy, typer.Option(
        "--by", help="model: a row per model; maker: each maker's stated total against the sum "
                     "of its models' figures of the same date.")] = ModelsBy.model,
    *,
    opts: Options,
) -> None:
    """The latest cumulative figure per model and metric (sales or production).

    Examples:

      alliance ev models

      alliance ev models --model leaf --history

      alliance ev models --by maker
    """
    records = load_ev(State.data_dir())
    if by is ModelsBy.maker:
        if model is not None or history or include_others:
            raise QueryError("--by maker shows every maker's totals: it takes no --model, "
                             "--history or --include-others")
        emit(q.by_maker(records), opts)
        return
    emit(q.models(records, model, history, include_others), opts)


@ev_app.command("pace")
@with_output(chart=True, columns=q.PACE_COLUMNS)
def pace(*, opts: Options) -> None:
    """Months between the Alliance's cumulative EV sales milestones, and units per month.

    Examples:

      alliance ev pace

      alliance ev pace --chart
    """
    emit(q.pace(load_ev(State.data_dir())), opts)
