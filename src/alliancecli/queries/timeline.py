"""The dated history, filtered by years, tags, members, kind and text."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import QueryError
from ..records import Event, TimelineData
from ..report import Column, Report, Value
from ..text import fold, resolve_name
from ..vocab import EventKind, parse
from .common import caption, span, year_range

COLUMNS = (
    Column("id", "code", "A stable key: the event's date and first words."),
    Column("date", "date", "When it happened, at the article's precision; empty if undated."),
    Column("year", "year", "The year of date."),
    Column("event", "text", "What happened (or was planned), as one sentence."),
    Column("tags", "list", "Topics: ownership, governance, ev, partnership, ..."),
    Column("kind", "text", "event (it happened) or plan (a plan, target or forecast)."),
    Column("members", "list", "The companies concerned."),
    Column("date_note", "text", "The article's vague wording of the date, or why there is none."))
SEARCHED = ("event", "date_note")
VIEW = ("date", "event", "tags", "kind", "date_note")


def timeline(records: TimelineData, year: int | None = None, start: int | None = None,
             end: int | None = None, tags: Sequence[str] = (), search: str | None = None,
             members: Sequence[str] = (), kind: str | None = None) -> Report:
    """Events in date order; every filter narrows, none can widen."""
    events = records.events
    dated = [e.date.year for e in events if e.date is not None]  # sorted by date, undated last
    ends = (dated[0], dated[-1]) if dated else ()
    lo, hi = year_range(ends, "timeline", year, start, end)
    wanted_tags: set[str] = set()
    if tags:
        known_tags = dict.fromkeys(sorted({t for e in events for t in e.tags}), ())
        wanted_tags = {resolve_name(t, known_tags, "tag") for t in tags}
    wanted_members: set[str] = set()
    if members:
        known = {m: records.aliases.get(m, ()) for e in events for m in e.members}
        wanted_members = {resolve_name(m, known, "member") for m in members}
    if kind is not None:
        kind = parse(EventKind, kind, "kind")
    needle = fold(search) if search is not None else None
    if needle == "":
        raise QueryError("--search needs some letters or digits to look for")
    everything = (year is None and start is None and end is None and not wanted_tags
                  and not wanted_members and kind is None and needle is None)
    years_given = year is not None or start is not None or end is not None
    chosen = events if everything else [e for e in events if _keep(
        e, lo, hi, wanted_tags, wanted_members, kind, needle, years_given)]
    rows: list[tuple[Value, ...]] = [
        (e.id, e.date, e.date.year if e.date else None, e.event, e.tags, e.kind, e.members,
         e.date_note) for e in chosen]
    prov = [e.prov for e in chosen]
    notes = []
    undated = sum(1 for e in chosen if e.date is None)
    if undated:
        notes.append(f"{undated} statement{'s' if undated > 1 else ''} the source does not date "
                     "come last, with no date (date_note says so); --year, --from and --to leave "
                     "them out.")
    if any(e.date_note for e in chosen if e.date is not None):
        notes.append("Events the source dates only vaguely keep its wording in date_note and "
                     "sort at the start of their year (or month).")
    return Report(
        title=f"Alliance timeline, {span(range(lo, hi + 1))}", columns=COLUMNS, rows=rows,
        view=VIEW,
        provenance=prov, notes=notes,
        caption=caption(records.sources, f"events {span(ends)}"))


def _keep(e: Event, lo: int, hi: int, tags: set[str], members: set[str], kind: str | None,
          needle: str | None, years_given: bool) -> bool:
    """True if the event passes every filter given (an undated one passes no year filter)."""
    in_years = lo <= e.date.year <= hi if e.date is not None else not years_given
    return (in_years
            and (not tags or not tags.isdisjoint(e.tags))
            and (not members or not members.isdisjoint(e.members))
            and (kind is None or e.kind == kind)
            and (needle is None or needle in fold(f"{e.event} {e.date_note or ''}")))
