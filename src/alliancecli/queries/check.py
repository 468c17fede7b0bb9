"""``alliance check``: every check over the whole dataset, and every problem it finds.

Like a linter, each check is a summary row (pass, fail, warn or skip, with how many values it
looked at or how many problems it found), followed by one row per problem naming the file, the
record, the field and the offending value. Nothing stops at the first problem: the loader is run
in its collecting mode, so a dataset broken in ten ways shows ten rows. Conflicts that the
source itself contains are warnings, not failures.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .. import loader
from ..areas import AREAS
from ..errors import DataError
from ..records import Provenance
from ..report import Column, Report, Value
from ..stats import growth_pct
from .common import number

COLUMNS = (Column("check"), Column("status"), Column("count", "int"), Column("file"),
           Column("record"), Column("field"), Column("value"), Column("detail"))
VIEW = ("check", "status", "count", "record", "field", "value", "detail")

LOADER_CHECKS: dict[str, str] = {
    loader.SCHEMA: "every file parses and every record has the fields and types of the schema",
    loader.UNIQUE: "names, ids and (member, year) pairs are unique",
    loader.TOTALS: "each year's total equals the sum of the members reported that year",
    loader.PERCENTAGES: "every stated size is a percentage from 0 to 100",
    loader.DATES: "every date is YYYY, YYYY-MM or YYYY-MM-DD, exists, and lies in 1850-2100",
    loader.POSITIVE: "units, capacities and investments are above zero (sales at least zero)",
    loader.QUOTED: "every record from a quotable source carries its section and exact quote",
    loader.SOURCED: "every record from another source has a locator and a description in our "
                    "words, and no quote",
}
LOOKED_UP = {"sales": "sales figures", "stakes": "stakes", "plants": "plants"}
"""The records every one of which other sources should have been searched for."""


class Problem(NamedTuple):
    """One finding of a check: where it is, and what is wrong."""

    file: str | None
    record: str | None
    field: str | None
    value: Any
    detail: str


class Finding(NamedTuple):
    """The outcome of one check."""

    name: str
    status: str
    """``pass``, ``fail``, ``warn`` or ``skip``."""
    counted: int | None
    """Values the check looked at, or problems it found."""
    detail: str
    problems: Sequence[Problem] = ()


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _norm(text: str) -> str:
    return " ".join(text.split())


def check(collected: Mapping[str, loader.Collected],
          texts: Mapping[str, str] | None) -> tuple[Report, list[str]]:
    """Run every check; return the report and one line per failure (empty when all pass).

    ``collected`` holds each area's validation (areas.Area.collect); ``texts`` the folded text
    of each source at hand, or None when no --sources directory was given.
    """
    loaded = {a: c.records for a, c in collected.items() if c.records is not None}
    files = {a: c.file for a, c in collected.items()}
    findings = [*_loader_findings(collected)]
    findings.extend(_statements(loaded, files))
    findings.extend(_stakes_over_time(loaded, files))
    findings.extend(_parts_and_wholes(loaded, files))
    findings.extend(_quotes(loaded, files, texts))
    findings.extend(_coverage(loaded, texts, any(c.problems for c in collected.values())))
    findings.extend(_conflicts(loaded, files))
    findings.extend(_disagreements(loaded, files))
    findings.extend(_looked_up(loaded, files))
    findings.extend(_same_sources(loaded, files))
    rows: list[tuple[Value, ...]] = []
    failures: list[str] = []
    for f in findings:
        rows.append((f.name, f.status, f.counted, None, None, None, None, f.detail))
        if f.status == "fail" and not f.problems:
            failures.append(f"{f.name}: {f.detail}")
        for p in f.problems:
            rows.append((f.name, "fail" if f.status == "fail" else f.status, None, p.file,
                         p.record, p.field, _shown(p.value), p.detail))
            if f.status == "fail":
                where_ = ": ".join(x for x in (p.file, p.record) if x)
                failures.append(f"{f.name}: {where_}{': ' if where_ else ''}"
                                f"{'field ' + repr(p.field) + ': ' if p.field else ''}{p.detail}")
    notes = []
    if any(f.status == "warn" for f in findings):
        notes.append("warn rows are conflicts in a source, or between sources, kept and "
                     "flagged; they are not failures.")
    failed = sum(1 for f in findings if f.status == "fail")
    if failed:
        notes.insert(0, f"{len(failures)} problem(s) in {failed} check(s); each is a row above.")
    return Report(title="alliance check", columns=COLUMNS, rows=rows, view=VIEW,
                  notes=notes), failures


def _loader_findings(collected: Mapping[str, loader.Collected]) -> list[Finding]:
    """The loader's own rules: one finding per rule, with every problem it recorded."""
    by_rule: dict[str, list[Problem]] = {r: [] for r in loader.RULES}
    checked = dict.fromkeys(loader.RULES, 0)
    for c in collected.values():
        for rule, n in c.checked.items():
            checked[rule] += n
        for e in c.problems:
            by_rule.setdefault(e.rule, []).append(_problem(e))
    out = []
    for rule, problems in by_rule.items():
        if problems:
            out.append(Finding(rule, "fail", len(problems),
                               f"{len(problems)} problem(s): {LOADER_CHECKS.get(rule, rule)}",
                               problems))
        else:
            out.append(Finding(rule, "pass", checked[rule], LOADER_CHECKS.get(rule, rule)))
    return out


