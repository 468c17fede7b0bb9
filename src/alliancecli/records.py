"""Typed, immutable records: nothing downstream of the loader handles a raw dict.

Records are NamedTuples rather than frozen dataclasses: equally immutable and typed, but a
dataclass costs ~0.7 ms to define at import and ~3x more to build (measured), and a command
starts and loads its records on every run.
"""

from typing import Any, NamedTuple

from .dates import PartialDate


class Source(NamedTuple):
    """A document the figures come from: quoted, if its licence allows, or pointed into."""

    id: str
    title: str
    publisher: str
    url: str
    licence: str | None
    """None for a source whose words may not be copied: its records point, never quote."""
    licence_url: str | None
    seed: str | None
    """File name of the copy the quotes were checked against, if any."""
    kind: str | None = None
    """vocab.SourceKind (None in a schema_version 1 file)."""
    published: PartialDate | None = None
    language: str | None = None
    """BCP 47 (``en``, ``fr``, ``ja``)."""


class Corroboration(NamedTuple):
    """What another source says of the same fact, and whether it agrees with the record."""

    source: str
    value: str | int | float
    """The figure, date or wording the source gives, in its terms (``USD 5.4 billion``)."""
    agrees: bool
    locator: str
    """Where on the source's page."""
    description: str
    """What it says, in this project's words."""
    field: str | None = None
    """The record's field it speaks to (``pct``, ``since``), None for the record as a whole."""


class Provenance(NamedTuple):
    """Where a record came from."""

    source: str
    """Key of the file's ``sources`` object."""
    section: str | None
    """The section of the source that states it (None where a locator points instead)."""
    quote: tuple[str, ...]
    """Exact text (whitespace aside) of the source; for a table cell, its header and row."""
    qualifier: str | None
    """The source's hedge for the main figure: "over", "about", "more than", ..."""
    flags: tuple[str, ...]
    """Traps in the source that this record encodes (see vocab.Flag)."""
    note: str | None
    locator: str | None = None
    """Where in a source that is not quoted the figure is (``para 3``, ``table 2``)."""
    description: str | None = None
    """What a source that is not quoted says, in this project's words."""
    corroboration: tuple[Corroboration, ...] = ()
    evidence: str | None = None
    """Where sources disagree: which value the weight of evidence favours, and why."""
    unconfirmed: str | None = None
    """What was looked for in other sources and not found."""

    @property
    def quote_text(self) -> str:
        """All quoted passages as one line, for a ``quote`` column."""
        return " … ".join(self.quote)


class Omission(NamedTuple):
    """A statement of the source left out of the records on purpose, and why."""

    source: str
    section: str
    quote: tuple[str, ...]
    reason: str
    """vocab.OmissionReason."""
    note: str
    """What the statement is, and where its fact is if it is elsewhere."""


# --- sales -----------------------------------------------------------------------------


class Member(NamedTuple):
    """A company in the sales table."""

    name: str
    aliases: tuple[str, ...]
    merged_into: str | None
    """Member whose figures include this one's from ``merged_from`` on."""
    merged_from: int | None
    note: str | None
    """Why some of its years are not reported."""
    quote: tuple[str, ...]
    """The source's words for the merge or gap, where it has any."""


class Sale(NamedTuple):
    """One member's reported unit sales for one year."""

    year: int
    member: str
    units: int
    metric: str
    """``sales`` (units sold) or ``production``."""
    column: str | None
    """The table column heading the value is printed under (not always its year); None for a
    figure from a source other than the article's table."""
    prov: Provenance


class Total(NamedTuple):
    """The Alliance total the source reports for a year."""

    year: int
    units: int
    column: str | None
    prov: Provenance


class Statement(NamedTuple):
    """A figure the prose states (a headline, a forecast) that the table can be checked against."""

    id: str
    year: int
    subject: str
    metric: str
    value: float
    kind: str
    """``event`` or ``plan``."""
    prov: Provenance


class SalesData(NamedTuple):
    """Everything in sales.json."""

    sources: tuple[Source, ...]
    members: tuple[Member, ...]
    totals: tuple[Total, ...]
    sales: tuple[Sale, ...]
    """Sorted by year, then member."""
    statements: tuple[Statement, ...]
    omissions: tuple[Omission, ...] = ()

    def labelled(self) -> list[tuple[str, Any]]:
        """Every record that carries provenance (``.prov``), with a label naming it."""
        return ([(f"sales {s.member} {s.year}", s) for s in self.sales]
                + [(f"total {t.year}", t) for t in self.totals]
                + [(f"statement {s.id}", s) for s in self.statements])

    def years(self) -> list[int]:
        return [s.year for s in self.sales]


# --- ev --------------------------------------------------------------------------------


class Model(NamedTuple):
    """An electric model the source names."""

    name: str
    maker: str
    aliases: tuple[str, ...]
    note: str | None
    in_alliance: bool
    """False for a model the source cites only for comparison (Tesla's Model 3)."""


class Maker(NamedTuple):
    """A company whose models the catalogue lists, and whose own totals milestones give."""

    name: str
    aliases: tuple[str, ...]
    """Names its totals go by in milestones ("Groupe Renault")."""
    includes: tuple[str, ...]
    """Other makers whose models its totals count ("Renault Samsung Motors")."""
    in_alliance: bool
    note: str | None


