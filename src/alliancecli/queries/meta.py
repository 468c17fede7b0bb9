"""``alliance sources`` and ``alliance about``: what the dataset is and where it comes from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..areas import AREAS
from ..records import Source
from ..report import Column, Report, Value
from .common import span


def _areas(loaded: Mapping[str, Any]) -> list[tuple[str, tuple[Source, ...], int, list[int],
                                                    str]]:
    """(area, sources, records, years, what) for every loaded area, in registry order."""
    return [(a.name, d.sources, len(d.provenance()), d.years(), a.covers)
            for a in AREAS if (d := loaded.get(a.name)) is not None]


SOURCE_COLUMNS = (Column("id"), Column("title"), Column("publisher"), Column("url"),
                  Column("licence"), Column("supports", "list"), Column("records", "int"))


def sources(loaded: Mapping[str, Any]) -> Report:
    """Every source with the areas and the number of records it supports."""
    found: dict[str, tuple[Source, list[str], int]] = {}
    for area, srcs, n, _, _ in _areas(loaded):
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


def about(loaded: Mapping[str, Any], version: str, where: str) -> Report:
    """Record counts and years per area, the source and the package version."""
    areas = _areas(loaded)
    rows: list[tuple[Value, ...]] = [(a, n, span(ys), what) for a, _, n, ys, what in areas]
    srcs = {s.id: s for _, ss, _, _, _ in areas for s in ss}
    latest = max((max(ys) for _, _, _, ys, _ in areas if ys), default=None)
    notes = [f"alliance {version}; dataset: {where}.",
             *(f"Source: {s.publisher}, \u201c{s.title}\u201d, {s.url} ({s.licence}); "
               f"its latest dated figure is from {latest or 'no year'}." for s in srcs.values()),
             "Every figure carries the exact quote it comes from: add --cite to any command; "
             "alliance check validates the dataset."]
    return Report(title="About the alliance dataset", columns=ABOUT_COLUMNS, rows=rows,
                  notes=notes)
