"""The sales query: per member, per year with like-for-like growth, and the summary."""

from __future__ import annotations

import pytest

from alliancecli import loader
from alliancecli.errors import QueryError
from alliancecli.queries import sales as q
from alliancecli.records import SalesData
from alliancecli.report import Report, Value
from conftest import article_only


def load_sales() -> SalesData:
    """The article's sales table: these tests hold its figures (other sources: at the end)."""
    data: SalesData = article_only(loader.load_sales())
    return data


def rows_by(report: Report, *keys: str) -> dict[tuple[Value, ...], dict[str, Value]]:
    names = [c.name for c in report.columns]
    out = {}
    for r in report.rows:
        d = dict(zip(names, r, strict=True))
        out[tuple(d[k] for k in keys)] = d
    return out


def test_2017_headline_per_member_and_footer() -> None:
    report = q.by_member(load_sales(), year=2017)
    rows = rows_by(report, "member")
    assert set(rows) == {("Renault",), ("Nissan",), ("Mitsubishi",)}
    assert rows[("Renault",)]["units"] == 3_761_634
    assert rows[("Renault",)]["share_pct"] == 35.46
    assert rows[("Nissan",)]["yoy_units"] == 5_816_278 - 5_559_902
    assert rows[("Mitsubishi",)]["yoy_pct"] == 10.33
    assert report.footer == ("Total", "", 10_608_366, 100.0, 647_019, 6.5, None)


def test_mitsubishi_values_belong_to_2016_to_2018() -> None:
    data = load_sales()
    mitsubishi = {s.year: (s.units, s.column) for s in data.sales if s.member == "Mitsubishi"}
    assert mitsubishi == {2016: (934_013, "2011"), 2017: (1_030_454, "2012"),
                          2018: (1_218_897, "2013")}


def test_by_year_reported_and_like_for_like_growth() -> None:
    rows = rows_by(q.by_year(load_sales()), "year")
    assert rows[(2016,)]["units"] == 9_961_347
    assert rows[(2016,)]["yoy_pct"] == 16.8
    # Mitsubishi left out of 2016: 9,027,334 / 8,528,887 - 1
    assert rows[(2016,)]["lfl_pct"] == 5.84
    # AvtoVAZ's 2016 figure added to Renault's 2016: same perimeter, same growth
    assert rows[(2017,)]["lfl_pct"] == 6.5
    assert rows[(2012,)]["yoy_units"] == 67_975
    assert rows[(2011,)]["yoy_pct"] is None and rows[(2011,)]["lfl_pct"] is None


def test_by_year_notes_name_the_perimeter_changes() -> None:
    notes = " ".join(q.by_year(load_sales()).notes)
    assert "2016: Mitsubishi is reported for the first time" in notes
    assert "AvtoVAZ's 2016 units (284,807)" in notes


def test_like_for_like_for_chosen_members() -> None:
    rows = rows_by(q.by_year(load_sales(), members=["renault"]), "year")
    # Renault alone: 2017 absorbs AvtoVAZ, so like-for-like adds AvtoVAZ 2016 to Renault 2016.
    assert rows[(2017,)]["yoy_pct"] == 18.19
    assert rows[(2017,)]["lfl_pct"] == 8.48  # 3,761,634 / (3,182,625 + 284,807) - 1


def test_summary_cagr_and_peak() -> None:
    report = q.summary(load_sales())
    assert report.rows == [(2011, 2018, 8_029_222, 10_756_875, 4.27, 2018, 10_756_875)]
    only = q.summary(load_sales(), start=2012, end=2014)
    assert only.rows == [(2012, 2014, 8_097_197, 8_470_610, 2.28, 2014, 8_470_610)]


def test_member_names_are_forgiving() -> None:
    data = load_sales()
    assert q.members_named(data, ["NISSAN", "mitsu", "avtovaz", "Groupe Renault"]) == [
        "Nissan", "Mitsubishi", "AvtoVAZ", "Renault"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"year": 1990}, "no sales data for 1990; years available: 2011\u20132018"),
    ({"start": 2018, "end": 2011}, "--from 2018 is after --to 2011"),
    ({"start": 2019}, "no sales data from 2019 on; years available: 2011\u20132018"),
    ({"end": 2010}, "no sales data up to 2010"),
    ({"members": ["nisan"]}, "did you mean 'Nissan'?"),
    ({"year": 2017, "start": 2016}, "--year cannot be combined"),
])
def test_usage_errors_say_what_is_valid(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace("?", r"\?")):
        q.by_member(load_sales(), **kwargs)  # type: ignore[arg-type]


def test_a_member_without_that_year_is_an_empty_result_with_a_reason() -> None:
    report = q.by_member(load_sales(), year=2012, members=["mitsubishi"])
    assert report.rows == []
    assert any("Mitsubishi: no figure for 2012" in n for n in report.notes)


# --- the years after the article, from other sources --------------------------------------------


def test_2019_members_from_other_sources_reconcile_with_the_stated_total() -> None:
    data = loader.load_sales()
    rows = rows_by(q.by_member(data, year=2019), "member")
    # Kyodo's Alliance total for 2019 (10,155,195) equals the members' own figures
    assert {m: r["units"] for (m,), r in rows.items()} == {
        "Renault": 3_753_723, "Nissan": 5_176_189, "Mitsubishi": 1_225_283}
    total = next(t for t in data.totals if t.year == 2019)
    assert total.units == 10_155_195 and total.prov.source != "wikipedia"
    assert total.prov.quote == () and total.prov.locator and total.prov.description
    by_year = rows_by(q.by_year(data, year=2019), "year")[(2019,)]
    assert (by_year["units"], by_year["complete"]) == (10_155_195, True)


def test_a_year_without_every_member_is_marked_partial() -> None:
    data = loader.load_sales()
    assert q.missing(data, 2021) == ["Mitsubishi"] and q.missing(data, 2017) == []
    report = q.by_year(data, start=2020, end=2022)
    assert [r[-1] for r in report.rows] == [True, False, False]
    assert any("Mitsubishi: no source gives its calendar-year figure for 2021" in n
               for n in report.notes)
