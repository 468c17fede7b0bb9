"""The whole article, honestly: membership, parts against the whole, coverage, plain text.

Values here are read off the article by hand (the quotes are in data/), not off the output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alliancecli.queries import coverage
from conftest import SEEDS, invoke

SEED = SEEDS / "000_d899d992310475ac.txt"


def rows(*args: str) -> list[dict[str, Any]]:
    r = invoke(*args, "-f", "json")
    assert r.code == 0, r.err
    out: list[dict[str, Any]] = json.loads(r.out)
    return out


# --- membership -----------------------------------------------------------------------------


def test_tesla_is_left_out_of_the_listings_unless_asked_for() -> None:
    assert "Tesla Model 3" not in {r["model"] for r in rows("ev", "models")}
    every = rows("ev", "models", "--include-others")
    tesla = [r for r in every if r["model"] == "Tesla Model 3"]
    assert [(r["in_alliance"], r["units"], r["qualifier"]) for r in tesla] == [
        (False, 500_000, "more than")]
    assert all(r["in_alliance"] for r in every if r["model"] != "Tesla Model 3")
    milestones = {r["subject"] for r in rows("ev", "milestones")}
    assert not {"Tesla", "Tesla Model 3"} & milestones
    others = [r for r in rows("ev", "milestones", "--include-others") if not r["in_alliance"]]
    assert sorted((r["subject"], r["units"]) for r in others) == [
        ("Tesla", 900_000), ("Tesla Model 3", 500_000)]


def test_the_note_names_what_was_left_out() -> None:
    out = invoke("ev", "milestones").out
    assert ("note: Left out: 2 milestones about Tesla, Tesla Model 3, outside the Alliance, "
            "which the source cites for comparison; --include-others shows them.") in out


def test_daimler_sites_are_others_and_the_sql_tables_keep_every_row() -> None:
    names = {r["name"] for r in rows("plants")}
    assert "Daimler vehicle plant in Tuscaloosa, Alabama" not in names
    sql = rows("sql", "SELECT name, in_alliance FROM plants WHERE in_alliance = 0 ORDER BY name")
    assert sql == [{"name": "Daimler vehicle plant in Tuscaloosa, Alabama", "in_alliance": 0},
                   {"name": "smart plant in Hambach", "in_alliance": 0}]
    tesla = rows("sql", "SELECT model FROM ev_models WHERE in_alliance = 0")
    assert tesla == [{"model": "Tesla Model 3"}]


# --- parts against the whole -------------------------------------------------------------------


def test_groupe_renault_total_against_its_models() -> None:
    by_maker = {(r["maker"], r["date"]): r for r in rows("ev", "models", "--by", "maker")}
    renault = by_maker[("Renault", "2019-12")]
    # "more than 273,550 ... through December 2019"; Zoe 181,893 + Kangoo Z.E. 48,821 +
    # Twitzy 29,118 + Fluence Z.E./SM3 Z.E. 10,600 (one combined figure) = 270,432
    assert (renault["stated_units"], renault["stated_qualifier"], renault["models_units"],
            renault["gap_units"]) == (273_550, "more than", 270_432, 3_118)
    assert renault["models"] == ["Renault Zoe", "Renault Kangoo Z.E.", "Renault Twizy",
                                 "Renault Fluence Z.E."]
    nissan = by_maker[("Nissan", "2016-12")]  # 275,000 against the Leaf's 250,000
    assert (nissan["stated_units"], nissan["models_units"], nissan["gap_units"]) == (
        275_000, 250_000, 25_000)
    assert len(by_maker) == 2  # Nissan's "about 500,000" of April 2020 has no models that month


def test_by_maker_takes_no_model_options() -> None:
    r = invoke("ev", "models", "--by", "maker", "--history")
    assert r.code == 2 and "--by maker" in r.err


def _edit(data: Path, area: str, change: Any) -> None:
    path = data / f"{area}.json"
    doc = json.loads(path.read_text("utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")


def test_check_warns_when_the_parts_exceed_the_whole(data_copy: Path) -> None:
    def more(doc: Any) -> None:
        zoe = next(m for m in doc["milestones"] if m["subject"] == "Renault Zoe"
                   and m["units"] == 181_893)
        zoe["units"] = 190_000
        shares = next(m for m in doc["milestones"] if m.get("shares"))
        shares["shares"][0]["pct"] = 90
    _edit(data_copy, "ev", more)
    r = invoke("--data", str(data_copy), "check", "-f", "json")
    assert r.code == 0  # the source's own sums are warnings, not failures
    found = [x for x in json.loads(r.out) if x["check"] == "parts add up to the whole"]
    assert found[0]["status"] == "warn" and found[0]["count"] == 2
    details = sorted(x["detail"] for x in found[1:])
    assert details == ["its models' figures of that date add up to 278,539, 4,989 more than the "
                       "total", "the shares add up to 132 %"]


# --- coverage of the article -------------------------------------------------------------------


def test_figures_are_read_from_text_as_people_write_them() -> None:
    got = [(f.kind, f.value) for f in coverage.figures(
        "On 27 March 1999 Renault bought 36.8% for $3.5 billion; by December 2017, over "
        "500,000 units, 10.6 million in 2017, and the SM3 and e-NV200 are names.")]
    assert got == [("date", "1999-03-27"), ("number", "36.8"), ("number", "3500000000"),
                   ("date", "2017-12"), ("number", "500000"), ("number", "10600000"),
                   ("date", "2017")]


@pytest.mark.skipif(not SEED.is_file(), reason=f"the source article is not at {SEED}")
def test_every_figure_and_date_of_the_article_is_held() -> None:
    r = invoke("check", "--sources", str(SEEDS), "-f", "json")
    assert r.code == 0, r.err
    row = next(x for x in json.loads(r.out) if x["check"] == "every figure of the source is held")
    assert row["status"] == "pass" and row["count"] > 250


@pytest.mark.skipif(not SEED.is_file(), reason=f"the source article is not at {SEED}")
def test_a_figure_left_unheld_is_a_failure_naming_it(data_copy: Path) -> None:
    def drop(doc: Any) -> None:
        doc["events"] = [e for e in doc["events"] if "450,000 employees" not in e["event"]]
    _edit(data_copy, "timeline", drop)
    r = invoke("--data", str(data_copy), "check", "--sources", str(SEEDS), "-f", "json")
    assert r.code == 1
    [problem] = [x for x in json.loads(r.out)
                 if x["check"] == "every figure of the source is held" and x["value"]]
    assert (problem["file"], problem["field"], problem["value"]) == ("wikipedia", "number",
                                                                    "450,000")
    assert "nearly 450,000 employees" in problem["detail"]


@pytest.mark.skipif(not SEED.is_file(), reason=f"the source article is not at {SEED}")
def test_a_figure_only_in_another_records_quote_is_not_held(data_copy: Path) -> None:
    """The 15 % productivity gain stays in a quote, but no record holds it any more."""
    def unhold(doc: Any) -> None:
        e = next(e for e in doc["events"] if "productivity" in e["event"])
        e["event"] = "Renault reported a productivity gain from the new system."
    _edit(data_copy, "timeline", unhold)
    r = invoke("--data", str(data_copy), "check", "--sources", str(SEEDS), "-f", "json")
    values = [x["value"] for x in json.loads(r.out)
              if x["check"] == "every figure of the source is held" and x["value"]]
    assert values == ["15"]


def test_every_omission_has_a_reason() -> None:
    from alliancecli import areas

    omissions = [o for a in areas.AREAS for o in getattr(a.load(None), "omissions", ())]
    assert {o.reason for o in omissions} >= {"duplicate", "wiki_artefact", "definition"}
    assert all(o.note.strip() and o.quote for o in omissions)


# --- undated statements, text people type, sentences ----------------------------------------


def test_undated_statements_are_kept_with_no_date_and_come_last() -> None:
    events = rows("timeline")
    undated = [e for e in events if e["date"] is None]
    assert len(undated) == 11
    assert events[-len(undated):] == undated
    assert all(e["date_note"] and e["year"] is None for e in undated)
    threat = next(e for e in undated if "Saikawa" in e["event"] and "threatened" in e["event"])
    assert "April 2015" in threat["date_note"]
    assert not [e for e in rows("timeline", "--from", "1999") if e["date"] is None]


def test_no_break_spaces_are_plain_outside_quotes() -> None:
    found = rows("sql", "SELECT text FROM ev_milestones WHERE text LIKE '%1 million%'",
                 "--source", "wikipedia")
    assert found == [{"text": "Alliance global EV sales passed 1 million mark."}]
    cited = rows("ev", "milestones", "--date", "2021-12", "--cite")
    assert "1\u00a0million" in cited[0]["quote"]  # the quote is verbatim


def test_notes_made_of_parts_read_as_sentences() -> None:
    resende = next(r for r in rows("plants") if r["name"] == "Nissan Resende plant")
    assert resende["note"].startswith("Opened: began production in the first half of 2014. "
                                      "Capacity: annual; the article says \"up to 200,000 "
                                      "units annually\". ")
    tesla = next(r for r in rows("ev", "models", "--include-others")
                 if r["model"] == "Tesla Model 3")
    assert ". Not an Alliance model" in tesla["note"]


# --- region, products, equivalents -----------------------------------------------------------


def test_region_is_a_column_and_a_filter() -> None:
    assert [r["name"] for r in rows("plants", "--region", "rio")] == ["Nissan Resende plant"]
    assert {r["region"] for r in rows("plants") if r["region"]} == {
        "Rio de Janeiro", "Kanagawa Prefecture", "Tennessee", "California"}


def test_product_finds_the_sites_that_build_a_model() -> None:
    assert [r["name"] for r in rows("plants", "--product", "koleos")] == [
        "Renault–Nissan Alliance plant and technical center in Chennai"]
    assert [r["name"] for r in rows("plants", "--product", "rogue")] == [
        "Renault Samsung Motors plant in Busan"]
    r = invoke("plants", "--product", "tesla")
    assert r.code == 2 and "unknown product" in r.err


def test_investment_equivalents_are_the_articles_own() -> None:
    by_name = {r["name"]: r for r in rows("plants")}
    # "2.6 billion Brazilian reais (US$1.5 billion or €1.1 billion)"
    assert by_name["Nissan Resende plant"]["investment_equivalents"] == [
        "1500000000 USD", "1100000000 EUR"]
    assert by_name["Renault Samsung Motors plant in Busan"]["investment_equivalents"] == [
        "160000000 USD"]
    assert by_name["Renault–Nissan Alliance plant in Tangier"]["investment_equivalents"] == []