def _problem(e: DataError) -> Problem:
    return Problem(e.file, e.record, e.field, e.value, e.message)


def _statements(loaded: Mapping[str, Any], files: Mapping[str, str]) -> list[Finding]:
    """The prose's figures (10,608,366 units, +6.5 %) against the table they summarise."""
    if "sales" not in loaded:
        return []
    from .sales import missing

    s = loaded["sales"]
    by_year: dict[int, int] = {}
    for r in s.sales:
        by_year[r.year] = by_year.get(r.year, 0) + r.units
    checked, partial = 0, 0
    problems: list[Problem] = []
    others: list[Problem] = []
    for st in s.statements:
        if st.kind != "event" or st.subject != "Alliance" or st.year not in by_year:
            continue
        if missing(s, st.year) or (st.metric == "yoy_pct" and missing(s, st.year - 1)):
            partial += 1  # the members' sum is not the Alliance's total: nothing to compare
            continue
        if st.metric == "units":
            computed: float | None = by_year[st.year]
            digits = len(str(int(st.value)).rstrip("0"))
            ok = computed is not None and _agrees(computed, st.value, digits)
        elif st.metric == "yoy_pct":
            computed = growth_pct(by_year.get(st.year - 1), by_year[st.year])
            ok = computed is not None and round(computed, 1) == st.value
        else:
            continue
        checked += 1
        if not ok:
            found = Problem(files["sales"], f"statements ({st.id})", "value", st.value,
                            f"{st.prov.source} says {number(st.value)}; the members' records "
                            f"give {'nothing' if computed is None else number(computed)}")
            # The article against its own table is a failure; another source's total against
            # figures of other sources is a disagreement between sources.
            (problems if st.prov.quote else others).append(found)
    name = "statements agree with the table"
    skipped = (f"; {partial} not compared, for a year whose members are not all reported"
               if partial else "")
    if problems:
        return [Finding(name, "fail", len(problems), "a figure of the prose that the table "
                        "contradicts", problems)]
    if others:
        return [Finding(name, "warn", len(others), "another source's Alliance figure differs "
                        f"from the sum of the members' records{skipped}", others)]
    return [Finding(name, "pass", checked, "each figure stated for the Alliance equals the "
                    f"members' records, to the digits it gives{skipped}")]


def _agrees(computed: float, stated: float, significant: int) -> bool:
    """True if ``stated`` is ``computed`` rounded to the digits the prose gives."""
    if computed == stated:
        return True
    scale = 10 ** (len(str(int(stated))) - max(significant, 1))
    return bool(round(computed / scale) * scale == stated)


def _stakes_over_time(loaded: Mapping[str, Any], files: Mapping[str, str]) -> list[Finding]:
    if "stakes" not in loaded:
        return []
    pairs: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Any]] = {}
    for x in loaded["stakes"].stakes:
        pairs.setdefault((x.holder, x.target), []).append(x)
    problems = []
    for (h, t), items in pairs.items():
        items.sort(key=lambda x: x.since.end())
        for a, b in zip(items, items[1:], strict=False):
            if a.until is None or a.until.end() > b.since.end():
                problems.append(Problem(files["stakes"], f"stakes ({a.id})", "until",
                                        a.until.iso if a.until else None,
                                        f"{' + '.join(h)} in {' + '.join(t)}: {a.id} is still "
                                        f"in force when {b.id} begins ({b.since.iso})"))
    name = "stakes consistent over time"
    if problems:
        return [Finding(name, "fail", len(problems), "a holder with two stakes in the same "
                        "company at once", problems)]
    return [Finding(name, "pass", len(pairs), "no holder has two stakes in the same company at "
                    "once")]


