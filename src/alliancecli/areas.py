"""The areas of the dataset, in one registry.

Each area is one data file with its loader, what it covers, the SQL tables built from it and the
values shell completion offers from it. The loader's callers (``check``, ``about``,
``sources``, the SQL database, ``export``, ``init-data`` and completion) all read this list, so
adding an area is one entry here plus its own loader, records and queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, Protocol

from . import loader
from .queries import ev, plants, sales, stakes, timeline
from .records import Source
from .report import Report
from .vocab import Tag


class Records(Protocol):
    """What every area's loaded records offer, whatever their shape."""

    @property
    def sources(self) -> tuple[Source, ...]: ...

    def labelled(self) -> list[tuple[str, Any]]:
        """Every record with provenance (its ``prov``), and a label naming it."""
        ...

    def years(self) -> list[int]: ...


class Table(NamedTuple):
    """A table of ``alliance sql`` and ``export``: the rows of one command's view."""

    name: str
    contents: str
    build: Callable[[Any], Report]
    """From the area's records to the report whose columns and rows the table holds."""
    key: tuple[str, ...]
    """The columns of its primary key."""
    search: tuple[str, ...] = ()
    """The text columns of its full-text index."""


class Area(NamedTuple):
    name: str
    build: Callable[[loader.DataDir], Any]
    """Read and validate the area's file (loader.build_*); ``load`` caches it."""
    covers: str
    """What ``alliance about`` says the area holds."""
    tables: tuple[Table, ...]
    values: Mapping[str, Callable[[Any], Iterable[str]]]
    """Shell completion sources: a kind of value (``member``) and where its values come from."""

    @property
    def file(self) -> str:
        return f"{self.name}.json"

    def load(self, where: loader.DataDir | None) -> Any:
        """The area's records, validated once per run (stopping at the first problem)."""
        return loader.cached(self.name, where, self.build)

    def collect(self, where: loader.DataDir | None) -> loader.Collected:
        """Every problem of the area's file, for alliance check (the checks across records
        see only the records of --source's sources, when it is given)."""
        got = loader.collect(self.name, where, self.build)
        if where is not None and where.only is not None and got.records is not None:
            got = got._replace(records=loader.restrict(got.records, where.only))
        return got


AREAS: tuple[Area, ...] = (
    Area("sales", loader.build_sales,
         "units sold per member and year, yearly totals, headlines",
         (Table("sales", "one row per member and year (alliance sales)", sales.by_member,
                ("year", "member")),
          Table("sales_by_year",
                "one row per year with like-for-like growth (alliance sales --by year)",
                sales.by_year, ("year",))),
         {"member": lambda d: (n for m in d.members for n in (m.name, *m.aliases))}),
    Area("ev", loader.build_ev, "EV launches and cumulative sales and production milestones",
         (Table("ev_milestones", "every dated EV milestone, with in_alliance "
                "(alliance ev milestones --include-others)",
                lambda d: ev.milestones(d, include_others=True), ("id",), ev.SEARCHED),
          Table("ev_models", "latest cumulative figure per model and metric, with in_alliance "
                "(alliance ev models --include-others)",
                lambda d: ev.models(d, include_others=True), ("model", "metric"))),
         {"model": lambda d: (n for m in d.models for n in (m.name, *m.aliases))}),
    Area("stakes", loader.build_stakes, "cross-shareholdings with the dates they held",
         (Table("stakes",
                "every stake with since and until: the full history (alliance stakes --history)",
                lambda d: stakes.stakes(d, history=True), ("id",), stakes.SEARCHED),),
         {"entity": lambda d: (n for e in d.entities for n in (e.name, *e.aliases))}),
    Area("timeline", loader.build_timeline, "dated events, plans and targets",
         (Table("timeline", "every dated event and plan (alliance timeline)",
                timeline.timeline, ("id",), timeline.SEARCHED),),
         {"tag": lambda d: sorted(Tag)}),
    Area("plants", loader.build_plants, "sites, capacities, products and investments",
         (Table("plants", "every site, with in_alliance (alliance plants --include-others)",
                lambda d: plants.plants(d, plants.Filters(include_others=True)), ("id",),
                plants.SEARCHED),),
         {"country": lambda d: sorted({p.country for p in d.plants})}),
)
BY_NAME: dict[str, Area] = {a.name: a for a in AREAS}


def choose(where: loader.DataDir, ids: Iterable[str]) -> loader.DataDir:
    """The dataset seen through --source (or the API's ``sources=``): every id must name a source
    of some file of the dataset; no id at all means every source."""
    from .errors import DataError, QueryError

    chosen = frozenset(i.strip() for i in ids)
    if not chosen:
        return where._replace(only=None)
    known: set[str] = set()
    for area in AREAS:
        try:
            known |= {s.id for s in area.load(where._replace(only=None)).sources}
        except DataError:
            continue  # the command reports its own file's problem
    missing = sorted(chosen - known)
    if missing:
        import difflib

        close = difflib.get_close_matches(missing[0], sorted(known), n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise QueryError(f"--source: no source '{missing[0]}' in the dataset; {hint}"
                         f"alliance sources lists the {len(known)} ids")
    return where._replace(only=chosen)
TABLES: dict[str, tuple[Area, Table]] = {t.name: (a, t) for a in AREAS for t in a.tables}
