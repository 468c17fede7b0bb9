"""Manufacturing sites and other facilities, and capacity per country."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..errors import QueryError
from ..records import Aggregate, Model, Plant, PlantsData, Provenance
from ..report import Bar, Column, Report, Value
from ..text import resolve_name
from .common import caption, number, sentences

COLUMNS = (
    Column("id", "code", "The site's id in plants.json."),
    Column("name", "text", "The site, in the article's words."),
    Column("city", "text", "Its city."),
    Column("region", "text", "Its region or state, where the article names one."),
    Column("country", "text", "Its country."),
    Column("operator", "text", "Who runs it, in the article's terms."),
    Column("in_alliance", "bool", "False for a site run by a company outside the Alliance."),
    Column("opened", "date", "When it opened or began production."),
    Column("capacity", "int", "Annual capacity at full output, in capacity_unit."),
    Column("capacity_unit", "text", "vehicles, engines or batteries."),
    Column("capacity_qualifier", "text", "The article's hedge on the capacity (up to, maximum)."),
    Column("initial_capacity", "int", "Annual capacity at the start, where the article gives "
           "both."),
    Column("products", "list", "Models the article ties to the site."),
    Column("investment", "num", "The investment, in currency."),
    Column("currency", "text", "ISO 4217 code of the investment's currency."),
    Column("investment_qualifier", "text", "The article's hedge on the investment."),
    Column("investment_equivalents", "list", "The investment in other currencies, as the "
           "article itself states it (never computed)."),
    Column("facility_type", "text", "vehicle_plant, engine_plant, battery_plant, warehouse, ..."),
    Column("note", "note", "How the record reads the article."))
SEARCHED = ("name", "city", "products", "note")
VIEW = ("name", "country", "opened", "capacity", "capacity_unit", "capacity_qualifier", "note")


def _note(p: Plant) -> str | None:
    return sentences(("Opened", p.opened_note), ("Capacity", p.capacity_note),
                     ("Investment", p.investment_note), ("", p.prov.note))


def _equivalents(p: Plant) -> tuple[str, ...]:
    """The investment as the source also states it in other currencies: "1500000000 USD"."""
    return tuple(f"{number(a).replace(',', '')} {c}" for a, c in p.investment_equivalents)


def _period(records: PlantsData) -> str:
    years = sorted({p.opened.year for p in records.plants if p.opened})
    return f"sites as the article describes them (dates {years[0]}\u2013{years[-1]})" if years \
        else "sites as the article describes them"


class Filters(NamedTuple):
    """What ``alliance plants`` narrows to; every given filter must match."""

    country: Sequence[str] = ()
    operator: str | None = None
    facility_type: str | None = None
    min_capacity: int | None = None
    city: str | None = None
    region: str | None = None
    product: str | None = None
    include_others: bool = False
    """Sites run by companies outside the Alliance (Daimler's) too."""


def _products(records: PlantsData, models: Sequence[Model]) -> dict[str, tuple[str, ...]]:
    """Each product a site builds, with the EV catalogue's aliases for it where it has one."""
    aliases = {m.name: m.aliases for m in models}
    return {n: aliases.get(n, ()) for p in records.plants for n in p.products}


def select(records: PlantsData, filters: Filters,
           models: Sequence[Model] = ()) -> tuple[list[Plant], list[Plant]]:
    """The plants matching every filter, and the non-member sites the filters left out.

    Unknown values are usage errors naming the valid ones.
    """
    f = filters
    countries = {resolve_name(c, {p.country: () for p in records.plants}, "country")
                 for c in f.country}
    op = None
    if f.operator is not None:
        op = resolve_name(f.operator, {p.operator: () for p in records.plants if p.operator},
                          "operator")
    types = sorted({p.facility_type for p in records.plants})
    facility_type = None
    if f.facility_type is not None:
        facility_type = resolve_name(f.facility_type, dict.fromkeys(types, ()), "type")
    place = None
    if f.city is not None:
        places = {p.city or p.name: p.aliases for p in records.plants}
        place = resolve_name(f.city, places, "city")
    region = None
    if f.region is not None:
        region = resolve_name(f.region, {p.region: () for p in records.plants if p.region},
                              "region")
    product = None
    if f.product is not None:
        product = resolve_name(f.product, _products(records, models), "product")
    if f.min_capacity is not None and f.min_capacity < 0:
        raise QueryError(f"--min-capacity must be 0 or more, not {f.min_capacity}")
    out, others = [], []
    for p in records.plants:
        if countries and p.country not in countries:
            continue
        if op is not None and p.operator != op:
            continue
        if facility_type is not None and p.facility_type != facility_type:
            continue
        if place is not None and (p.city or p.name) != place:
            continue
        if region is not None and p.region != region:
            continue
        if product is not None and product not in p.products:
            continue
        if f.min_capacity is not None and not (p.capacity_unit == "vehicles"
                                               and p.capacity is not None
                                               and p.capacity >= f.min_capacity):
            continue
        if not p.in_alliance and not f.include_others:
            others.append(p)
            continue
        out.append(p)
    return out, others


def _others_note(others: Sequence[Plant]) -> list[str]:
    if not others:
        return []
    names = "; ".join(f"{p.name} ({p.operator or 'operator not stated'})" for p in others)
    return [f"Left out: {len(others)} site{'' if len(others) == 1 else 's'} run by companies "
            f"outside the Alliance ({names}); --include-others shows them."]


def plants(records: PlantsData, filters: Filters = Filters(),
           models: Sequence[Model] = ()) -> Report:
    """One row per site; ``models`` (the EV catalogue) gives --product its aliases."""
    chosen, others = select(records, filters, models)
    rows: list[tuple[Value, ...]] = [
        (p.id, p.name, p.city, p.region, p.country, p.operator, p.in_alliance, p.opened,
         p.capacity,
         p.capacity_unit, p.capacity_qualifier, p.initial_capacity, p.products, p.investment,
         p.currency, p.investment_qualifier, _equivalents(p), p.facility_type, _note(p))
        for p in chosen]
    notes = _others_note(others)
    notes += [_aggregate_note(a) for a in records.aggregates
              if not filters.country or a.country in {p.country for p in chosen}]
    notes.append("capacity is annual, in capacity_unit (vehicles, engines or batteries); "
                 "investment is in the currency the source states, and "
                 "investment_equivalents in the other currencies the source itself gives.")
    return Report(title="Alliance plants and sites", columns=COLUMNS, rows=rows,
                  view=VIEW + (("in_alliance",) if filters.include_others else ()),
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


COUNTRY_COLUMNS = (
    Column("country", "text", "The country."),
    Column("sites", "int", "Sites there."),
    Column("vehicle_plants", "int", "Vehicle plants there."),
    Column("vehicle_capacity", "int", "The stated annual vehicle capacities added up (computed)."),
    Column("capacity_partial", "bool", "True where some vehicle plant's capacity is unknown."))


def by_country(records: PlantsData, filters: Filters = Filters(),
               models: Sequence[Model] = ()) -> Report:
    """Sites and known annual vehicle capacity per country; partial where some are unknown."""
    chosen, others = select(records, filters, models)
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
    notes = _others_note(others)
    notes += ["vehicle_capacity adds the stated annual vehicle capacities of the country's "
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
