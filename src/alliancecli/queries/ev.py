"""EV milestones, the latest figure per model, and the pace between Alliance milestones."""

from __future__ import annotations

from typing import NamedTuple

from ..dates import PartialDate
from ..errors import QueryError
from ..records import EvData, Maker, Milestone, Provenance
from ..report import Bar, Column, Report, Value
from ..stats import per_month
from ..text import resolve_name
from ..vocab import EvMetric, parse
from .common import caption, others_note, sentences, span, year_range

MILESTONE_COLUMNS = (
    Column("id", "code", "A stable key: the milestone's date, subject and metric."),
    Column("date", "date", "When the milestone happened, at the precision the article gives."),
    Column("subject", "text", "The Alliance, a company or a model."),
    Column("subject_type", "text", "alliance, company, model or other."),
    Column("in_alliance", "bool", "False for a company or model outside the Alliance (Tesla), "
           "cited only for comparison."),
    Column("metric", "text", "sales, production or launch."),
    Column("units", "int", "The cumulative figure, where the milestone has one."),
    Column("qualifier", "text", "The article's hedge on the figure (passed, over, about, ...)."),
    Column("text", "text", "The milestone as one sentence."),
    Column("alt_date", "date", "The prose's other date, where table and prose disagree."),
    Column("note", "note", "How the record reads the article."))
MILESTONE_VIEW = ("date", "subject", "metric", "units", "qualifier", "text", "note")
SEARCHED = ("text", "note")


def _note(m: Milestone) -> str | None:
    return sentences(("Date", m.date_note), ("", m.prov.note))


def _period(records: EvData) -> str:
    return f"EV milestones {span(m.date.year for m in records.milestones)}"


def milestones(records: EvData, year: int | None = None, start: int | None = None,
               end: int | None = None, date: str | None = None,
               subject: str | None = None, metric: str | None = None,
               include_others: bool = False) -> Report:
    """Every dated EV fact; ``date`` narrows to a year or a month (``2015-12``).

    Figures about companies outside the Alliance (Tesla) are left out unless
    ``include_others``; a note names them.
    """
    lo, hi = year_range((m.date.year for m in records.milestones), "EV", year, start, end)
    month: PartialDate | None = None
    if date is not None:
        try:
            month = PartialDate.parse(date.strip())
        except ValueError as e:
            raise QueryError(f"--date: {e}") from None
        years = [m.date.year for m in records.milestones]
        if not min(years) <= month.year <= max(years):
            raise QueryError(f"no EV milestones in {month.iso}; years available: {span(years)}")
    who: str | None = None
    if subject is not None:
        known: dict[str, tuple[str, ...]] = {m.subject: () for m in records.milestones}
        for model in records.models:
            if model.name in known:
                known[model.name] = model.aliases
        who = resolve_name(subject, known, "subject")
    if metric is not None:
        metric = parse(EvMetric, metric, "metric")
    rows: list[tuple[Value, ...]] = []
    prov: list[Provenance | None] = []
    others: list[str] = []
    for m in records.milestones:
        if not lo <= m.date.year <= hi:
            continue
        if month is not None and m.date.iso[:len(month.iso)] != month.iso:
            continue
        if (who is not None and m.subject != who) or (metric is not None and m.metric != metric):
            continue
        if not m.in_alliance and not include_others and m.subject != who:
            others.append(m.subject)
            continue
        rows.append((m.id, m.date, m.subject, m.subject_type, m.in_alliance, m.metric, m.units,
                     m.prov.qualifier, m.text, m.alt_date, _note(m)))
        prov.append(m.prov)
    notes = [others_note(len(others), "milestone", others)] if others else []
    if any(r[9] for r in rows):
        notes.append("alt_date: the source's prose dates that milestone differently from its "
                     "table; the table's date is kept.")
    return Report(title="Alliance EV milestones", columns=MILESTONE_COLUMNS, rows=rows,
                  view=MILESTONE_VIEW + (("in_alliance",) if include_others else ()),
                  provenance=prov, notes=notes, caption=caption(records.sources, _period(records)))