class Milestone(NamedTuple):
    """A dated EV fact: a launch, or a sales or production figure."""

    date: PartialDate
    date_note: str | None
    alt_date: PartialDate | None
    """The other date, where table and prose disagree (the table's is ``date``)."""
    subject: str
    subject_type: str
    """``alliance``, ``company``, ``model`` or ``other`` (not a member)."""
    metric: str
    """``sales``, ``production`` or ``launch``."""
    units: int | None
    cumulative: bool
    covers: tuple[str, ...]
    """Models a combined figure covers together."""
    shares: tuple[tuple[str, float], ...]
    """The source's split of the figure by model, in per cent (never turned into units)."""
    text: str
    origin: str
    """``table`` or ``prose``."""
    prov: Provenance
    id: str = ""
    """A stable key made from the date, subject and metric (set by the loader)."""

    @property
    def in_alliance(self) -> bool:
        """False for a figure about a company or model outside the Alliance (not_member)."""
        return "not_member" not in self.prov.flags


class EvData(NamedTuple):
    """Everything in ev.json."""

    sources: tuple[Source, ...]
    models: tuple[Model, ...]
    milestones: tuple[Milestone, ...]
    """Sorted by date."""
    makers: tuple[Maker, ...] = ()
    omissions: tuple[Omission, ...] = ()

    def labelled(self) -> list[tuple[str, Any]]:
        return [(f"milestone {m.date} {m.subject}", m) for m in self.milestones]

    def years(self) -> list[int]:
        return [m.date.year for m in self.milestones]


# --- stakes ----------------------------------------------------------------------------


class Entity(NamedTuple):
    """A company or body that holds or is held."""

    name: str
    aliases: tuple[str, ...]
    kind: str
    note: str | None


class Stake(NamedTuple):
    """A holding in force from ``since`` until ``until``."""

    id: str
    holder: tuple[str, ...]
    """Usually one entity; several when the source states the stake for them together."""
    target: tuple[str, ...]
    pct: float | None
    """Per cent of the target, or None where the source does not state the size."""
    voting: bool | None
    since: PartialDate
    since_note: str | None
    until: PartialDate | None
    """None: still in force at the source's latest date."""
    until_note: str | None
    prov: Provenance
    until_source: str | None = None
    """The source that dates the end, where it is not the record's own (a later source ends a
    stake the article leaves in force); None: the record's own source."""


class StakesData(NamedTuple):
    """Everything in stakes.json."""

    sources: tuple[Source, ...]
    entities: tuple[Entity, ...]
    stakes: tuple[Stake, ...]
    """Sorted by since, then holder."""
    omissions: tuple[Omission, ...] = ()

    def labelled(self) -> list[tuple[str, Any]]:
        return [(f"stake {s.id}", s) for s in self.stakes]

    def years(self) -> list[int]:
        return [x.since.year for x in self.stakes] + [x.until.year for x in self.stakes if x.until]


# --- timeline --------------------------------------------------------------------------


class Event(NamedTuple):
    """A dated event, or a plan or target stated at a date."""

    date: PartialDate | None
    """None where the source gives no date at all (``date_note`` then says so)."""
    date_note: str | None
    """The source's own vague wording ("early 2018"), or why there is no date."""
    event: str
    tags: tuple[str, ...]
    kind: str
    """``event`` or ``plan``."""
    members: tuple[str, ...]
    prov: Provenance
    id: str = ""
    """A stable key made from the date and the first words (set by the loader)."""


class TimelineData(NamedTuple):
    """Everything in timeline.json."""

    sources: tuple[Source, ...]
    events: tuple[Event, ...]
    """Sorted by date (year-only dates first within their year)."""
    aliases: dict[str, tuple[str, ...]]
    """Other names of the companies in ``members`` ("Mitsubishi Motors")."""
    omissions: tuple[Omission, ...] = ()

    def labelled(self) -> list[tuple[str, Any]]:
        return [(f"event {e.date or 'undated'} {e.event[:40]}", e) for e in self.events]

    def years(self) -> list[int]:
        return [e.date.year for e in self.events if e.date is not None]


# --- plants ----------------------------------------------------------------------------


class Plant(NamedTuple):
    """A manufacturing site or another facility the source names."""

    id: str
    name: str
    city: str | None
    region: str | None
    country: str
    aliases: tuple[str, ...]
    operator: str | None
    opened: PartialDate | None
    opened_note: str | None
    capacity: int | None
    """Annual capacity at full output, in ``capacity_unit``."""
    capacity_unit: str | None
    """``vehicles``, ``engines`` or ``batteries``."""
    capacity_qualifier: str | None
    initial_capacity: int | None
    capacity_note: str | None
    products: tuple[str, ...]
    investment: float | None
    currency: str | None
    investment_qualifier: str | None
    investment_note: str | None
    investment_equivalents: tuple[tuple[float, str], ...]
    """The amount in other currencies, as the source itself states it: (amount, ISO code)."""
    facility_type: str
    prov: Provenance

    @property
    def in_alliance(self) -> bool:
        """False for a site run by a company outside the Alliance (not_member)."""
        return "not_member" not in self.prov.flags


class Aggregate(NamedTuple):
    """A figure the source gives for several plants together: a note, never a plant."""

    id: str
    name: str
    country: str | None
    plants: tuple[str, ...]
    capacity: int | None
    capacity_unit: str | None
    kind: str
    date: PartialDate | None
    investment: float | None
    currency: str | None
    prov: Provenance


class PlantsData(NamedTuple):
    """Everything in plants.json."""

    sources: tuple[Source, ...]
    plants: tuple[Plant, ...]
    aggregates: tuple[Aggregate, ...]
    omissions: tuple[Omission, ...] = ()

    def labelled(self) -> list[tuple[str, Any]]:
        return ([(f"plant {p.id}", p) for p in self.plants]
                + [(f"aggregate {a.id}", a) for a in self.aggregates])

    def years(self) -> list[int]:
        return [p.opened.year for p in self.plants if p.opened]
