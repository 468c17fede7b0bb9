"""``alliance check``: validate a dataset and report each check with its count."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..areas import AREAS
from ..errors import DataError
from ..report import Column, Report, Value
from ..stats import growth_pct
from .common import number

COLUMNS = (Column("check"), Column("status"), Column("count", "int"), Column("detail"))


def _norm(text: str) -> str:
    return " ".join(text.split())


def check(loaded: Mapping[str, Any], failed: Mapping[str, DataError],
          texts: Mapping[str, str] | None) -> tuple[Report, list[str]]:
    """Run every check over the loaded records; return the report and the failures.

    ``failed`` holds the error of each area that did not load, and ``texts`` the normalised
    text of each source at hand (None when none was given).
    """
    rows: list[tuple[Value, ...]] = []
    failures: list[str] = []

    def add(name: str, status: str, count: int | None, detail: str) -> None:
        rows.append((name, status, count, detail))
        if status == "fail":
            failures.append(f"{name}: {detail}")

    for area in (a.name for a in AREAS):
        if area in failed:
            add(f"{area}: schema", "fail", None, str(failed[area]))
        else:
            add(f"{area}: schema", "pass", len(loaded[area].provenance()),
                "file parses and every record validates")

    if "sales" in loaded:
        s = loaded["sales"]
        add("sales: totals reconcile", "pass", len(s.totals),
            "each year's total equals the sum of the members reported that year")
        by_year: dict[int, int] = {}
        for r in s.sales:
            by_year[r.year] = by_year.get(r.year, 0) + r.units
        for st in s.statements:
            if st.kind != "event" or st.subject != "Alliance" or st.year not in by_year:
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
            add(f"sales: statement {st.id}", "pass" if ok else "fail", 1,
                f"the prose says {number(st.value)}; the table gives "
                f"{'nothing' if computed is None else number(computed)}")
    if "stakes" in loaded:
        st_data = loaded["stakes"]
        add("stakes: percentages within 0-100", "pass",
            sum(1 for x in st_data.stakes if x.pct is not None),
            "every stated size is a percentage")
        overlaps = []
        pairs: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Any]] = {}
        for x in st_data.stakes:
            pairs.setdefault((x.holder, x.target), []).append(x)
        for (h, t), items in pairs.items():
            items.sort(key=lambda x: x.since.end())
            for a, b in zip(items, items[1:], strict=False):
                if a.until is None or a.until.end() > b.since.end():
                    overlaps.append(f"{' + '.join(h)} in {' + '.join(t)}: {a.id} and {b.id}")
        add("stakes: consistent over time", "fail" if overlaps else "pass", len(pairs),
            "; ".join(overlaps) or "no holder has two stakes in the same company at once")
    dated = sum(len(d.provenance()) for a, d in loaded.items() if a != "sales")
    add("dates valid", "pass", dated, "every date is YYYY, YYYY-MM or YYYY-MM-DD and exists")
    if "plants" in loaded:
        caps = sum(1 for p in loaded["plants"].plants if p.capacity is not None)
        add("plants: capacities positive", "pass", caps, "every stated capacity is above zero")
    every = [(a, label, p) for a, d in loaded.items() for label, p in d.provenance()]
    add("every record has a quote", "pass", len(every), "source, section and exact quote")

    if texts is None:
        add("quotes occur in their source", "skip", None,
            "source text not at hand (pass --sources DIR with the article's text)")
    elif not texts:
        add("quotes occur in their source", "fail", 0,
            "--sources holds no copy of any source (each source's 'seed' names its file)")
    else:
        missing = [f"{a}: {label}" for a, label, p in every
                   if p.source in texts for q in p.quote if _norm(q) not in texts[p.source]]
        add("quotes occur in their source", "fail" if missing else "pass",
            sum(len(p.quote) for _, _, p in every if p.source in texts),
            "; ".join(missing[:5]) + (f" (and {len(missing) - 5} more)" if len(missing) > 5
                                      else "") if missing else "every quote found verbatim")
    conflicts = [(a, label, p) for a, label, p in every
                 if {"conflict", "date_conflict"} & set(p.flags)]
    for a, label, p in conflicts:
        add(f"{a}: flagged conflict", "warn", 1, f"{label}: {p.note or 'see the record'}")
    return Report(title="alliance check", columns=COLUMNS, rows=rows,
                  notes=["warn rows are conflicts in the source itself, kept and flagged; "
                         "they are not failures."] if conflicts else []), failures


def _agrees(computed: float, stated: float, significant: int) -> bool:
    """True if ``stated`` is ``computed`` rounded to the digits the prose gives."""
    if computed == stated:
        return True
    scale = 10 ** (len(str(int(stated))) - max(significant, 1))
    return bool(round(computed / scale) * scale == stated)