MODEL_COLUMNS = (
    Column("model", "text", "The electric model."),
    Column("maker", "text", "Its maker."),
    Column("in_alliance", "bool", "False for a model outside the Alliance (Tesla's Model 3)."),
    Column("units", "int", "The latest cumulative figure the article gives for it."),
    Column("metric", "text", "sales or production."),
    Column("as_of", "date", "The date of that figure."),
    Column("qualifier", "text", "The article's hedge on the figure."),
    Column("covers", "list", "The models a combined figure counts together (never split)."),
    Column("note", "note", "How the record reads the article."))
MODEL_VIEW = ("model", "maker", "units", "metric", "as_of", "qualifier", "note")


def models(records: EvData, model: str | None = None, history: bool = False,
           include_others: bool = False) -> Report:
    """The latest cumulative figure per model and metric, or every dated figure (history).

    Models outside the Alliance (Tesla's Model 3) are left out unless ``include_others`` or
    asked for by name; a note names them.
    """
    catalogue = {m.name: m for m in records.models}
    chosen: str | None = None
    if model is not None:
        chosen = resolve_name(model, {m.name: m.aliases for m in records.models}, "model")
    figures = [m for m in records.milestones
               if m.subject in catalogue and m.units is not None
               and (chosen is None or m.subject == chosen)]
    keep = include_others or chosen is not None
    left = [m.subject for m in figures if not catalogue[m.subject].in_alliance]
    others = sorted(set(left))
    if not keep:
        figures = [m for m in figures if catalogue[m.subject].in_alliance]
    if not history:
        latest: dict[tuple[str, str], Milestone] = {}
        for m in figures:  # milestones are sorted by date: the last one seen wins
            if m.cumulative:
                latest[(m.subject, m.metric)] = m
        figures = sorted(latest.values(), key=lambda m: (m.subject, m.metric))
    rows: list[tuple[Value, ...]] = [
        (m.subject, catalogue[m.subject].maker, catalogue[m.subject].in_alliance, m.units,
         m.metric, m.date, m.prov.qualifier, m.covers, _note(m)) for m in figures]
    notes = [others_note(len(left), "figure", others)] if others and not keep else []
    if any(m.covers for m in figures):
        notes.append("covers: the figure counts these models or variants together; the source "
                     "gives no split.")
    if keep and others:
        notes.append(f"in_alliance is false for {', '.join(others)}: not an Alliance model; the "
                     "source cites it for comparison.")
    what = chosen or "every model"
    title = (f"EV figures over time: {what}" if history
             else f"Latest cumulative EV figure per model and metric: {what}")
    return Report(title=title, columns=MODEL_COLUMNS, rows=rows,
                  view=MODEL_VIEW + (("in_alliance",) if keep and others else ()),
                  provenance=[m.prov for m in figures], notes=notes,
                  caption=caption(records.sources, _period(records)))


PACE_COLUMNS = (
    Column("from_date", "date", "The earlier Alliance cumulative sales milestone."),
    Column("to_date", "date", "The next one."),
    Column("from_units", "int", "Cumulative units at from_date."),
    Column("to_units", "int", "Cumulative units at to_date."),
    Column("added_units", "int", "Units added between them (computed)."),
    Column("months", "int", "Calendar months between them (computed)."),
    Column("units_per_month", "int", "added_units / months, rounded (computed)."))


def pace(records: EvData) -> Report:
    """Months between consecutive Alliance cumulative-sales milestones, and units per month."""
    steps = [m for m in records.milestones
             if m.subject_type == "alliance" and m.metric == "sales" and m.cumulative
             and m.units is not None]
    rows: list[tuple[Value, ...]] = []
    prov: list[Provenance | None] = []
    rates: list[tuple[int, str]] = []
    for a, b in zip(steps, steps[1:], strict=False):
        assert a.units is not None and b.units is not None
        months = b.date.months_since(a.date)
        added = b.units - a.units
        rate = per_month(added, months)
        rows.append((a.date, b.date, a.units, b.units, added, months, rate))
        prov.append(b.prov)
        if rate is not None:
            rates.append((rate, f"{a.date.iso} to {b.date.iso} ({a.units:,} to {b.units:,} "
                                f"units, {months} months): {rate:,} units a month"))
    notes = []
    if rates:
        for word, best in (("Fastest", max(r for r, _ in rates)), ("Slowest",
                                                                  min(r for r, _ in rates))):
            tied = [text for r, text in rates if r == best]
            label = f"{word} stretch" if len(tied) == 1 else f"{word} stretches (tied)"
            notes.append(f"{label}: {'; '.join(tied)}.")
    notes.append("Months count calendar months between the milestones' months; most milestones "
                 "are 'passed' or 'reached' figures, so the pace is approximate.")
    if any("date_conflict" in m.prov.flags or "date_inferred" in m.prov.flags for m in steps):
        notes.append("Some milestones have an inferred date or a second date in the prose; the "
                     "table's date is used (see `alliance ev milestones`).")
    chart = tuple(Bar(m.date.iso, (("Alliance", float(m.units or 0)),)) for m in steps)
    return Report(title="Pace of Alliance cumulative EV sales", columns=PACE_COLUMNS,
                  rows=rows, provenance=prov, notes=notes,
                  caption=caption(records.sources, _period(records)), chart=chart,
                  chart_unit="cumulative EV sales (units) at each milestone")


