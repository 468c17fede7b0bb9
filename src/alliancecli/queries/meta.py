"""``alliance sources`` and ``alliance about``: what the dataset is and where it comes from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..areas import AREAS
from ..dates import PartialDate
from ..records import Source
from ..report import Column, Report, Value
from .common import span


def _areas(loaded: Mapping[str, Any]) -> list[tuple[str, tuple[Source, ...], int, list[int],
                                                    str]]:
    """(area, sources, records, years, what) for every loaded area, in registry order."""
    return [(a.name, d.sources, len(d.labelled()), d.years(), a.covers)
            for a in AREAS if (d := loaded.get(a.name)) is not None]


SOURCE_COLUMNS = (
    Column("id", "code"), Column("kind"), Column("publisher"), Column("title"),
    Column("published", "date"), Column("language", "code"), Column("url"), Column("licence"),
    Column("areas", "list"), Column("records", "int"), Column("supports", "int"),
    Column("contradicts", "int"), Column("supports_records", "list"),
    Column("contradicts_records", "list"))


def sources(loaded: Mapping[str, Any]) -> Report:
    """Every source: the records that come from it, and the records of other sources it
    confirms (supports) or contradicts."""
    found: dict[str, Source] = {}
    areas: dict[str, list[str]] = {}
    own: dict[str, int] = {}
    said: dict[str, tuple[list[str], list[str]]] = {}
    for a in AREAS:
        d = loaded.get(a.name)
        if d is None:
            continue
        for src in d.sources:
            found.setdefault(src.id, src)
            areas.setdefault(src.id, []).append(a.name)
        for label, r in d.labelled():
            own[r.prov.source] = own.get(r.prov.source, 0) + 1
            for c in r.prov.corroboration:
                agree, disagree = said.setdefault(c.source, ([], []))
                what = f"{label} ({c.field})" if c.field else label
                (agree if c.agrees else disagree).append(what)
    order = sorted(found.values(), key=lambda s: (s.licence is None, s.published is None,
                                                  s.published.iso if s.published else "", s.id))
    rows: list[tuple[Value, ...]] = []
    for s in order:
        agree, disagree = said.get(s.id, ([], []))
        rows.append((s.id, s.kind, s.publisher, s.title, s.published, s.language, s.url,
                     s.licence, tuple(areas[s.id]), own.get(s.id, 0), len(agree), len(disagree),
                     tuple(dict.fromkeys(agree)), tuple(dict.fromkeys(disagree))))
    return Report(title="Sources", columns=SOURCE_COLUMNS, rows=rows,
                  # ids name their publisher ("reuters-2012-01-10"): what fits 80 columns
                  view=("id", "published", "records", "supports", "contradicts"),
                  notes=["records: rows that come from the source; supports and contradicts: "
                         "rows of other sources it confirms or disagrees with (the lists are in "
                         "supports_records and contradicts_records, with --wide or -f json).",
                         "alliance <command> --cite names the sources behind every row; alliance "
                         "check lists every disagreement."])


ABOUT_COLUMNS = (Column("area"), Column("records", "int"), Column("years", "code"),
                 Column("latest", "date"), Column("sources", "int"), Column("covers"))


def _latest(records: Any) -> PartialDate | None:
    """The latest date an area's records report (plans and targets aside)."""
    best: PartialDate | None = None
    for _, r in records.labelled():
        if getattr(r, "kind", None) == "plan":
            continue
        for field in ("date", "since", "until", "opened"):
            d = getattr(r, field, None)
            if isinstance(d, PartialDate) and (best is None or d.end() > best.end()):
                best = d
        year = getattr(r, "year", None)
        if isinstance(year, int) and (best is None or PartialDate(year).end() > best.end()):
            best = PartialDate(year)
    return best


def about(loaded: Mapping[str, Any], version: str, where: str) -> Report:
    """Record counts, years, the latest date and the sources per area; the package version."""
    areas = _areas(loaded)
    rows: list[tuple[Value, ...]] = [
        (a, n, span(ys), _latest(loaded[a]), len(srcs), what) for a, srcs, n, ys, what in areas]
    srcs = {s.id: s for _, ss, _, _, _ in areas for s in ss}
    quoted = [s for s in srcs.values() if s.licence is not None]
    others = len(srcs) - len(quoted)
    notes = [f"alliance {version}; dataset: {where}.",
             *(f"Source: {s.publisher}, \u201c{s.title}\u201d, {s.url} ({s.licence}): every "
               "record from it carries its exact quote." for s in quoted)]
    if others:
        notes.append(f"And {others} other sources (press releases, news agencies, newspapers): "
                     "their records point to where each says it, in our own words; alliance "
                     "sources lists them, with what each confirms and contradicts.")
    notes.append("latest: the latest date an area reports (plans aside). Add --cite to any "
                 "command for the sources behind each row; alliance check validates the "
                 "dataset.")
    return Report(title="About the alliance dataset", columns=ABOUT_COLUMNS, rows=rows,
                  notes=notes)
