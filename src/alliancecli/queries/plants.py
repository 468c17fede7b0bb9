"""Manufacturing sites and other facilities, and capacity per country."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import QueryError
from ..records import Aggregate, Plant, PlantsData, Provenance
from ..report import Bar, Column, Report, Value
from ..text import resolve_name
from .common import caption, number

COLUMNS = (Column("name"), Column("city"), Column("country"), Column("operator"),
           Column("opened", "date"), Column("capacity", "int"), Column("capacity_unit"),
           Column("capacity_qualifier"), Column("initial_capacity", "int"),
           Column("products", "list"), Column("investment", "num"), Column("currency"),
           Column("investment_qualifier"), Column("facility_type"), Column("note", "note"))
VIEW = ("name", "country", "opened", "capacity", "capacity_unit", "capacity_qualifier", "note")


def _note(p: Plant) -> str | None:
    parts = [x for x in (p.opened_note, p.capacity_note, p.investment_note, p.prov.note) if x]
    return " ".join(parts) or None


def _period(records: PlantsData) -> str:
    years = sorted({p.opened.year for p in records.plants if p.opened})
    return f"sites as the article describes them (dates {years[0]}\u2013{years[-1]})" if years \
        else "sites as the article describes them"


def select(records: PlantsData, country: Sequence[str] = (), operator: str | None = None,
           facility_type: str | None = None, min_capacity: int | None = None,
           city: str | None = None) -> list[Plant]:
    """The plants matching every filter; unknown values are usage errors naming valid ones."""
    countries = {resolve_name(c, {p.country: () for p in records.plants}, "country")
                 for c in country}
    op = None
    if operator is not None:
        op = resolve_name(operator, {p.operator: () for p in records.plants if p.operator},
                          "operator")
    types = sorted({p.facility_type for p in records.plants})
    if facility_type is not None:
        facility_type = resolve_name(facility_type, dict.fromkeys(types, ()), "type")
    place = None
    if city is not None:
        places = {p.city or p.name: p.aliases for p in records.plants}
        place = resolve_name(city, places, "city")
    if min_capacity is not None and min_capacity < 0:
        raise QueryError(f"--min-capacity must be 0 or more, not {min_capacity}")
    out = []
    for p in records.plants:
        if countries and p.country not in countries:
            continue
        if op is not None and p.operator != op:
            continue
        if facility_type is not None and p.facility_type != facility_type:
            continue
        if place is not None and (p.city or p.name) != place:
            continue
        if min_capacity is not None and not (p.capacity_unit == "vehicles"
                                             and p.capacity is not None
                                             and p.capacity >= min_capacity):
            continue
        out.append(p)
    return out


def plants(records: PlantsData, country: Sequence[str] = (), operator: str | None = None,
           facility_type: str | None = None, min_capacity: int | None = None,
           city: str | None = None) -> Report:
    """One row per site."""
    chosen = select(records, country, operator, facility_type, min_capacity, city)
    rows: list[tuple[Value, ...]] = [
        (p.name, p.city, p.country, p.operator, p.opened, p.capacity, p.capacity_unit,
         p.capacity_qualifier, p.initial_capacity, p.products, p.investment, p.currency,
         p.investment_qualifier, p.facility_type, _note(p)) for p in chosen]
    notes = [_aggregate_note(a) for a in records.aggregates
             if not country or a.country in {p.country for p in chosen}]
    notes.append("capacity is annual, in capacity_unit (vehicles, engines or batteries); "
                 "investment is in the currency the source states.")
    return Report(title="Alliance plants and sites", columns=COLUMNS, rows=rows, view=VIEW,
                  provenance=[p.prov for p in chosen], notes=notes,
                  caption=caption(records.sources, _period(records)))


def _aggregate_note(a: Aggregate) -> str:
    parts = [a.name]
    if a.capacity is not None:
        parts.append(f"{(a.prov.qualifier + ' ') if a.prov.qualifier else ''}"
                     f"{a.capacity:,} {a.capacity_unit or ''} a year".replace("  ", " "))
    if a.investment is not None:
        parts.append(f"{number(a.investment)} {a.currency or ''}".strip())
    if a.date is not None:
        parts.append(a.date.iso)
    if a.kind == "plan":
        parts.append("a plan or target")
    where = f"{a.country}: " if a.country else ""
    return (f"{where}the source also gives a figure for several sites together, never counted "
            f"as a plant: {'; '.join(parts)}.")


COUNTRY_COLUMNS = (Column("country"), Column("sites", "int"), Column("vehicle_plants", "int"),
                   Column("vehicle_capacity", "int"), Column("capacity_partial", "bool"))


def by_country(records: PlantsData, country: Sequence[str] = (), operator: str | None = None,
               facility_type: str | None = None, min_capacity: int | None = None,
               city: str | None = None) -> Report:
    """Sites and known annual vehicle capacity per country; partial where some are unknown."""
    chosen = select(records, country, operator, facility_type, min_capacity, city)
    groups: dict[str, list[Plant]] = {}
    for p in chosen:
        groups.setdefault(p.country, []).append(p)
    rows: list[tuple[Value, ...]] = []
    prov: list[Provenance | None] = []
    for name in sorted(groups):
        ps = groups[name]
        vehicle = [p for p in ps if p.facility_type == "vehicle_plant"]
        known = [p.capacity for p in vehicle
                 if p.capacity is not None and p.capacity_unit == "vehicles"]
        rows.append((name, len(ps), len(vehicle), sum(known) if known else None,
                     len(known) < len(vehicle)))
        prov.append(None)
    notes = ["vehicle_capacity adds the stated annual vehicle capacities of the country's "
             "vehicle plants; capacity_partial is true where some plant's capacity is unknown."]
    notes += [_aggregate_note(a) for a in records.aggregates if a.country in groups]
    chart = tuple(Bar(str(r[0]), (("vehicles", float(r[3])),)) for r in rows
                  if isinstance(r[3], int))
    undrawn = [str(r[0]) for r in rows if not isinstance(r[3], int)]
    chart_note = (f"Not drawn: {', '.join(undrawn)}: no vehicle plant there has a stated "
                  f"capacity." if undrawn else "")
    return Report(title="Alliance sites by country", columns=COUNTRY_COLUMNS, rows=rows,
                  provenance=prov, notes=notes, caption=caption(records.sources, _period(records)),
                  chart=chart, chart_unit="stated annual vehicle capacity per country",
                  chart_note=chart_note)
