"""Sales per member and year, with growth, shares, like-for-like growth and CAGR."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ..records import Member, Provenance, SalesData
from ..report import Bar, Column, Report, Value
from ..stats import cagr_pct, growth_pct, share_pct
from ..text import resolve_name
from .common import caption, span, year_range


def members_named(records: SalesData, names: Sequence[str]) -> list[str]:
    """Resolve --member values (case, accents and prefixes forgiven) to canonical names."""
    known = {m.name: m.aliases for m in records.members}
    return [resolve_name(n, known, "member") for n in names]


def _by_year(records: SalesData) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for s in records.sales:
        out[s.year][s.member] = s.units
    return out


def expected(records: SalesData, year: int) -> set[str]:
    """The members a complete year reports: each one from its first reported year on, until
    its figures are merged into another's."""
    first: dict[str, int] = {}
    for s in records.sales:
        first[s.member] = min(first.get(s.member, s.year), s.year)
    return {m.name for m in records.members if m.name in first and first[m.name] <= year
            and not (m.merged_into and m.merged_from is not None and m.merged_from <= year)}


def missing(records: SalesData, year: int) -> list[str]:
    """The members a year lacks: its sum of members is then not the Alliance's total."""
    reported = {s.member for s in records.sales if s.year == year}
    return sorted(expected(records, year) - reported)


def _member_notes(records: SalesData, years: range, members: Sequence[str] | None) -> list[str]:
    """Say why a chosen member has no row in a chosen year."""
    reported = {(s.year, s.member) for s in records.sales}
    notes = []
    for m in records.members:
        if members and m.name not in members:
            continue
        gaps = [y for y in years if (y, m.name) not in reported]
        after = [y for y in gaps if m.name in expected(records, y)]
        before = [y for y in gaps if y not in after]
        if before and m.note:
            notes.append(f"{m.name}: no figure for {span(before)}. {m.note}")
        if after:
            notes.append(f"{m.name}: no source gives its calendar-year figure for "
                         f"{span(after)}, so those years' sums are of the members reported, "
                         "not the Alliance's total.")
    return notes


def _lfl(records: SalesData, year: int, table: dict[int, dict[str, int]],
         members: Sequence[str] | None) -> tuple[float | None, list[str]]:
    """Growth over the same perimeter in ``year - 1`` and ``year``, and what changed."""
    cur = {m: u for m, u in table.get(year, {}).items() if not members or m in members}
    prev_all = table.get(year - 1, {})
    if not prev_all or not cur:
        return None, []
    merged = {m.name: m for m in records.members}
    prev: dict[str, int] = {}
    notes = []
    for m, u in prev_all.items():
        if m in table.get(year, {}):
            if not members or m in members:
                prev[m] = prev.get(m, 0) + u
            continue
        info: Member | None = merged.get(m)
        host = info.merged_into if info else None
        if host and info and info.merged_from is not None and info.merged_from <= year \
                and host in cur:
            prev[host] = prev.get(host, 0) + u
            notes.append(f"{year}: {m}'s figures are merged into {host}'s; like-for-like growth "
                         f"adds {m}'s {year - 1} units ({u:,}) to {host}'s {year - 1}.")
    notes.extend(f"{year}: {m} is reported for the first time; like-for-like growth leaves "
                 f"it out of {year}." for m in cur if m not in prev)
    same = sum(u for m, u in cur.items() if m in prev)
    return growth_pct(sum(prev.values()), same), notes


MEMBER_COLUMNS = (
    Column("year", "year", "The calendar year the figure is for."),
    Column("member", "text", "The Alliance member (Renault, Nissan, Mitsubishi, AvtoVAZ)."),
    Column("units", "int", "Vehicles sold that year, as the source states it (for 2011-2018 "
           "the article's sales table)."),
    Column("share_pct", "pct", "The member's share of that year's Alliance total, in per cent "
           "(computed)."),
    Column("yoy_units", "delta", "Change in units on the member's previous year (computed)."),
    Column("yoy_pct", "growth_pct", "Change on the member's previous year, in per cent "
           "(computed)."),
    Column("qualifier", "text", "The source's hedge on units ('about' for a figure it "
           "rounds); empty for an exact figure."))


