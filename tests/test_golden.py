"""Rendered output, compared with reviewed golden files (one per command and format).

Regenerate with ``ALLIANCE_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py`` and review
the diff before committing: a golden file is a claim about what users see.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import invoke

GOLDEN = Path(__file__).parent / "golden"
FORMATS = ("table", "csv", "tsv", "json", "jsonl", "markdown")
CASES = {
    "sales-2017": ["sales", "--year", "2017"],
    "sales-by-year": ["sales", "--by", "year"],
    "sales-summary": ["sales", "--summary"],
    "ev-milestones-2015-12": ["ev", "milestones", "--date", "2015-12"],
    "ev-models": ["ev", "models"],
    "ev-pace": ["ev", "pace"],
    "stakes-2010": ["stakes", "--as-of", "2010"],
    "stakes-history-renault-nissan": ["stakes", "--history", "--holder", "renault",
                                      "--target", "nissan"],
    "timeline-2016": ["timeline", "--year", "2016"],
    "plants-brazil": ["plants", "--country", "brazil"],
    "plants-by-country": ["plants", "--by", "country"],
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, fmt: str) -> None:
    result = invoke(*CASES[case], "-f", fmt)
    assert result.code == 0, result.err
    assert result.err == ""
    path = GOLDEN / f"{case}.{fmt}"
    if os.environ.get("ALLIANCE_REGEN_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(result.out, "utf-8")
    assert result.out == path.read_text("utf-8")


def test_2017_headline_in_every_format() -> None:
    """The article's own headline: 10,608,366 units, +6.5 % on 2016."""
    table = (GOLDEN / "sales-2017.table").read_text("utf-8")
    assert re.search(r"Total\s+10,608,366\s+100\.00 %\s+\+647,019\s+\+6\.50 %", table)
    by_year = (GOLDEN / "sales-by-year.csv").read_text("utf-8")
    assert '2017,10608366,647019,6.5,6.5,"true"\n' in by_year
    assert '2016,9961347,1432460,16.8,5.84,"true"\n' in by_year
    assert '{"year": 2017, "member": "Renault", "units": 3761634, "share_pct": 35.46' in (
        GOLDEN / "sales-2017.jsonl").read_text("utf-8")
