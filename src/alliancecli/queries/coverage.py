"""Coverage of a source text: every figure and date it states, and which ones no record holds.

A figure (a count, a per cent, an amount of money, a capacity) or a date of the text counts as
held when it is the value of a record's field, when a record's own words name it (its note, its
text, a name), or when it lies inside a statement the data lists as left out on purpose (an
omission, with its reason). Appearing only inside another record's quote does not count: a
quote is the evidence, not the record. Numbers spelled out in words are not measured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from ..dates import PartialDate

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"

# Tried in order at each position: a full date before a month, a month before a year, a
# number with its scale word before a bare number.
PATTERNS = [
    ("date", re.compile(r"\b(?P<day>\d{1,2})\s+" + _MONTH + r"\s+(?P<year>\d{4})\b", re.I)),
    ("date", re.compile(r"\b" + _MONTH + r"\s+(?P<day>\d{1,2}),\s+(?P<year>\d{4})\b", re.I)),
    ("date", re.compile(r"\b" + _MONTH + r"\s+(?:of\s+)?(?P<year>\d{4})\b", re.I)),
    ("number", re.compile(r"(?<![\w.,\-/])" + _NUM + r"(?:\s*(?P<scale>thousand|million|billion|"
                          r"trillion)\b)?(?![\w\-]|[.,]\d)", re.I)),
]


class Figure(NamedTuple):
    """One figure or date as the text writes it."""

    kind: str
    """``date`` or ``number``."""
    value: str
    """Canonical: ISO for a date (``2017``, ``2017-12``, ``1999-03-27``); digits for a number."""
    text: str
    start: int


def _number(text: str, scale: str | None) -> str:
    v = float(text.replace(",", "")) * SCALE.get((scale or "").lower(), 1)
    return str(int(v)) if v == int(v) else repr(v)


def figures(text: str) -> Iterator[Figure]:
    """Every figure and date of ``text``, left to right, none counted twice."""
    taken: list[tuple[int, int]] = []
    found: list[Figure] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            groups = m.groupdict()
            found_kind = kind
            if kind == "date":
                month = MONTHS[groups["month"].lower()]
                year = int(groups["year"])
                day = int(groups.get("day") or 0)
                try:
                    value = PartialDate(year, month, day).iso
                    if day:
                        PartialDate.parse(value)  # a real calendar day
                except ValueError:
                    continue
            else:
                raw, scale = groups["num"], groups.get("scale")
                if not scale and re.fullmatch(r"\d{4}", raw) and 1850 <= int(raw) <= 2100:
                    found_kind, value = "date", raw  # a year
                else:
                    value = _number(raw, scale)
            taken.append((m.start(), m.end()))
            found.append(Figure(found_kind, value, m.group(0), m.start()))
    yield from sorted(found, key=lambda f: f.start)


def _walk(value: Any) -> Iterator[Any]:
    """Every leaf value of a record (NamedTuples, tuples and lists opened up)."""
    if isinstance(value, tuple | list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


def holds(record: Any) -> set[tuple[str, str]]:
    """(kind, value) of every figure and date a record holds: the values of its fields, and the
    figures its own words name (its name, its text, its notes), but not those of its quote."""
    out: set[tuple[str, str]] = set()

    def take(v: Any) -> None:
        if isinstance(v, bool) or v is None:
            return
        if isinstance(v, int | float):
            out.add(("number", _number(repr(v), None) if isinstance(v, float) else str(v)))
            if isinstance(v, int) and 1850 <= v <= 2100:
                out.add(("date", str(v)))
        elif isinstance(v, PartialDate):
            out.update({("date", str(v.year)), ("date", v.iso[:7]), ("date", v.iso)})
        elif isinstance(v, str):
            out.update((f.kind, f.value) for f in figures(v))

    for name, v in zip(record._fields, record, strict=True):
        if name == "quote":
            continue
        if name == "prov":
            take(v.note)
            continue
        for leaf in _walk(v):
            take(leaf)
    return out


class Quoted(NamedTuple):
    """Something that quotes the text: a record, or a statement left out on purpose."""

    quotes: tuple[str, ...]
    holds: frozenset[tuple[str, str]]
    """What it holds; an omission holds every figure of its quotes."""
    label: str


def quoted_by_record(label: str, record: Any, quote: Iterable[str]) -> Quoted:
    return Quoted(tuple(quote), frozenset(holds(record)), label)


def quoted_by_omission(label: str, quote: Iterable[str]) -> Quoted:
    quotes = tuple(quote)
    return Quoted(quotes, frozenset((f.kind, f.value) for q in quotes for f in figures(q)),
                  label)


def fold(text: str) -> str:
    return " ".join(text.split())


def uncovered(text: str, quoters: Iterable[Quoted]) -> list[Figure]:
    """The figures and dates of ``text`` (whitespace folded) that nothing holds.

    A figure is held when something whose quote includes it holds its value: the figure of a
    sentence that no record quotes is not in the data at all, and one that a record quotes
    without holding it is in the data only as evidence.
    """
    spans: list[tuple[int, int, frozenset[tuple[str, str]]]] = []
    for q in quoters:
        for quote in q.quotes:
            needle = fold(quote)
            if not needle:
                continue
            at = text.find(needle)
            while at != -1:
                spans.append((at, at + len(needle), q.holds))
                at = text.find(needle, at + 1)
    out = []
    for f in figures(text):
        key = (f.kind, f.value)
        if not any(s <= f.start < e and key in have for s, e, have in spans):
            out.append(f)
    return out


def sections(text: str) -> Mapping[int, str]:
    """The heading each offset falls under ("Introduction" before the first section)."""
    out = {0: "Introduction"}
    for m in re.finditer(r"^#{2,6}\s+(.+?)\s*$", text, re.M):
        out[m.start()] = m.group(1)
    return out


def section_of(offsets: Mapping[int, str], at: int) -> str:
    return offsets[max(o for o in offsets if o <= at)]
