"""The questions people ask of stakes, timeline, EVs, plants and check, on the bundled data.

Every expected value here was read off the source article (shared/seeds/000_d899d992310475ac.txt)
by hand; the tests call the query functions directly, as the commands do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from alliancecli import areas, loader
from alliancecli.dates import PartialDate
from alliancecli.errors import QueryError
from alliancecli.queries import check as check_q
from alliancecli.queries import ev as ev_q
from alliancecli.queries import plants as plants_q
from alliancecli.queries import stakes as stakes_q
from alliancecli.queries import timeline as timeline_q
from alliancecli.report import Node, Report, Value
from alliancecli.text import fold
from conftest import SEEDS, article_only


# These tests hold the article's own figures: they read the records of the article alone (as
# --source wikipedia does), whatever other sources add; tests/test_sources.py covers the rest.
def load_ev() -> Any:
    return article_only(loader.load_ev())


def load_plants() -> Any:
    return article_only(loader.load_plants())


def load_stakes() -> Any:
    return article_only(loader.load_stakes())


def load_timeline() -> Any:
    return article_only(loader.load_timeline())

SEED = "000_d899d992310475ac.txt"


def dicts(report: Report) -> list[dict[str, Value]]:
    """The rows of a report as dicts keyed by column name."""
    names = [c.name for c in report.columns]
    return [dict(zip(names, r, strict=True)) for r in report.rows]


def iso(v: Value) -> str | None:
    """A date cell as ISO text (None stays None)."""
    if v is None:
        return None
    assert isinstance(v, PartialDate), v
    return v.iso


def renault_in_nissan(as_of: str | None) -> list[dict[str, Value]]:
    report = stakes_q.stakes(load_stakes(), as_of=as_of, holder=["renault"], target=["nissan"])
    return dicts(report)


# --- stakes ----------------------------------------------------------------------------------


def test_renault_stake_in_nissan_in_2010() -> None:
    # "In 2001 ... increased its stake in Nissan to 43.4%"; "a 43.4% voting stake in Nissan"
    rows = renault_in_nissan("2010")
    assert len(rows) == 1
    row = rows[0]
    assert (row["holder"], row["target"], row["pct"], row["voting"]) == (
        "Renault", "Nissan", 43.4, True)
    assert iso(row["since"]) == "2001"
    assert iso(row["until"]) == "2023"
    # the 2023 sentence says "its 43.3% voting stake": the note must give both figures
    note = row["note"]
    assert isinstance(note, str)
    assert "43.3" in note and "43.4" in note


def test_renault_stake_in_nissan_in_2000_is_the_founding_36_8() -> None:
    # "Renault bought 36.8% of Nissan's outstanding stock" (27 March 1999)
    rows = renault_in_nissan("2000")
    assert [(r["pct"], iso(r["since"]), iso(r["until"])) for r in rows] == [
        (36.8, "1999-03-27", "2001")]
    assert rows[0]["voting"] is None  # the article never says whether these shares voted


@pytest.mark.parametrize("as_of", [None, "2023", "2024-06"])
def test_renault_stake_in_nissan_latest_is_15(as_of: str | None) -> None:
    # "In 2023, Renault reduced its 43.3% voting stake in Nissan to 15%"
    rows = renault_in_nissan(as_of)
    assert [(r["pct"], r["voting"], iso(r["since"]), r["until"]) for r in rows] == [
        (15, True, "2023", None)]


@pytest.mark.parametrize(("as_of", "pct"), [
    ("2001", 43.4),         # a year means its end: the 2001 increase is done by 2001-12-31
    ("2001-12", 43.4),
    ("2001-12-31", 43.4),
    ("2001-06", 36.8),      # the 2001 change, dated only by year, counts as done by its end
    ("2001-12-30", 36.8),
    ("1999", 36.8),
    ("1999-03", 36.8),
    ("1999-03-27", 36.8),   # the day the Alliance began
    ("2022-12-31", 43.4),
])
def test_as_of_means_the_end_of_the_period(as_of: str, pct: float) -> None:
    assert [r["pct"] for r in renault_in_nissan(as_of)] == [pct]


def test_as_of_a_partial_date_says_what_it_means() -> None:
    report = stakes_q.stakes(load_stakes(), as_of="2001")
    assert report.title == "Alliance stakes in force at the end of 2001"
    assert any("--as-of 2001 means the state at 2001-12-31" in n for n in report.notes)


@pytest.mark.parametrize("as_of", ["1999-03-26", "1999-02", "1998", "1066"])
def test_as_of_before_the_alliance_began_is_an_error(as_of: str) -> None:
    with pytest.raises(QueryError, match=r"no stakes before 1999-03-27; --as-of takes a date "
                                         r"from 1999-03-27 on"):
        stakes_q.stakes(load_stakes(), as_of=as_of)


@pytest.mark.parametrize("as_of", ["yesterday", "2010/05", "2019-02-30", "2010-13", "10-2010",
                                   ""])
def test_as_of_that_is_not_a_date_is_an_error(as_of: str) -> None:
    with pytest.raises(QueryError, match="--as-of"):
        stakes_q.stakes(load_stakes(), as_of=as_of)


@pytest.mark.parametrize(("holder", "target"), [
    ("Groupe Renault", "Nissan Motor"),
    ("RENAULT", "nissan motors"),
    ("renault", "NISSAN"),
    ("groupe", "nissan mot"),  # unambiguous prefixes
])
def test_holder_and_target_aliases(holder: str, target: str) -> None:
    report = stakes_q.stakes(load_stakes(), as_of="2010", holder=[holder], target=[target])
    assert [(r["holder"], r["target"], r["pct"]) for r in dicts(report)] == [
        ("Renault", "Nissan", 43.4)]


def test_french_state_alias_finds_the_15_pct_stake_in_renault() -> None:
    # "France's 15% stake in Renault"
    report = stakes_q.stakes(load_stakes(), as_of="2015", holder=["France"], target=["renault"])
    assert [(r["holder"], r["pct"], r["voting"]) for r in dicts(report)] == [
        ("French government", 15, True)]


def test_unknown_holder_is_an_error_naming_valid_ones() -> None:
    with pytest.raises(QueryError, match=r"unknown holder 'Toyota'.*valid: .*Renault"):
        stakes_q.stakes(load_stakes(), holder=["Toyota"])


def test_history_of_renault_in_nissan_in_order() -> None:
    report = stakes_q.stakes(load_stakes(), holder=["renault"], target=["nissan"], history=True)
    rows = dicts(report)
    assert [(r["pct"], iso(r["since"]), iso(r["until"])) for r in rows] == [
        (36.8, "1999-03-27", "2001"), (43.4, "2001", "2023"), (15, "2023", None)]
    assert report.title == "Alliance stakes: every change"
    assert report.tree is None


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from walk(child)


def entity(node: Node) -> str:
    """The company a tree node names: its label up to the first colon."""
    return node.label.split(":")[0]


def child_named(node: Node, name: str) -> Node:
    found = [c for c in node.children if entity(c) == name]
    assert len(found) == 1, (name, [c.label for c in node.children])
    return found[0]


def test_control_tree_2017_mitsubishi_under_nissan_under_renault() -> None:
    tree = stakes_q.stakes(load_stakes(), as_of="2017").tree
    assert tree is not None
    assert tree.label == "Control at the end of 2017"
    # Renault, whose own holdings are expanded (not a cross-holding leaf)
    renaults = [n for n in walk(tree) if entity(n) == "Renault" and n.children]
    assert len(renaults) == 1
    nissan = child_named(renaults[0], "Nissan")
    assert nissan.label.startswith("Nissan: 43.4 % voting")
    mitsubishi = child_named(nissan, "Mitsubishi")
    assert mitsubishi.label == "Mitsubishi: 34 %"  # "the 34% controlling interest"
    # Nissan's 15% non-voting stake in Renault closes a cycle: shown, not walked again
    back = child_named(nissan, "Renault")
    assert back.label == "Renault: 15 % non-voting \u21c4 cross-holding with Renault"
    assert back.children == ()


def test_control_tree_2015_has_no_mitsubishi_yet() -> None:
    # "Nissan's acquisition of the 34% controlling interest in Mitsubishi was completed in
    # October 2016"
    tree = stakes_q.stakes(load_stakes(), as_of="2016-09").tree
    assert tree is not None
    assert not any(entity(n) == "Mitsubishi" for n in walk(tree))
    tree = stakes_q.stakes(load_stakes(), as_of="2016-10").tree
    assert tree is not None
    assert any(entity(n) == "Mitsubishi" for n in walk(tree))


# --- timeline --------------------------------------------------------------------------------


def test_events_of_2016() -> None:
    report = timeline_q.timeline(load_timeline(), year=2016)
    rows = dicts(report)
    assert rows
    assert all(isinstance(r["date"], PartialDate) and r["date"].year == 2016 for r in rows)
    assert all(r["year"] == 2016 for r in rows)
    # "Nissan's acquisition of the 34% controlling interest in Mitsubishi was completed in
    # October 2016"
    completed = [r for r in rows if iso(r["date"]) == "2016-10"
                 and "34% controlling interest in Mitsubishi" in str(r["event"])]
    assert len(completed) == 1
    assert "ownership" in completed[0]["tags"]  # type: ignore[operator]
    # ... and it began in May 2016
    assert any(iso(r["date"]) == "2016-05" and "34%" in str(r["event"]) for r in rows)
    # in date order
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)  # type: ignore[type-var]


def test_tag_and_member_filters_narrow_together() -> None:
    rows = dicts(timeline_q.timeline(load_timeline(), tags=["ownership"],
                                     members=["MITSUBISHI"]))
    assert rows
    assert all("ownership" in r["tags"] and "Mitsubishi" in r["members"]  # type: ignore[operator]
               for r in rows)
    dates = [iso(r["date"]) for r in rows]
    assert "2016-05" in dates and "2016-10" in dates
    every = load_timeline().events
    assert len(rows) == sum(1 for e in every
                            if "ownership" in e.tags and "Mitsubishi" in e.members)


@pytest.mark.parametrize(("alias", "name"), [("Mitsubishi Motors", "mitsubishi"),
                                             ("Groupe Renault", "renault")])
def test_timeline_member_accepts_company_aliases(alias: str, name: str) -> None:
    by_alias = timeline_q.timeline(load_timeline(), members=[alias])
    assert by_alias.rows == timeline_q.timeline(load_timeline(), members=[name]).rows


def test_kind_plan_gives_only_plans() -> None:
    rows = dicts(timeline_q.timeline(load_timeline(), kind="plan"))
    assert rows and all(r["kind"] == "plan" for r in rows)
    # "a new target to double annual synergies to €10 billion by the end of the plan"
    assert any(iso(r["date"]) == "2017-09" and "\u20ac10 billion" in str(r["event"])
               for r in rows)
    events = dicts(timeline_q.timeline(load_timeline(), kind="event"))
    assert len(rows) + len(events) == len(load_timeline().events)


def test_search_ignores_case() -> None:
    upper = timeline_q.timeline(load_timeline(), search="GHOSN")
    lower = timeline_q.timeline(load_timeline(), search="ghosn")
    assert upper.rows == lower.rows
    expected = [e for e in load_timeline().events
                if "ghosn" in f"{e.event} {e.date_note or ''}".casefold()]
    assert len(upper.rows) == len(expected) > 5
    # "Ghosn's November 2018 arrest in Japan"
    assert any(iso(r["date"]) == "2018-11" and "arrested" in str(r["event"])
               for r in dicts(upper))


@pytest.mark.parametrize("query", ["São José dos Pinhais", "SAO JOSE", "são josé"])
def test_search_ignores_accents(query: str) -> None:
    rows = dicts(timeline_q.timeline(load_timeline(), search=query))
    # "The expanded plant will have an annual capacity of 380,000 vehicles per year starting
    # in 2013"
    assert [(iso(r["date"]), r["kind"]) for r in rows] == [("2013", "plan")]
    assert "São José dos Pinhais" in str(rows[0]["event"])


def test_search_with_an_accent_matches_text_without_one() -> None:
    accented = timeline_q.timeline(load_timeline(), search="Nissán")
    plain = timeline_q.timeline(load_timeline(), search="nissan")
    assert accented.rows == plain.rows
    assert len(plain.rows) > 20


def test_search_hyphen_matches_the_en_dash() -> None:
    # the data writes "Renault–Nissan" with an en dash; a person types a hyphen
    hyphen = timeline_q.timeline(load_timeline(), search="renault-nissan")
    dash = timeline_q.timeline(load_timeline(), search="Renault\u2013Nissan")
    assert hyphen.rows == dash.rows
    texts = [f"{r[3]} {r[7] or ''}" for r in hyphen.rows]  # event, date_note
    assert len(texts) > 5
    assert all(re.search("renault.nissan", fold(t)) for t in texts)


def test_unknown_tag_is_an_error_listing_the_tags() -> None:
    tags = sorted({t for e in load_timeline().events for t in e.tags})
    with pytest.raises(QueryError) as info:
        timeline_q.timeline(load_timeline(), tags=["electric"])
    message = str(info.value)
    assert message.startswith("unknown tag 'electric'")
    assert f"(valid: {', '.join(tags)})" in message
    assert "ev" in tags and "ownership" in tags


def test_from_after_to_is_an_error() -> None:
    with pytest.raises(QueryError, match="--from 2018 is after --to 2010"):
        timeline_q.timeline(load_timeline(), start=2018, end=2010)


@pytest.mark.parametrize("kwargs", [
    {"year": 1990},                                   # inside 1987-2023, but nothing dated
    {"year": 2016, "search": "zeppelin"},
    {"year": 2020, "tags": ["purchasing"]},
    {"start": 1987, "end": 1998, "members": ["mitsubishi"]},
])
def test_filter_matching_nothing_is_empty_not_an_error(kwargs: dict[str, object]) -> None:
    report = timeline_q.timeline(load_timeline(), **kwargs)  # type: ignore[arg-type]
    assert report.rows == []


# --- EV --------------------------------------------------------------------------------------


def test_ev_milestones_of_december_2015() -> None:
    report = ev_q.milestones(load_ev(), date="2015-12")
    rows = dicts(report)
    # "Dec 2015 | Nissan Leaf global sales passed 200,000 units." and the undated row after
    # it: "Alliance global EV sales passed 300,000 units."
    assert sorted((r["subject"], r["units"], r["qualifier"]) for r in rows) == [
        ("Alliance", 300_000, "passed"), ("Nissan Leaf", 200_000, "passed")]
    assert all(iso(r["date"]) == "2015-12" for r in rows)
    assert report.provenance is not None
    flags = {str(r["subject"]): p.flags for r, p in zip(rows, report.provenance, strict=True)
             if p is not None}
    assert "date_inferred" in flags["Alliance"]
    assert "date_inferred" not in flags["Nissan Leaf"]


def test_alliance_300000_is_flagged_date_inferred_in_the_data() -> None:
    m = [m for m in load_ev().milestones if m.subject == "Alliance" and m.units == 300_000]
    assert len(m) == 1
    assert m[0].date.iso == "2015-12"
    assert "date_inferred" in m[0].prov.flags


def test_ev_500000_milestone_has_two_dates() -> None:
    # table: "Oct 2017 | Alliance global EV sales reached 500,000 units."; prose: "By the end
    # of December 2017, the Alliance achieved the sales milestone of more than 500,000"
    report = ev_q.milestones(load_ev(), subject="alliance", metric="sales")
    rows = [r for r in dicts(report) if r["units"] == 500_000]
    assert [(iso(r["date"]), iso(r["alt_date"])) for r in rows] == [("2017-10", "2017-12")]
    assert any(n.startswith("alt_date:") for n in report.notes)


@pytest.mark.parametrize(("date", "message"), [
    ("2015-13", "--date: '2015-13' has no month 13"),
    ("Dec 2015", "--date: 'Dec 2015' is not a date"),
    ("2030", "no EV milestones in 2030; years available: 2009\u20132021"),
])
def test_ev_milestones_bad_date(date: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        ev_q.milestones(load_ev(), date=date)


def test_ev_models_zoe_has_sales_and_production() -> None:
    rows = [r for r in dicts(ev_q.models(load_ev())) if r["model"] == "Renault Zoe"]
    # "Dec 2019 | Renault Zoe production reached 200,000 units." and "As of December 2019,
    # Renault global sales were led by the Renault Zoe with 181,893 Zoe units"
    assert [(r["metric"], r["units"], iso(r["as_of"]), r["maker"]) for r in rows] == [
        ("production", 200_000, "2019-12", "Renault"), ("sales", 181_893, "2019-12", "Renault")]


@pytest.mark.parametrize("name", ["twitzy", "Twizy", "renault twizy", "TWITZY"])
def test_ev_models_twitzy_is_the_twizy(name: str) -> None:
    report = ev_q.models(load_ev(), model=name)
    # "the Twitzy heavy quadricycle with 29,118"
    assert [(r["model"], r["metric"], r["units"], iso(r["as_of"])) for r in dicts(report)] == [
        ("Renault Twizy", "sales", 29_118, "2019-12")]
    assert report.title.endswith(": Renault Twizy")


def test_ev_models_leaf_history_in_date_order() -> None:
    rows = dicts(ev_q.models(load_ev(), model="leaf", history=True))
    # table: Feb 2013 50,000; Jan 2014 100,000; Dec 2015 200,000; Dec 2016 250,000;
    # Jan 2018 300,000; Mar 2019 400,000; Dec 2020 500,000; prose: "almost 450,000 units by the
    # end of 2019"
    assert [(iso(r["as_of"]), r["units"]) for r in rows] == [
        ("2013-02", 50_000), ("2014-01", 100_000), ("2015-12", 200_000), ("2016-12", 250_000),
        ("2018-01", 300_000), ("2019-03", 400_000), ("2019-12", 450_000),
        ("2020-12", 500_000)]
    assert {r["model"] for r in rows} == {"Nissan Leaf"}
    assert [r["qualifier"] for r in rows if r["units"] == 450_000] == ["almost"]


def test_ev_models_latest_leaf_is_500000() -> None:
    rows = dicts(ev_q.models(load_ev(), model="leaf"))
    assert [(r["units"], iso(r["as_of"])) for r in rows] == [(500_000, "2020-12")]


def test_ev_models_imiev_covers_the_minicab_variants() -> None:
    report = ev_q.models(load_ev(), model="i-miev")
    # "global sales of over 50,000 units by March 2015, accounting for all variants of the
    # i-MiEV, including the two Minicab MiEV versions sold in Japan"
    assert [(r["units"], r["qualifier"], iso(r["as_of"]), r["covers"])
            for r in dicts(report)] == [
        (50_000, "over", "2015-03", ("Mitsubishi i-MiEV", "Mitsubishi Minicab MiEV"))]
    assert any(n.startswith("covers:") for n in report.notes)


def test_ev_models_unknown_model_is_an_error() -> None:
    with pytest.raises(QueryError, match="unknown model 'prius'"):
        ev_q.models(load_ev(), model="prius")


# --- EV pace ---------------------------------------------------------------------------------

# Alliance rows of the article's table: Jul 2013 100,000; Oct 2014 200,000; Jun 2015 250,000;
# Dec 2015 300,000; Aug 2016 350,000; Jan 2017 400,000; Oct 2017 500,000; Dec 2019 800,000;
# Dec 2021 1 million. Months and units a month worked out by hand (half up).
PACE = [
    ("2013-07", "2014-10", 100_000, 200_000, 100_000, 15, 6_667),   # 6,666.7
    ("2014-10", "2015-06", 200_000, 250_000, 50_000, 8, 6_250),
    ("2015-06", "2015-12", 250_000, 300_000, 50_000, 6, 8_333),     # 8,333.3
    ("2015-12", "2016-08", 300_000, 350_000, 50_000, 8, 6_250),
    ("2016-08", "2017-01", 350_000, 400_000, 50_000, 5, 10_000),
    ("2017-01", "2017-10", 400_000, 500_000, 100_000, 9, 11_111),   # 11,111.1
    ("2017-10", "2019-12", 500_000, 800_000, 300_000, 26, 11_538),  # 11,538.5 -> 11,538.46
    ("2019-12", "2021-12", 800_000, 1_000_000, 200_000, 24, 8_333),
]


def pace_rows() -> list[tuple[object, ...]]:
    return [(iso(r["from_date"]), iso(r["to_date"]), r["from_units"], r["to_units"],
             r["added_units"], r["months"], r["units_per_month"])
            for r in dicts(ev_q.pace(load_ev()))]


def test_pace_between_alliance_milestones() -> None:
    assert pace_rows() == PACE


def stretch_text(row: tuple[object, ...]) -> str:
    a, b, fu, tu, _, months, rate = row
    assert isinstance(fu, int) and isinstance(tu, int) and isinstance(rate, int)
    return f"{a} to {b} ({fu:,} to {tu:,} units, {months} months): {rate:,} units a month"


def test_pace_notes_name_the_fastest_stretch() -> None:
    rows = pace_rows()
    top = max(int(str(r[6])) for r in rows)
    fastest = [r for r in rows if r[6] == top]
    assert top == 11_538 and len(fastest) == 1
    notes = ev_q.pace(load_ev()).notes
    assert f"Fastest stretch: {stretch_text(fastest[0])}." in notes
    assert ("Fastest stretch: 2017-10 to 2019-12 (500,000 to 800,000 units, 26 months): "
            "11,538 units a month.") in notes


def test_pace_notes_slowest_stretch_has_the_lowest_rate() -> None:
    rows = pace_rows()
    low = min(int(str(r[6])) for r in rows)
    assert low == 6_250
    notes = [n for n in ev_q.pace(load_ev()).notes if n.startswith("Slowest stretch")]
    assert len(notes) == 1
    assert notes[0].endswith(f": {low:,} units a month.")
    tied = [stretch_text(r) for r in rows if r[6] == low]
    assert notes[0] == f"Slowest stretches (tied): {'; '.join(tied)}."


def test_pace_notes_name_every_stretch_tied_for_slowest() -> None:
    rows = pace_rows()
    low = min(int(str(r[6])) for r in rows)
    slowest = [r for r in rows if r[6] == low]
    assert len(slowest) == 2  # a tie in the source's figures
    text = " ".join(ev_q.pace(load_ev()).notes)
    for r in slowest:
        assert f"{r[0]} to {r[1]}" in text, r


# --- plants ----------------------------------------------------------------------------------


def test_plants_in_brazil_and_their_capacity() -> None:
    report = plants_q.plants(load_plants(), plants_q.Filters(country=["brazil"]))
    rows = dicts(report)
    # "Nissan invested 2.6 billion Brazilian reais ... in Resende ... the capacity to produce up
    # to 200,000 units annually"; "Renault invested an additional 500 million reais ... São
    # José dos Pinhais ... an annual capacity of 380,000 vehicles per year"
    assert [(r["city"], r["capacity"], r["capacity_unit"], r["investment"], r["currency"],
             r["operator"]) for r in rows] == [
        ("Resende", 200_000, "vehicles", 2.6e9, "BRL", "Nissan"),
        ("São José dos Pinhais", 380_000, "vehicles", 5e8, "BRL", "Renault")]
    assert rows[0]["capacity_qualifier"] == "up to"
    assert all(r["country"] == "Brazil" for r in rows)


@pytest.mark.parametrize("city", ["sao jose", "São José dos Pinhais", "SAO JOSE DOS PINHAIS"])
def test_plants_city_forgives_accents_and_prefixes(city: str) -> None:
    rows = dicts(plants_q.plants(load_plants(), plants_q.Filters(city=city)))
    assert [(r["name"], r["capacity"]) for r in rows] == [
        ("Renault São José dos Pinhais plant", 380_000)]


def test_tangiers_and_tangier_are_the_same_plant() -> None:
    # the article writes both "plant in Tangier" and "the Tangiers Industrial Project"
    a = plants_q.plants(load_plants(), plants_q.Filters(city="tangiers"))
    b = plants_q.plants(load_plants(), plants_q.Filters(city="tangier"))
    assert a.rows == b.rows
    rows = dicts(a)
    # "annual production capacity of 400,000 vehicles"; "an investment of €1 billion";
    # "an initial annual output capacity of 170,000 vehicles"
    assert [(r["country"], r["capacity"], r["initial_capacity"], r["investment"],
             r["currency"]) for r in rows] == [("Morocco", 400_000, 170_000, 1e9, "EUR")]


def test_by_country_brazil_adds_its_two_plants_once() -> None:
    report = plants_q.by_country(load_plants(), plants_q.Filters(country=["brazil"]))
    assert dicts(report) == [{"country": "Brazil", "sites": 2, "vehicle_plants": 2,
                              "vehicle_capacity": 580_000, "capacity_partial": False}]


def test_by_country_every_country() -> None:
    rows = {str(r["country"]): r for r in dicts(plants_q.by_country(load_plants()))}
    assert (rows["Brazil"]["vehicle_capacity"], rows["Brazil"]["capacity_partial"]) == (
        580_000, False)
    # Togliatti: "a maximum capacity of 350,000 cars per year"; Moscow, St Petersburg and
    # Izhevsk: no capacity given
    assert (rows["Russia"]["sites"], rows["Russia"]["vehicle_plants"],
            rows["Russia"]["vehicle_capacity"], rows["Russia"]["capacity_partial"]) == (
        4, 4, 350_000, True)
    # Chennai: "the capacity to produce 400,000 vehicles a year"; plus the design studio
    assert (rows["India"]["sites"], rows["India"]["vehicle_plants"],
            rows["India"]["vehicle_capacity"], rows["India"]["capacity_partial"]) == (
        2, 1, 400_000, False)
    # China has only the Shanghai warehouse
    assert (rows["China"]["vehicle_plants"], rows["China"]["vehicle_capacity"],
            rows["China"]["capacity_partial"]) == (0, None, False)
    # the country sum never includes the aggregate: it is the sum of the plants' own capacities
    vehicle = [p for p in load_plants().plants
               if p.facility_type == "vehicle_plant" and p.capacity_unit == "vehicles"
               and p.capacity is not None]
    assert sum(int(str(r["vehicle_capacity"])) for r in rows.values()
               if r["vehicle_capacity"] is not None) == sum(p.capacity or 0 for p in vehicle)


def test_brazil_580000_aggregate_is_only_a_note() -> None:
    # "two plants and a combined annual capacity of 580,000 vehicles per year"
    for report in (plants_q.plants(load_plants()),
                   plants_q.plants(load_plants(), plants_q.Filters(["Brazil"])),
                   plants_q.by_country(load_plants(), plants_q.Filters(["brazil"]))):
        if report.columns[0].name == "name":
            assert all(r["capacity"] != 580_000 and "offensive" not in str(r["name"])
                       for r in dicts(report))
        notes = [n for n in report.notes if "580,000" in n]
        assert len(notes) == 1, report.notes
        assert notes[0].startswith("Brazil: the source also gives a figure for several sites "
                                   "together, never counted as a plant")
    plants = plants_q.plants(load_plants(), plants_q.Filters(include_others=True))
    assert len(plants.rows) == len(load_plants().plants)
    members = plants_q.plants(load_plants())
    assert len(members.rows) == len(load_plants().plants) - 2  # Daimler's Hambach, Tuscaloosa
    assert members.notes[0].startswith("Left out: 2 sites run by companies outside the "
                                       "Alliance (smart plant in Hambach (Daimler); Daimler "
                                       "vehicle plant in Tuscaloosa, Alabama (Daimler))")


def test_aggregate_note_follows_the_country_filter() -> None:
    report = plants_q.plants(load_plants(), plants_q.Filters(country=["morocco"]))
    assert not any("580,000" in n for n in report.notes)


def test_min_capacity_counts_only_vehicle_plants() -> None:
    # the Zama battery plant has "annual capacity is 65,000 units": batteries, not vehicles
    rows = dicts(plants_q.plants(load_plants(), plants_q.Filters(min_capacity=60_000)))
    assert sorted(str(r["city"]) for r in rows) == [
        "Aguascalientes", "Chennai", "Resende", "São José dos Pinhais", "Tangier", "Togliatti"]
    assert all(r["capacity_unit"] == "vehicles" for r in rows)
    big = dicts(plants_q.plants(load_plants(), plants_q.Filters(min_capacity=380_000)))
    assert sorted((str(r["city"]), r["capacity"]) for r in big) == [
        ("Chennai", 400_000), ("São José dos Pinhais", 380_000), ("Tangier", 400_000)]


def test_min_capacity_negative_is_an_error() -> None:
    with pytest.raises(QueryError, match="--min-capacity must be 0 or more, not -1"):
        plants_q.plants(load_plants(), plants_q.Filters(min_capacity=-1))


def test_unknown_country_is_an_error_naming_valid_ones() -> None:
    countries = sorted({p.country for p in load_plants().plants})
    with pytest.raises(QueryError) as info:
        plants_q.plants(load_plants(), plants_q.Filters(country=["Atlantis"]))
    message = str(info.value)
    assert message.startswith("unknown country 'Atlantis'")
    assert f"(valid: {', '.join(countries)})" in message
    assert "Brazil" in countries and "Morocco" in countries


def test_country_typo_suggests_the_country() -> None:
    with pytest.raises(QueryError, match="did you mean 'Brazil'"):
        plants_q.plants(load_plants(), plants_q.Filters(country=["brasil"]))


# --- check -----------------------------------------------------------------------------------


def _collected() -> dict[str, Any]:
    return {a.name: a.collect(None) for a in areas.AREAS}


def test_check_bundled_data_has_no_failures() -> None:
    report, failures = check_q.check(_collected(), None)
    assert failures == []
    statuses = {r[1] for r in report.rows}
    assert statuses <= {"pass", "warn", "skip"}
    rows = {str(r[0]): r for r in report.rows}
    assert rows["quotes occur in their source"][1] == "skip"
    assert rows["stakes consistent over time"][1] == "pass"
    for rule in loader.RULES:
        status, counted = rows[rule][1:3]
        assert status == "pass"
        assert isinstance(counted, int) and counted > 0  # it looked at something


def test_check_names_the_43_4_or_43_3_conflict_as_a_warning() -> None:
    report, failures = check_q.check(_collected(), None)
    warns = [r for r in report.rows if r[0] == "stakes: flagged conflict"]
    assert len(warns) == 1
    assert warns[0][1] == "warn"
    detail = str(warns[0][7])
    assert detail.startswith("stake renault-nissan-2001:")
    assert "43.4" in detail and "43.3" in detail
    assert failures == []
    assert any("not failures" in n for n in report.notes)


def _seed_texts() -> dict[str, str]:
    return loader.read_source_texts(SEEDS, {s.id: s for a in areas.AREAS
                                            for s in a.load(None).sources}.values())


def test_check_quotes_against_the_article() -> None:
    if not (SEEDS / SEED).is_file():
        pytest.skip(f"the source article is not at {SEEDS}")
    report, failures = check_q.check(_collected(), _seed_texts())
    assert failures == []
    rows = {str(r[0]): r for r in report.rows}
    status, count = rows["quotes occur in their source"][1:3]
    assert (status, rows["quotes occur in their source"][7]) == ("pass",
                                                                "every quote found verbatim")
    assert isinstance(count, int) and count > 0
    assert {r[1] for r in report.rows} <= {"pass", "warn"}
