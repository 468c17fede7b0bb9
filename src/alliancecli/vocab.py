"""Every fixed vocabulary of the dataset, defined once.

The loader validates data against these, the typer options offer them, and the queries compare
with them. ``data/README.md`` documents every value (a test holds it to that). Adding a value is
a change here plus its documentation.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeVar

from .errors import QueryError

E = TypeVar("E", bound=enum.StrEnum)


class Tag(enum.StrEnum):
    """Topics of a timeline event."""

    ownership = "ownership"
    governance = "governance"
    ev = "ev"
    partnership = "partnership"
    plant = "plant"
    leadership = "leadership"
    sales = "sales"
    strategy = "strategy"
    investment = "investment"
    product = "product"
    research = "research"
    purchasing = "purchasing"


class EventKind(enum.StrEnum):
    """Whether a record reports what happened or what was planned, targeted or forecast."""

    event = "event"
    plan = "plan"


class SubjectType(enum.StrEnum):
    """Who an EV milestone is about."""

    alliance = "alliance"
    company = "company"
    model = "model"
    other = "other"


class EvMetric(enum.StrEnum):
    """What an EV milestone measures."""

    sales = "sales"
    production = "production"
    launch = "launch"


class SalesMetric(enum.StrEnum):
    """What a sales record counts."""

    sales = "sales"
    production = "production"


class Origin(enum.StrEnum):
    """Where in the article an EV milestone is stated."""

    table = "table"
    prose = "prose"


class CapacityUnit(enum.StrEnum):
    """What a plant's annual capacity counts."""

    vehicles = "vehicles"
    engines = "engines"
    batteries = "batteries"


class FacilityType(enum.StrEnum):
    """What kind of site a plant record is."""

    vehicle_plant = "vehicle_plant"
    engine_plant = "engine_plant"
    battery_plant = "battery_plant"
    warehouse = "warehouse"
    research_centre = "research_centre"
    design_studio = "design_studio"
    technical_centre = "technical_centre"


class EntityKind(enum.StrEnum):
    """What kind of body holds or is held in stakes.json."""

    automaker = "automaker"
    joint_venture = "joint_venture"
    holding = "holding"
    government = "government"
    purchasing = "purchasing"
    battery_maker = "battery_maker"
    other = "other"


class Flag(enum.StrEnum):
    """Traps in the source that a record encodes."""

    conflict = "conflict"
    column_misaligned = "column_misaligned"
    date_inferred = "date_inferred"
    date_conflict = "date_conflict"
    combined = "combined"
    undated_start = "undated_start"
    spelling_variant = "spelling_variant"
    vague_date = "vague_date"
    citation_needed = "citation_needed"
    not_member = "not_member"
    anachronism = "anachronism"


class SourceKind(enum.StrEnum):
    """What kind of document a source is: a reader weighs a press release and a blog apart."""

    encyclopedia = "encyclopedia"
    press_release = "press_release"
    regulator_filing = "regulator_filing"
    news_agency = "news_agency"
    newspaper = "newspaper"
    trade_press = "trade_press"
    blog = "blog"
    other = "other"


class OmissionReason(enum.StrEnum):
    """Why a statement of the source is left out of the records on purpose."""

    wiki_artefact = "wiki_artefact"
    duplicate = "duplicate"
    not_about_the_alliance = "not_about_the_alliance"
    definition = "definition"


VOCABULARIES: tuple[type[enum.StrEnum], ...] = (
    Tag, EventKind, SubjectType, EvMetric, SalesMetric, Origin, CapacityUnit, FacilityType,
    EntityKind, Flag, SourceKind, OmissionReason)


def values(vocabulary: Iterable[enum.StrEnum]) -> frozenset[str]:
    """The plain strings of a vocabulary, for fast membership tests on raw JSON values."""
    return frozenset(m.value for m in vocabulary)


def parse(vocabulary: type[E], value: str, what: str) -> E:
    """``value`` as a member of ``vocabulary``, or a QueryError listing the valid values."""
    try:
        return vocabulary(value)
    except ValueError:
        valid = ", ".join(sorted(m.value for m in vocabulary))
        raise QueryError(f"unknown {what} '{value}' (valid: {valid})") from None