def _parts_and_wholes(loaded: Mapping[str, Any], files: Mapping[str, str]) -> list[Finding]:
    """Wherever the source gives parts and their whole, the parts must not exceed it.

    Makers' totals against their models' figures of the same date, a figure's split into
    per-cent shares, and plants' capacities against the combined capacity the source gives for
    them. A whole larger than its parts is consistent (the source names only some parts, or
    gives a lower bound); parts larger than their whole are the source not adding up: a
    warning, since the figures are the source's own.
    """
    checked, problems = 0, []
    if "ev" in loaded:
        from . import ev

        for r in ev.reconcile(loaded["ev"]):
            checked += 1
            if r.gap < 0:
                problems.append(Problem(files["ev"], f"milestone {r.total.date} {r.total.subject}",
                                        "units", r.total.units,
                                        f"its models' figures of that date add up to {r.sum:,}, "
                                        f"{-r.gap:,} more than the total"))
        for m in loaded["ev"].milestones:
            if m.shares:
                checked += 1
                total = sum(p for _, p in m.shares)
                if total > 100:
                    problems.append(Problem(files["ev"], f"milestone {m.date} {m.subject}",
                                            "shares", [p for _, p in m.shares],
                                            f"the shares add up to {number(total)} %"))
    if "plants" in loaded:
        by_id = {p.id: p for p in loaded["plants"].plants}
        for a in loaded["plants"].aggregates:
            parts = [by_id[i] for i in a.plants if i in by_id]
            caps = [p.capacity for p in parts
                    if p.capacity is not None and p.capacity_unit == a.capacity_unit]
            if a.capacity is None or not caps:
                continue
            checked += 1
            if sum(caps) > a.capacity:
                problems.append(Problem(files["plants"], f"aggregate {a.id}", "capacity",
                                        a.capacity, f"its plants' capacities add up to "
                                        f"{sum(caps):,}, more than the combined figure"))
    name = "parts add up to the whole"
    if problems:
        return [Finding(name, "warn", len(problems), "the source's parts exceed the whole it "
                        "gives for them (kept as stated)", problems)]
    return [Finding(name, "pass", checked, "makers' totals against their models, shares "
                    "against 100 %, plants' capacities against their combined figure")]


def _labelled(loaded: Mapping[str, Any],
              files: Mapping[str, str]) -> list[tuple[str, str, str, Provenance]]:
    """(area, file, label, provenance) of every record, in registry order."""
    return [(area, file, label, r.prov) for area, file, label, r in _records(loaded, files)]


def _records(loaded: Mapping[str, Any],
             files: Mapping[str, str]) -> list[tuple[str, str, str, Any]]:
    """(area, file, label, record) of every record with provenance, in registry order."""
    return [(a.name, files[a.name], label, r) for a in AREAS if a.name in loaded
            for label, r in loaded[a.name].labelled()]


def _quotes(loaded: Mapping[str, Any], files: Mapping[str, str],
            texts: Mapping[str, str] | None) -> list[Finding]:
    name = "quotes occur in their source"
    if texts is None:
        return [Finding(name, "skip", None, "source text not at hand (pass --sources DIR with "
                        "the article's text)")]
    if not texts:
        return [Finding(name, "fail", 0, "--sources holds no copy of any source (each "
                        "source's 'seed' names its file)")]
    every = _labelled(loaded, files)
    problems = [Problem(file, label, "quote", q, "not found verbatim in the source text")
                for _, file, label, p in every if p.source in texts
                for q in p.quote if _norm(q) not in texts[p.source]]
    count = sum(len(p.quote) for _, _, _, p in every if p.source in texts)
    if problems:
        return [Finding(name, "fail", len(problems), "a quote that is not in its source",
                        problems)]
    return [Finding(name, "pass", count, "every quote found verbatim")]


def _coverage(loaded: Mapping[str, Any], texts: Mapping[str, str] | None,
              broken: bool) -> list[Finding]:
    """Every figure and date of each source text at hand is held by a record or an omission."""
    name = "every figure of the source is held"
    if not texts:
        return []  # the quote check above already says why (skip or fail)
    if broken:  # records left out as broken would show up here a second time
        return [Finding(name, "skip", None, "measured once the problems above are fixed")]
    from . import coverage

    records = [r for d in loaded.values() for f in d._fields if f not in ("sources", "aliases",
                                                                          "omissions")
               for r in getattr(d, f)]
    omissions = [o for d in loaded.values() for o in getattr(d, "omissions", ())]
    counted, problems = 0, []
    for sid, text in texts.items():
        quoters = [coverage.quoted_by_record(type(r).__name__, r, r.prov.quote) for r in records
                   if hasattr(r, "prov") and r.prov.source == sid]
        quoters += [coverage.quoted_by_record("member", r, r.quote) for r in records
                    if hasattr(r, "merged_into") and r.quote]
        quoters += [coverage.quoted_by_omission(o.reason, o.quote) for o in omissions
                    if o.source == sid]
        counted += sum(1 for _ in coverage.figures(text))
        for f in coverage.uncovered(text, quoters):
            around = text[max(0, f.start - 60):f.start + len(f.text) + 40]
            problems.append(Problem(sid, None, f.kind, f.text,
                                    f"no record holds it, and no omission covers it: "
                                    f"...{around}..."))
    if problems:
        return [Finding(name, "fail", len(problems), "a figure or date of the source text that "
                        "no record holds (add the record, or list the statement in omissions "
                        "with its reason)", problems)]
    return [Finding(name, "pass", counted, "each figure and date of the source text is held by "
                    "a record that quotes it, or lies in a statement left out with a reason")]