def by_member(records: SalesData, year: int | None = None, start: int | None = None,
              end: int | None = None, members: Sequence[str] = ()) -> Report:
    """One row per member and year: units, share of the year's total, change on last year."""
    lo, hi = year_range((s.year for s in records.sales), "sales", year, start, end)
    chosen = members_named(records, members)
    table = _by_year(records)
    rows: list[tuple[Value, ...]] = []
    prov: list[Provenance | None] = []
    for s in records.sales:
        if not lo <= s.year <= hi or (chosen and s.member not in chosen):
            continue
        whole = sum(table[s.year].values())
        before = table.get(s.year - 1, {}).get(s.member)
        rows.append((s.year, s.member, s.units, share_pct(s.units, whole),
                     None if before is None else s.units - before, growth_pct(before, s.units),
                     s.prov.qualifier))
        prov.append(s.prov)
    notes = _member_notes(records, range(lo, hi + 1), chosen)
    for m in records.members:
        if m.merged_into and m.merged_from is not None and lo <= m.merged_from <= hi \
                and (not chosen or m.merged_into in chosen or m.name in chosen):
            notes.append(f"{m.merged_into}'s figures include {m.name}'s from {m.merged_from}, so "
                         f"{m.merged_into}'s growth in {m.merged_from} is not like-for-like "
                         f"(see `alliance sales --by year`).")
    for s in records.sales:
        if lo <= s.year <= hi and (not chosen or s.member in chosen) \
                and "column_misaligned" in s.prov.flags and s.prov.note:
            notes.append(f"{s.member} {s.year}: {s.prov.note}")
    footer: tuple[Value, ...] | None = None
    if lo == hi and not chosen and rows:
        total = sum(table[lo].values())
        before_total = sum(table[lo - 1].values()) if lo - 1 in table else None
        footer = ("Total", "", total, 100.0 if total else None,
                  None if before_total is None else total - before_total,
                  growth_pct(before_total, total), None)
    return Report(
        title=f"Alliance sales by member, {span(range(lo, hi + 1))}",
        columns=MEMBER_COLUMNS, rows=rows, provenance=prov, notes=notes, footer=footer,
        caption=caption(records.sources, f"sales {span(s.year for s in records.sales)}"),
        chart=_chart(records, lo, hi, chosen), chart_unit="units sold per year, stacked by member")


def _chart(records: SalesData, lo: int, hi: int, chosen: Sequence[str]) -> tuple[Bar, ...]:
    table = _by_year(records)
    return tuple(Bar(str(y), tuple((m, float(u)) for m, u in sorted(table[y].items())
                                   if not chosen or m in chosen))
                 for y in sorted(table) if lo <= y <= hi)


YEAR_COLUMNS = (
    Column("year", "year", "The calendar year."),
    Column("units", "int", "Vehicles sold by the members reported that year (the table's total)."),
    Column("yoy_units", "delta", "Change in units on the previous year (computed)."),
    Column("yoy_pct", "growth_pct", "Reported growth on the previous year, in per cent "
           "(computed)."),
    Column("lfl_pct", "growth_pct", "Like-for-like growth over the same members in both years, "
           "in per cent (computed)."),
    Column("complete", "bool", "Whether every member then in the Alliance is reported that "
           "year: false means units is a partial sum, not the Alliance's total."))


def _scope(records: SalesData, year: int | None, start: int | None, end: int | None,
           members: Sequence[str]) -> tuple[int, int, list[str]]:
    """The first and last year asked for, and the members chosen (none: all)."""
    lo, hi = year_range((s.year for s in records.sales), "sales", year, start, end)
    return lo, hi, members_named(records, members)


def _yearly(table: dict[int, dict[str, int]], chosen: Sequence[str]) -> dict[int, int]:
    """Units per year of the chosen members, for the years where any of them is reported."""
    out = {}
    for y in sorted(table):
        got = [u for m, u in table[y].items() if not chosen or m in chosen]
        if got:
            out[y] = sum(got)
    return out