MAKER_COLUMNS = (
    Column("maker", "text", "The maker whose own total the article states."),
    Column("date", "date", "The date of the total and of the model figures."),
    Column("metric", "text", "sales or production."),
    Column("stated_units", "int", "The maker's total as the article states it."),
    Column("stated_qualifier", "text", "The article's hedge on that total."),
    Column("models_units", "int", "The sum of its models' figures of that date (computed)."),
    Column("gap_units", "delta", "stated_units minus models_units (computed)."),
    Column("models", "list", "The models summed."),
    Column("note", "note", "What the gap means."))
MAKER_VIEW = ("maker", "date", "metric", "stated_units", "stated_qualifier", "models_units",
              "gap_units", "note")


class Reconciled(NamedTuple):
    """A maker's own stated total beside the sum of its models' figures of that date."""

    maker: Maker
    total: Milestone
    """The maker's stated figure."""
    parts: tuple[Milestone, ...]
    """The model figures of the same date and metric (a combined figure counted once)."""

    @property
    def sum(self) -> int:
        return sum(m.units or 0 for m in self.parts)

    @property
    def gap(self) -> int:
        return (self.total.units or 0) - self.sum


def reconcile(records: EvData) -> list[Reconciled]:
    """Each maker total that has model figures of the same date and metric to set against it.

    Never derives a maker's total from its models: both sides are figures the source states.
    """
    catalogue = {m.name: m for m in records.models}
    out = []
    for maker in records.makers:
        names = {maker.name, *maker.aliases}
        makes = {maker.name, *maker.includes}
        for total in records.milestones:
            if total.subject_type != "company" or total.subject not in names \
                    or total.units is None:
                continue
            parts = tuple(m for m in records.milestones
                          if m.subject_type == "model" and m.units is not None
                          and m.date == total.date and m.metric == total.metric
                          and catalogue[m.subject].maker in makes)
            if parts:
                out.append(Reconciled(maker, total, parts))
    return out


def by_maker(records: EvData) -> Report:
    """Parts against the whole: each maker's stated total beside the sum of its models."""
    rows: list[tuple[Value, ...]] = []
    prov: list[Provenance | None] = []
    for r in reconcile(records):
        t = r.total
        listed = ", ".join(m.subject for m in r.parts)
        if r.gap > 0:
            why = (f"The article gives {t.subject} a total {r.gap:,} units above its models' "
                   f"figures of {t.date.iso} ({listed}): the models it names are not all of "
                   f"{t.subject}'s, or the total is a lower bound ('{t.prov.qualifier}').")
        elif r.gap < 0:
            why = (f"The models' figures of {t.date.iso} add up to {-r.gap:,} units more than "
                   f"{t.subject}'s own total: the source does not add up.")
        else:
            why = f"The models' figures of {t.date.iso} add up to {t.subject}'s own total."
        rows.append((r.maker.name, t.date, t.metric, t.units, t.prov.qualifier, r.sum, r.gap,
                     tuple(m.subject for m in r.parts), why))
        prov.append(t.prov)
    notes = ["stated_units is the maker's own figure; models_units adds the figures the "
             "article gives for its models at the same date and metric (a combined figure once); "
             "no maker total is ever derived from its models."]
    return Report(title="EV figures: each maker's total against its models", rows=rows,
                  columns=MAKER_COLUMNS, view=MAKER_VIEW, provenance=prov, notes=notes,
                  caption=caption(records.sources, _period(records)),
                  empty_note="The article gives no maker total with model figures of the same "
                             "date.")
