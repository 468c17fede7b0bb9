"""The Python face of ``alliance``: one function per command, returning what ``-f json`` prints.

Each function runs the same query as its command and returns a list of dicts with exactly the
keys of the JSON output, so the CLI and the API cannot disagree::

    import pandas as pd
    from alliancecli import api

    df = pd.DataFrame(api.sales(by="year"))

``data_dir`` is a directory laid out like the bundled ``data/`` (default: the bundled dataset).
``sources`` (keyword only) is ``--source``: the ids of the sources to answer from (default: every
source), so ``api.stakes(history=True, sources=["wikipedia"])`` answers from the article alone.
Errors are ``alliancecli.errors.QueryError`` (a filter that can never match) and ``DataError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from . import loader
from .report import Report

Row = dict[str, Any]


def _rows(report: Report) -> list[Row]:
    return report.json_rows()


def _dir(data_dir: str | None, sources: Sequence[str] = ()) -> loader.DataDir | None:
    if isinstance(sources, str):
        sources = (sources,)  # one id, not its letters
    if data_dir is None and not sources:
        return None
    from .areas import choose

    return choose(loader.bundled() if data_dir is None else loader.resolve(data_dir), sources)


def sales(year: int | None = None, start: int | None = None, end: int | None = None,
          members: Sequence[str] = (), by: Literal["member", "year"] = "member",
          summary: bool = False, data_dir: str | None = None, *,
          sources: Sequence[str] = ()) -> list[Row]:
    """``alliance sales``: ``by="year"`` for totals with like-for-like growth."""
    from .queries import sales as q

    query = q.summary if summary else q.by_year if by == "year" else q.by_member
    return _rows(query(loader.load_sales(_dir(data_dir, sources)), year, start, end, members))


def ev_milestones(year: int | None = None, start: int | None = None, end: int | None = None,
                  date: str | None = None, subject: str | None = None,
                  metric: str | None = None, data_dir: str | None = None,
                  include_others: bool = False, *,
                  sources: Sequence[str] = ()) -> list[Row]:
    """``alliance ev milestones``."""
    from .queries import ev

    records = loader.load_ev(_dir(data_dir, sources))
    return _rows(ev.milestones(records, year, start, end, date, subject, metric, include_others))


def ev_models(model: str | None = None, history: bool = False,
              data_dir: str | None = None, include_others: bool = False,
              by: Literal["model", "maker"] = "model", *,
              sources: Sequence[str] = ()) -> list[Row]:
    """``alliance ev models``: ``by="maker"`` sets each maker's total against its models."""
    from .queries import ev

    records = loader.load_ev(_dir(data_dir, sources))
    if by == "maker":
        return _rows(ev.by_maker(records))
    return _rows(ev.models(records, model, history, include_others))


def ev_pace(data_dir: str | None = None, *,
            sources: Sequence[str] = ()) -> list[Row]:
    """``alliance ev pace``."""
    from .queries import ev

    return _rows(ev.pace(loader.load_ev(_dir(data_dir, sources))))


def stakes(as_of: str | None = None, holder: Sequence[str] = (), target: Sequence[str] = (),
           history: bool = False, data_dir: str | None = None, *,
           sources: Sequence[str] = ()) -> list[Row]:
    """``alliance stakes``: ``as_of`` is ``"2010"``, ``"2016-10"`` or ``"2016-10-20"``."""
    from .queries import stakes as q

    records = loader.load_stakes(_dir(data_dir, sources))
    return _rows(q.stakes(records, as_of, holder, target, history))


def timeline(year: int | None = None, start: int | None = None, end: int | None = None,
             tags: Sequence[str] = (), search: str | None = None, members: Sequence[str] = (),
             kind: Literal["event", "plan"] | None = None,
             data_dir: str | None = None, *,
             sources: Sequence[str] = ()) -> list[Row]:
    """``alliance timeline``."""
    from .queries import timeline as q

    records = loader.load_timeline(_dir(data_dir, sources))
    return _rows(q.timeline(records, year, start, end, tags, search, members, kind))


def plants(country: Sequence[str] = (), operator: str | None = None,
           facility_type: str | None = None, min_capacity: int | None = None,
           city: str | None = None, by: Literal["plant", "country"] = "plant",
           data_dir: str | None = None, region: str | None = None,
           product: str | None = None, include_others: bool = False, *,
           sources: Sequence[str] = ()) -> list[Row]:
    """``alliance plants``: ``by="country"`` for capacity per country."""
    from .queries import plants as q

    where = _dir(data_dir, sources)
    models = loader.load_ev(where).models if product is not None else ()
    query = q.by_country if by == "country" else q.plants
    return _rows(query(loader.load_plants(where),
                       q.Filters(country, operator, facility_type, min_capacity, city, region,
                                 product, include_others), models))


def sql(query: str, data_dir: str | None = None, *,
        sources: Sequence[str] = ()) -> list[Row]:
    """``alliance sql``: one read-only SELECT over the dataset's tables."""
    from . import database

    d = _dir(data_dir, sources)
    return _rows(database.query(database.build(d), query))
