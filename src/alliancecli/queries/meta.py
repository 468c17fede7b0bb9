"""``alliance sources`` and ``alliance about``: what the dataset is and where it comes from."""

from __future__ import annotations

from ..loader import (
    DataDir,
    load_ev,
    load_plants,
    load_sales,
    load_stakes,
    load_timeline,
)
from ..records import Source
from ..report import Column, Report, Value
from .common import span


def _areas(data: DataDir | None) -> list[tuple[str, tuple[Source, ...], int, list[int], str]]:
    """(area, sources, records, years, what) for every area."""
    s, e, k = load_sales(data), load_ev(data), load_stakes(data)
    t, p = load_timeline(data), load_plants(data)
    stake_years = [x.since.year for x in k.stakes] + [x.until.year for x in k.stakes if x.until]
    return [
        ("sales", s.sources, len(s.sales) + len(s.totals) + len(s.statements),
         [x.year for x in s.sales], "units sold per member and year, yearly totals, headlines"),
        ("ev", e.sources, len(e.milestones), [m.date.year for m in e.milestones],
         "EV launches and cumulative sales and production milestones"),
        ("stakes", k.sources, len(k.stakes), stake_years,
         "cross-shareholdings with the dates they held"),
        ("timeline", t.sources, len(t.events), [x.date.year for x in t.events],
         "dated events, plans and targets"),
        ("plants", p.sources, len(p.plants) + len(p.aggregates),
         [x.opened.year for x in p.plants if x.opened],
         "sites, capacities, products and investments"),
    ]


SOURCE_COLUMNS = (Column("id"), Column("title"), Column("publisher"), Column("url"),
                  Column("licence"), Column("supports", "list"), Column("records", "int"))


def sources(data: DataDir | None) -> Report:
    """Every source with the areas and the number of records it supports."""
    found: dict[str, tuple[Source, list[str], int]] = {}
    for area, srcs, n, _, _ in _areas(data):
        for src in srcs:
            s, areas, count = found.get(src.id, (src, [], 0))
            found[src.id] = (s, [*areas, area], count + n)
    rows: list[tuple[Value, ...]] = [
        (s.id, s.title, s.publisher, s.url, s.licence, tuple(areas), count)
        for s, areas, count in found.values()]
    return Report(title="Sources", columns=SOURCE_COLUMNS, rows=rows,
                  view=("id", "title", "publisher", "licence", "supports", "records"),
                  notes=["alliance <command> --cite adds the exact quote behind every row."])


ABOUT_COLUMNS = (Column("area"), Column("records", "int"), Column("years"), Column("covers"))


def about(data: DataDir | None, version: str, where: str) -> Report:
    """Record counts and years per area, the source and the package version."""
    areas = _areas(data)
    rows: list[tuple[Value, ...]] = [(a, n, span(ys), what) for a, _, n, ys, what in areas]
    srcs = {s.id: s for _, ss, _, _, _ in areas for s in ss}
    latest = max(max(ys) for _, _, _, ys, _ in areas if ys)
    notes = [f"alliance {version}; dataset: {where}.",
             *(f"Source: {s.publisher}, \u201c{s.title}\u201d, {s.url} ({s.licence}); "
               f"its latest dated figure is from {latest}." for s in srcs.values()),
             "Every figure carries the exact quote it comes from: add --cite to any command; "
             "alliance check validates the dataset."]
    return Report(title="About the alliance dataset", columns=ABOUT_COLUMNS, rows=rows,
                  notes=notes)
