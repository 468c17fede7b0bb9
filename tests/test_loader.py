"""The loader: bundled files validate and reconcile; a broken one names file, record, field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from alliancecli import areas, loader
from alliancecli.errors import DataError
from conftest import SEEDS, article_only

AREAS = [a.name for a in areas.AREAS]


def test_every_bundled_file_loads() -> None:
    sales = article_only(loader.load_sales())
    assert len(sales.sales) == 25  # Renault 8, Nissan 8, Mitsubishi 3, AvtoVAZ 6
    assert [t.year for t in sales.totals] == list(range(2011, 2019))
    later = loader.load_sales()
    assert min(s.year for s in later.sales if s.prov.source != "wikipedia") == 2019
    assert len(loader.load_ev().milestones) > 30
    assert len(loader.load_stakes().stakes) > 10
    assert len(loader.load_timeline().events) > 40
    assert len(loader.load_plants().plants) > 10


def test_each_year_total_equals_the_sum_of_members_reported() -> None:
    data = loader.load_sales()
    for t in data.totals:
        assert sum(s.units for s in data.sales if s.year == t.year) == t.units


def test_avtovaz_is_merged_into_renault_from_2017_and_has_no_later_rows() -> None:
    data = loader.load_sales()
    avtovaz = next(m for m in data.members if m.name == "AvtoVAZ")
    assert (avtovaz.merged_into, avtovaz.merged_from) == ("Renault", 2017)
    assert max(s.year for s in data.sales if s.member == "AvtoVAZ") == 2016
    assert "*figures merged to Renault*" in " ".join(avtovaz.quote)


def _all_quotes() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for area in AREAS:
        doc = json.loads(loader.bundled().file(area).read_text("utf-8"))

        def walk(node: Any, where: str) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("quote"), list):
                    out.extend((where, q) for q in node["quote"])
                for k, v in node.items():
                    walk(v, f"{where}.{k}")
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, f"{where}[{i}]")

        walk(doc, area)
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_every_record_has_a_quote() -> None:
    assert len(_all_quotes()) > 150


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the source article is not at {SEEDS}")
def test_every_quote_occurs_verbatim_in_the_seed_article() -> None:
    article = _norm((SEEDS / "000_d899d992310475ac.txt").read_text("utf-8"))
    missing = [(where, q) for where, q in _all_quotes() if _norm(q) not in article]
    assert missing == []


# --- broken files: one DataError naming file, record and field --------------------------


def _broken(tmp_path: Path, area: str, edit: Any) -> loader.DataDir:
    for a in AREAS:
        (tmp_path / f"{a}.json").write_bytes(loader.bundled().file(a).read_bytes())
    doc = json.loads((tmp_path / f"{area}.json").read_text("utf-8"))
    edit(doc)
    (tmp_path / f"{area}.json").write_text(json.dumps(doc), "utf-8")
    return loader.resolve(str(tmp_path))


def _set(path: list[Any], value: Any) -> Any:
    def edit(doc: Any) -> None:
        node = doc
        for p in path[:-1]:
            node = node[p]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return edit


@pytest.mark.parametrize(("area", "path", "value", "record", "field", "message"), [
    ("sales", ["records", 0, "units"], "many", "records[0]", "units", "expected a whole number"),
    ("sales", ["records", 0, "member"], "Dacia", "records[0]", "member", "not in members"),
    ("sales", ["records", 0, "units"], 1, "totals (2011)", "units", "do not reconcile"),
    ("sales", ["records", 0, "quote"], [], "records[0]", "quote", "must not be empty"),
    ("sales", ["records", 0, "flags"], ["odd"], "records[0]", "flags", "'odd' is not one of"),
    ("sales", ["records", 0, "colour"], "red", "records[0]", "colour", "unknown field"),
    ("ev", ["milestones", 0, "date"], "2019-02-30", "milestones[0]", "date", "day is out of"),
    ("ev", ["milestones", 0, "metric"], "rumour", "milestones[0]", "metric", "not one of"),
    ("stakes", ["stakes", 0, "pct"], 150, "stakes[0]", "pct", "between 0 and 100"),
    ("stakes", ["stakes", 0, "holder"], ["Nobody"], "stakes[0]", "holder", "not one of"),
    ("timeline", ["events", 0, "tags"], [], "events[0]", "tags", "must not be empty"),
    ("timeline", ["events", 0, "event"], KeyError, "events[0]", "event", "missing"),
    ("plants", ["plants", 0, "capacity"], -5, "plants[0]", "capacity", "not a positive"),
    ("plants", ["schema_version"], 3, "top level", "schema_version",
     "reads schema_version 1 or 2"),
])
def test_a_broken_record_names_file_record_and_field(
        tmp_path: Path, area: str, path: list[Any], value: Any, record: str, field: str,
        message: str) -> None:
    data = _broken(tmp_path, area, _set(path, value))
    load = getattr(loader, f"load_{area}")
    with pytest.raises(DataError) as caught:
        load(data)
    e = caught.value
    assert e.file.endswith(f"{area}.json")
    assert e.record is not None and e.record.startswith(record)
    assert e.field == field
    assert re.search(re.escape(message), str(e)), str(e)


def test_records_in_any_order_are_sorted(tmp_path: Path) -> None:
    data = _broken(tmp_path, "timeline", lambda doc: doc["events"].reverse())
    events = loader.load_timeline(data).events
    dated = [e.date for e in events if e.date is not None]
    assert dated == sorted(dated)
    assert all(e.date is None for e in events[len(dated):])  # the undated ones come last
    sales = loader.load_sales(_broken(tmp_path, "sales", lambda doc: doc["records"].reverse()))
    assert [(s.year, s.member) for s in sales.sales] == sorted((s.year, s.member)
                                                               for s in sales.sales)


def test_missing_data_dir_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such directory"):
        loader.resolve(str(tmp_path / "nope"))
