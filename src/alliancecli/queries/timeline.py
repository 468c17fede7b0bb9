"""The dated history, filtered by years, tags, members, kind and text."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import QueryError
from ..records import TimelineData
from ..report import Column, Report, Value
from ..text import fold, resolve_name
from .common import caption, span, year_range

COLUMNS = (Column("date", "date"), Column("year", "year"), Column("event"), Column("tags", "list"),
           Column("kind"), Column("members", "list"), Column("date_note"))


def timeline(data: TimelineData, year: int | None = None, start: int | None = None,
             end: int | None = None, tags: Sequence[str] = (), search: str | None = None,
             members: Sequence[str] = (), kind: str | None = None) -> Report:
    """Events in date order; every filter narrows, none can widen."""
    events = data.events
    lo, hi = year_range((e.date.year for e in events), "timeline", year, start, end)
    known_tags = sorted({t for e in events for t in e.tags})
    wanted_tags = set()
    for t in tags:
        wanted_tags.add(resolve_name(t, dict.fromkeys(known_tags, ()), "tag"))
    known_members: dict[str, tuple[str, ...]] = {m: () for e in events for m in e.members}
    wanted_members = {resolve_name(m, known_members, "member") for m in members}
    if kind is not None and kind not in ("event", "plan"):
        raise QueryError(f"unknown kind '{kind}' (valid: event, plan)")
    needle = fold(search) if search is not None else None
    if needle == "":
        raise QueryError("--search needs some letters or digits to look for")
    rows: list[tuple[Value, ...]] = []
    prov = []
    for e in events:
        if not lo <= e.date.year <= hi:
            continue
        if wanted_tags and wanted_tags.isdisjoint(e.tags):
            continue
        if wanted_members and wanted_members.isdisjoint(e.members):
            continue
        if kind is not None and e.kind != kind:
            continue
        if needle is not None and needle not in fold(f"{e.event} {e.date_note or ''}"):
            continue
        rows.append((e.date, e.date.year, e.event, e.tags, e.kind, e.members, e.date_note))
        prov.append(e.prov)
    notes = []
    if any(r[6] for r in rows):
        notes.append("Events the source dates only vaguely keep its wording in date_note and "
                     "sort at the start of their year (or month).")
    return Report(
        title=f"Alliance timeline, {span(range(lo, hi + 1))}", columns=COLUMNS, rows=rows,
        provenance=prov, notes=notes,
        caption=caption(data.sources, f"events {span(e.date.year for e in events)}"))
