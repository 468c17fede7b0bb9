"""``alliance check`` finds every problem of a dataset broken in several ways at once.

Each check can fail: a dataset with problems of every kind shows each one as a row naming the
file, the record, the field and the offending value, and the run exits 1.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import SEEDS, invoke

SEED = "000_d899d992310475ac.txt"


def _edit(data: Path, area: str, change: Any) -> None:
    path = data / f"{area}.json"
    doc = json.loads(path.read_text("utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")


def _first(items: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    return next(x for x in items if all(x.get(k) == v for k, v in match.items()))


def break_everything(data: Path) -> None:
    def sales(doc: Any) -> None:
        _first(doc["totals"], year=2012)["units"] += 1
        _first(doc["totals"], year=2015)["units"] -= 7
        del _first(doc["records"], year=2011, member="Nissan")["quote"]

    def stakes(doc: Any) -> None:
        _first(doc["stakes"], id="renault-nissan-2001")["pct"] = 143.4

    def ev(doc: Any) -> None:
        doc["milestones"][0]["date"] = "2019-02-30"

    def plants(doc: Any) -> None:
        _first(doc["plants"], id="resende")["capacity"] = -200000

    def timeline(doc: Any) -> None:
        doc["events"][0]["quote"] = ["Renault sold American Motors to the moon."]

    for area, change in (("sales", sales), ("stakes", stakes), ("ev", ev), ("plants", plants),
                         ("timeline", timeline)):
        _edit(data, area, change)


def rows_of(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


@pytest.fixture
def broken(data_copy: Path) -> Path:
    break_everything(data_copy)
    return data_copy


def test_every_problem_is_a_row_naming_file_record_field_and_value(broken: Path) -> None:
    if not (SEEDS / SEED).is_file():
        pytest.skip(f"the source article is not at {SEEDS}")
    r = invoke("--data", str(broken), "check", "--sources", str(SEEDS), "-f", "csv")
    assert r.code == 1
    problems = [(x["check"], Path(x["file"]).name, x["record"], x["field"], x["value"])
                for x in rows_of(r.out) if x["record"] and x["status"] == "fail"]
    assert sorted(problems) == sorted([
        ("totals reconcile", "sales.json", "totals (2012)", "units", "8097198"),
        ("totals reconcile", "sales.json", "totals (2015)", "units", "8528880"),
        ("every record has a quote", "sales.json", "records[8] (Nissan, 2011)", "quote", ""),
        ("percentages within 0-100", "stakes.json", "stakes[3] (renault-nissan-2001)", "pct",
         "143.4"),
        ("dates valid", "ev.json", "milestones[0] (2019-02-30, Mitsubishi i-MiEV)", "date",
         "2019-02-30"),
        ("figures positive", "plants.json", "plants[0] (resende)", "capacity", "-200000"),
        ("quotes occur in their source", "timeline.json",
         "event 1987 Renault sold American Motors to Chrysler", "quote",
         "Renault sold American Motors to the moon."),
    ])
    summary = {x["check"]: x for x in rows_of(r.out) if not x["record"] and not x["file"]}
    for name, n in (("totals reconcile", 2), ("every record has a quote", 1),
                    ("percentages within 0-100", 1), ("dates valid", 1),
                    ("figures positive", 1), ("quotes occur in their source", 1)):
        assert (summary[name]["status"], summary[name]["count"]) == ("fail", str(n)), name
    assert summary["schema"]["status"] == "pass"
    assert len(r.err.splitlines()) == 7  # one "check failed" line per problem
    assert all(line.startswith("alliance: check failed: ") for line in r.err.splitlines())


def test_a_broken_record_is_left_out_and_the_others_still_checked(broken: Path) -> None:
    """The 2011 Nissan record has no quote: the totals check still sees the other years."""
    r = invoke("--data", str(broken), "check", "-f", "json")
    rows = json.loads(r.out)
    totals = [x for x in rows if x["check"] == "totals reconcile" and x["record"]]
    assert {x["record"] for x in totals} >= {"totals (2012)", "totals (2015)"}


def test_normal_commands_still_stop_at_the_first_problem(broken: Path) -> None:
    r = invoke("--data", str(broken), "sales", "-f", "csv")
    assert r.code == 1 and r.err.count("\n") == 1 and r.out == ""


def test_a_file_that_is_not_json_is_one_row_and_the_other_files_are_still_checked(
        data_copy: Path) -> None:
    (data_copy / "ev.json").write_text("{not json", "utf-8")
    _edit(data_copy, "plants", lambda d: _first(d["plants"], id="resende").update(capacity=0))
    r = invoke("--data", str(data_copy), "check", "-f", "csv")
    assert r.code == 1
    problems = [(x["check"], x["file"]) for x in rows_of(r.out) if x["file"]]
    assert ("schema", str(data_copy / "ev.json")) in problems
    assert ("figures positive", str(data_copy / "plants.json")) in problems