def _perimeter(records: SalesData, lo: int, hi: int, chosen: Sequence[str],
               table: dict[int, dict[str, int]]) -> tuple[dict[int, float | None], list[str]]:
    """Like-for-like growth per year of the range, and the notes on what changed."""
    lfl: dict[int, float | None] = {}
    notes: list[str] = []
    for y in _yearly(table, chosen):
        if lo <= y <= hi:
            lfl[y], why = _lfl(records, y, table, chosen)
            notes.extend(why)
    notes.extend(_member_notes(records, range(lo, hi + 1), chosen))
    return lfl, notes


def _whose(chosen: Sequence[str]) -> str:
    return "Alliance" if not chosen else " + ".join(chosen)


def by_year(records: SalesData, year: int | None = None, start: int | None = None,
            end: int | None = None, members: Sequence[str] = ()) -> Report:
    """One row per year: the total, its reported growth and its like-for-like growth."""
    lo, hi, chosen = _scope(records, year, start, end, members)
    table = _by_year(records)
    yearly = _yearly(table, chosen)
    lfl, notes = _perimeter(records, lo, hi, chosen, table)
    totals = {t.year: t for t in records.totals}
    rows: list[tuple[Value, ...]] = []
    prov: list[Provenance | None] = []
    for y, cur in yearly.items():
        if not lo <= y <= hi:
            continue
        before = yearly.get(y - 1)
        rows.append((y, cur, None if before is None else cur - before,
                     growth_pct(before, cur), lfl[y],
                     not missing(records, y) if not chosen else None))
        prov.append(totals[y].prov if y in totals and not chosen else None)
    return Report(
        title=f"{_whose(chosen)} sales by year, {span(range(lo, hi + 1))}",
        columns=YEAR_COLUMNS, rows=rows, provenance=prov, notes=notes,
        caption=caption(records.sources, f"sales {span(s.year for s in records.sales)}"),
        chart=_chart(records, lo, hi, chosen), chart_unit="units sold per year, stacked by member")


SUMMARY_COLUMNS = (
    Column("from_year", "year", "The first year of the range with a figure."),
    Column("to_year", "year", "The last year of the range with a figure."),
    Column("start_units", "int", "Units sold in from_year."),
    Column("end_units", "int", "Units sold in to_year."),
    Column("cagr_pct", "growth_pct", "Compound annual growth from start to end, in per cent "
           "(computed)."),
    Column("peak_year", "year", "The year of the highest total."),
    Column("peak_units", "int", "Units sold in peak_year."))


def summary(records: SalesData, year: int | None = None, start: int | None = None,
            end: int | None = None, members: Sequence[str] = ()) -> Report:
    """One row for the range: first and last year's units, CAGR between them, and the peak."""
    lo, hi, chosen = _scope(records, year, start, end, members)
    table = _by_year(records)
    yearly = {y: u for y, u in _yearly(table, chosen).items() if lo <= y <= hi}
    _, notes = _perimeter(records, lo, hi, chosen, table)
    rows: list[tuple[Value, ...]] = []
    if yearly:
        y0, y1 = min(yearly), max(yearly)
        peak = max(yearly, key=lambda y: yearly[y])  # the first year of the highest total
        rows.append((y0, y1, yearly[y0], yearly[y1], cagr_pct(yearly[y0], yearly[y1], y1 - y0),
                     peak, yearly[peak]))
        notes.insert(0, "CAGR compares the reported totals of the first and last year; the "
                        "perimeter changes listed below make it differ from like-for-like growth.")
        partial = [y for y in (y0, y1, peak) if not chosen and missing(records, y)]
        if partial:
            notes.insert(1, f"{span(partial)}: not every member is reported, so CAGR and the "
                            "peak compare partial sums (see alliance sales --by year, column "
                            "complete).")
    return Report(
        title=f"{_whose(chosen)} sales summary, {span(range(lo, hi + 1))}",
        columns=SUMMARY_COLUMNS, rows=rows, notes=notes if len(notes) > 1 else [],
        caption=caption(records.sources, f"sales {span(s.year for s in records.sales)}"))