def _conflicts(loaded: Mapping[str, Any], files: Mapping[str, str]) -> list[Finding]:
    """The source's own contradictions, kept and flagged: one warning each."""
    out = []
    for area, _, label, p in _labelled(loaded, files):
        if {"conflict", "date_conflict"} & set(p.flags):
            out.append(Finding(f"{area}: flagged conflict", "warn", 1,
                               f"{label}: {p.note or 'see the record'}"))
    return out



def _value(record: Any, field: str | None) -> str:
    """The record's own value for a field, as text (what a disagreement is set against)."""
    v = getattr(record, field, None) if field else None
    if v is None:
        return "its quote" if record.prov.quote else "its description"
    if isinstance(v, tuple):
        return " + ".join(map(str, v))
    iso = getattr(v, "iso", None)
    return iso if isinstance(iso, str) else number(v) if isinstance(v, int | float) else str(v)


def _disagreements(loaded: Mapping[str, Any], files: Mapping[str, str]) -> list[Finding]:
    """Every other source that contradicts a record: a warning with both values."""
    name = "sources agree"
    problems, checked = [], 0
    for _, file, label, record in _records(loaded, files):
        p = record.prov
        for c in p.corroboration:
            checked += 1
            if not c.agrees:
                problems.append(Problem(
                    file, label, c.field, c.value,
                    f"{p.source}: {_value(record, c.field)}; {c.source}: {c.value} "
                    f"({c.locator})"))
    if problems:
        return [Finding(name, "warn", len(problems), f"{len(problems)} of {checked} other "
                        "sources' values disagree with the record's; the record keeps its own "
                        "source's value, and --cite shows the weight of evidence", problems)]
    return [Finding(name, "pass", checked, "every other source's value agrees with its record")]


def _looked_up(loaded: Mapping[str, Any], files: Mapping[str, str]) -> list[Finding]:
    """Every sales figure, stake and plant has been looked up in other sources: it lists what
    they say, or what was searched and not found."""
    out = []
    for area, what in LOOKED_UP.items():
        if area not in loaded:
            continue
        records = [(file, label, r) for a, file, label, r in _records(loaded, files)
                   if a == area and not label.startswith("statement")]
        missing = [Problem(file, label, "corroboration", None, "no other source listed, and "
                           "no 'unconfirmed' note on what was searched")
                   for file, label, r in records
                   if not r.prov.corroboration and r.prov.unconfirmed is None]
        name = f"{area}: {what} looked up in other sources"
        if missing:
            out.append(Finding(name, "warn", len(missing), f"{len(missing)} of {len(records)} "
                               "not looked up yet", missing))
        else:
            out.append(Finding(name, "pass", len(records), "each lists other sources, or says "
                               "what was searched and not found"))
    return out


def _same_sources(loaded: Mapping[str, Any], files: Mapping[str, str]) -> list[Finding]:
    """A source id names one source: every file that lists it describes it the same way."""
    seen: dict[str, tuple[str, Any]] = {}
    problems = []
    for a in AREAS:
        if a.name not in loaded:
            continue
        for s in loaded[a.name].sources:
            first = seen.setdefault(s.id, (a.name, s))
            if first[1] != s:
                fields = [f for f in s._fields if getattr(s, f) != getattr(first[1], f)]
                problems.append(Problem(files[a.name], f"sources.{s.id}", fields[0],
                                        getattr(s, fields[0]), f"differs from {first[0]}.json"))
    name = "sources described once"
    if problems:
        return [Finding(name, "fail", len(problems), "a source id describes different sources "
                        "in different files", problems)]
    by_url: dict[str, list[str]] = {}
    for sid, (_, s) in seen.items():
        by_url.setdefault(s.url, []).append(sid)
    twice = [Problem(None, f"sources.{ids[1]}", "url", url, f"the same page as "
                     f"{', '.join(ids[:1] + ids[2:])}: one page is one source")
             for url, ids in by_url.items() if len(ids) > 1]
    if twice:
        return [Finding(name, "warn", len(twice), "a page listed under two ids (it counts "
                        "twice as a source)", twice)]
    return [Finding(name, "pass", len(seen), "each source id describes the same source in "
                    "every file, and each page has one id")]
