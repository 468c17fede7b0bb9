"""Sources beyond the article: records that point instead of quoting, corroboration and its
disagreements, --source, schema versions, and the article alone reproduced exactly."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, Result, clean_env, edit, invoke

GOLDEN = Path(__file__).parent / "golden" / "article-only"
# The answers of the article-only dataset, as they stood before other sources were added
# (written by the code and data of commit 16ce54b): --source wikipedia must give them again.
ARTICLE_ONLY = {
    "sales": ["sales"], "sales-by-year": ["sales", "--by", "year"],
    "sales-summary": ["sales", "--summary"],
    "ev-milestones": ["ev", "milestones", "--include-others"],
    "ev-models": ["ev", "models", "--include-others"],
    "ev-models-by-maker": ["ev", "models", "--by", "maker"], "ev-pace": ["ev", "pace"],
    "stakes-history": ["stakes", "--history"], "stakes-2023": ["stakes", "--as-of", "2023"],
    "stakes-2010": ["stakes", "--as-of", "2010"], "timeline": ["timeline"],
    "plants": ["plants", "--include-others"],
    "plants-by-country": ["plants", "--by", "country", "--include-others"],
}

AGENCY = {"kind": "news_agency", "title": "Renault and Nissan complete their new agreement",
          "publisher": "Example Agency", "url": "https://example.org/renault-nissan",
          "published": "2025-03-31", "language": "en", "licence": None, "licence_url": None,
          "seed": None}


@pytest.fixture
def article(tmp_path: Path) -> Path:
    """The article-only dataset (the version 1 fixture), upgraded to schema_version 2: the
    tests below add other sources to it, whatever the bundled data holds."""
    dest = tmp_path / "data"
    dest.mkdir()
    for f in (FIXTURES / "data-v1-3e000c9").glob("*.json"):
        doc = json.loads(f.read_text("utf-8"))
        doc["schema_version"] = 2
        doc["sources"]["wikipedia"].update(kind="encyclopedia", published=None, language="en")
        (dest / f.name).write_text(json.dumps(doc, ensure_ascii=False, indent=2), "utf-8")
    return dest


def ok(*args: str) -> Result:
    r = invoke(*args)
    assert (r.code, r.err) == (0, ""), (args, r.err)
    return r


def json_rows(*args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ok(*args, "-f", "json").out)
    return rows


def data_error(r: Result, *needles: str) -> None:
    assert r.code == 1 and r.out == "" and len(r.err.splitlines()) == 1, (r.code, r.err)
    for n in needles:
        assert n in r.err, (n, r.err)


def with_agency(doc: Any) -> None:
    doc["sources"]["agency-x"] = dict(AGENCY)


def stake_of(doc: Any, sid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in doc["stakes"] if s["id"] == sid)
    return found


NEW_STAKE = {"id": "renault-nissan-2025-x", "holder": ["Renault"], "target": ["Nissan"],
             "pct": 10, "voting": True, "since": "2025-03-31", "since_note": None,
             "until": None, "until_note": None, "source": "agency-x",
             "locator": "paragraph 2", "description": "The agency reports the holding at 10 %.",
             "qualifier": None, "flags": [], "note": None}


def ended_by_agency(doc: Any) -> None:
    """A later source ends the article's 2023 record and starts a new one."""
    with_agency(doc)
    old = stake_of(doc, "renault-nissan-2023")
    old.update(until="2025-03-31", until_note="Reduced again in 2025.",
               until_source="agency-x")
    doc["stakes"].append(dict(NEW_STAKE))


# --- the article alone, exactly ---------------------------------------------------------------


def _same_values(got: list[dict[str, Any]], want: list[dict[str, Any]], case: str) -> None:
    assert len(got) == len(want), case
    for g, w in zip(got, want, strict=True):
        assert {k: g.get(k, "missing") for k in w} == w, case  # new columns may be added


@pytest.mark.parametrize("case", sorted(ARTICLE_ONLY))
def test_source_wikipedia_reproduces_the_article_only_answers(case: str) -> None:
    args = ARTICLE_ONLY[case]
    want = json.loads((GOLDEN / f"{case}.json").read_text("utf-8"))
    _same_values(json_rows(*args, "--source", "wikipedia"), want, case)
    got_csv = list(csv.DictReader(io.StringIO(ok(*args, "--source", "wikipedia", "-f",
                                                 "csv").out)))
    want_csv = list(csv.DictReader(io.StringIO((GOLDEN / f"{case}.csv").read_text("utf-8"))))
    _same_values(got_csv, want_csv, case)


def test_every_earlier_schema_version_still_loads() -> None:
    """The dataset as schema_version 1 wrote it (commit 3e000c9), through every command."""
    v1 = FIXTURES / "data-v1-3e000c9"
    assert json.loads((v1 / "sales.json").read_text("utf-8"))["schema_version"] == 1
    for args in [*ARTICLE_ONLY.values(), ["about"], ["sources"], ["sql", "SELECT 1 AS x"]]:
        ok("--data", str(v1), *args)
    r = invoke("--data", str(v1), "check", "-f", "csv")
    assert r.code == 0, r.err
    assert not [row for row in csv.DictReader(io.StringIO(r.out)) if row["status"] == "fail"]
    sales = json_rows("--data", str(v1), "sales")
    assert [(r["year"], r["member"], r["units"]) for r in sales] == [
        (r["year"], r["member"], r["units"])
        for r in json.loads((GOLDEN / "sales.json").read_text("utf-8"))]


def test_a_version_1_file_may_not_use_what_version_2_adds(article: Path) -> None:
    def old(doc: Any) -> None:
        doc["schema_version"] = 1
        for s in doc["sources"].values():
            for key in ("kind", "published", "language"):
                s.pop(key, None)
        stake_of(doc, "renault-nissan-1999")["unconfirmed"] = "Nothing found."
        doc["sources"] = {"wikipedia": doc["sources"]["wikipedia"]}
        doc["stakes"] = [s for s in doc["stakes"] if s["source"] == "wikipedia"]
        for s in doc["stakes"]:
            for key in ("corroboration", "evidence", "until_source"):
                s.pop(key, None)
            if s["id"] != "renault-nissan-1999":
                s.pop("unconfirmed", None)
    edit(article, "stakes", old)
    data_error(invoke("--data", str(article), "stakes"), "unconfirmed",
               "new in schema_version 2")


# --- a source that is pointed to, never quoted ----------------------------------------------


def test_a_record_from_another_source_points_and_never_quotes(article: Path) -> None:
    edit(article, "stakes", ended_by_agency)
    rows = json_rows("--data", str(article), "stakes", "--history", "--holder", "Renault",
                     "--target", "Nissan", "--cite")
    new = rows[-1]
    assert (new["id"], new["pct"], new["since"], new["source"], new["quote"]) == (
        "renault-nissan-2025-x", 10, "2025-03-31", "agency-x", None)
    assert (new["locator"], new["description"]) == (
        "paragraph 2", "The agency reports the holding at 10 %.")
    assert rows[-2]["id"] == "renault-nissan-2023" and rows[-2]["until"] == "2025-03-31"

    def quoted(doc: Any) -> None:
        next(s for s in doc["stakes"] if s["id"] == "renault-nissan-2025-x")["quote"] = [
            "Copied words."]
    edit(article, "stakes", quoted)
    data_error(invoke("--data", str(article), "stakes"), "renault-nissan-2025-x",
               "no licence that allows copying")


@pytest.mark.parametrize("field", ["locator", "description"])
def test_a_pointed_record_needs_a_locator_and_a_description(article: Path,
                                                            field: str) -> None:
    def change(doc: Any) -> None:
        ended_by_agency(doc)
        del stake_of(doc, "renault-nissan-2025-x")[field]
    edit(article, "stakes", change)
    data_error(invoke("--data", str(article), "stakes"), field, "missing")


@pytest.mark.parametrize("source,needle", [
    ({**AGENCY, "language": "English"}, "language tag"),
    ({**AGENCY, "kind": "tweet"}, "'tweet' is not one of"),
    ({**AGENCY, "licence": "CC BY 4.0"}, "licence and licence_url go together"),
])
def test_a_source_is_described_in_full(article: Path, source: dict[str, Any],
                                       needle: str) -> None:
    edit(article, "stakes", lambda d: d["sources"].update({"agency-x": source}))
    data_error(invoke("--data", str(article), "stakes"), "sources.agency-x", needle)


# --- corroboration -----------------------------------------------------------------------------

DISAGREES = {"source": "agency-x", "field": "pct", "value": 40, "agrees": False,
             "locator": "table 1", "description": "The agency gives a larger stake."}


def test_a_disagreement_needs_evidence(article: Path) -> None:
    def change(doc: Any) -> None:
        with_agency(doc)
        stake_of(doc, "renault-nissan-1999").update(corroboration=[dict(DISAGREES)],
                                                    evidence=None)
    edit(article, "stakes", change)
    data_error(invoke("--data", str(article), "stakes"), "renault-nissan-1999", "evidence",
               "weight of evidence")


@pytest.mark.parametrize("item,needle", [
    ({**DISAGREES, "source": "wikipedia"}, "the record's own source"),
    ({**DISAGREES, "source": "nobody"}, "'nobody' is not in the file's sources"),
    ({**DISAGREES, "value": "40; or 41"}, "contains ';'"),
    ({**DISAGREES, "value": None}, "expected text or a number"),
])
def test_a_corroboration_names_another_known_source(article: Path, item: dict[str, Any],
                                                    needle: str) -> None:
    def change(doc: Any) -> None:
        with_agency(doc)
        stake_of(doc, "renault-nissan-1999").update(corroboration=[item], evidence="Weighed.")
    edit(article, "stakes", change)
    data_error(invoke("--data", str(article), "stakes"), "corroboration[0]", needle)


@pytest.fixture
def disputed(article: Path) -> Path:
    """The article's 36.8 % of 1999, contradicted by one source and confirmed by another."""
    def change(doc: Any) -> None:
        with_agency(doc)
        doc["sources"]["agency-y"] = {**AGENCY, "publisher": "Other Agency",
                                      "url": "https://example.org/other"}
        stake_of(doc, "renault-nissan-1999").update(
            corroboration=[dict(DISAGREES), {**DISAGREES, "source": "agency-y", "value": 36.8,
                                             "agrees": True, "description": "The same."}],
            evidence="The article and one agency against one: 36.8 % stands.")
    edit(article, "stakes", change)
    return article


def test_check_lists_every_disagreement_with_both_values(disputed: Path) -> None:
    r = invoke("--data", str(disputed), "check", "-f", "csv")
    assert r.code == 0, r.err  # a disagreement is a warning, not a failure
    rows = [row for row in csv.DictReader(io.StringIO(r.out)) if row["check"] == "sources agree"]
    summary, *problems = rows
    assert (summary["status"], summary["count"]) == ("warn", "1")
    assert [(p["status"], p["record"], p["field"], p["value"]) for p in problems] == [
        ("warn", "stake renault-nissan-1999", "pct", "40")]
    assert problems[0]["detail"] == "wikipedia: 36.8; agency-x: 40 (table 1)"


def test_cite_names_every_source_behind_a_row(disputed: Path) -> None:
    row = json_rows("--data", str(disputed), "stakes", "--history", "--cite")[0]
    assert row["id"] == "renault-nissan-1999" and row["source"] == "wikipedia"
    assert row["corroboration"] == ["agency-x: pct 40 (disagrees)",
                                    "agency-y: pct 36.8 (agrees)"]
    assert row["evidence"] == "The article and one agency against one: 36.8 % stands."
    assert "36.8%" in row["quote"]


def test_sources_shows_what_each_supports_and_contradicts(disputed: Path) -> None:
    rows = {r["id"]: r for r in json_rows("--data", str(disputed), "sources")}
    assert list(rows)[0] == "wikipedia"
    x, y = rows["agency-x"], rows["agency-y"]
    assert (x["records"], x["supports"], x["contradicts"]) == (0, 0, 1)
    assert x["contradicts_records"] == ["stake renault-nissan-1999 (pct)"]
    assert (y["supports"], y["contradicts"], y["supports_records"]) == (
        1, 0, ["stake renault-nissan-1999 (pct)"])
    assert (x["kind"], x["language"], x["published"]) == ("news_agency", "en", "2025-03-31")


def test_one_source_id_describes_one_source_in_every_file(article: Path) -> None:
    edit(article, "stakes", with_agency)
    edit(article, "timeline", lambda d: d["sources"].update(
        {"agency-x": {**AGENCY, "title": "Another page"}}))
    r = invoke("--data", str(article), "check", "-f", "csv")
    assert r.code == 1
    bad = [row for row in csv.DictReader(io.StringIO(r.out))
           if row["check"] == "sources described once" and row["record"]]
    assert [(b["record"], b["field"]) for b in bad] == [("sources.agency-x", "title")]


# --- --source ----------------------------------------------------------------------------------


def test_source_keeps_only_the_records_of_the_sources_chosen(article: Path) -> None:
    edit(article, "stakes", ended_by_agency)
    d = ("--data", str(article))
    agency = json_rows(*d, "stakes", "--history", "--source", "agency-x")
    assert [r["id"] for r in agency] == ["renault-nissan-2025-x"]
    alone = json_rows(*d, "stakes", "--history", "--source", "wikipedia")
    assert "renault-nissan-2025-x" not in {r["id"] for r in alone}
    # the end date the agency gives the article's record goes with the agency
    assert next(r for r in alone if r["id"] == "renault-nissan-2023")["until"] is None
    both = json_rows(*d, "stakes", "--history", "--source", "wikipedia", "--source", "agency-x")
    assert both == json_rows(*d, "stakes", "--history")
    assert json_rows(*d, "sql", "SELECT COUNT(*) AS n FROM stakes", "--source", "agency-x") == [
        {"n": 1}]


def test_source_strips_the_corroboration_of_sources_not_chosen(disputed: Path) -> None:
    row = json_rows("--data", str(disputed), "stakes", "--history", "--cite", "--source",
                    "wikipedia", "--source", "agency-y")[0]
    assert row["corroboration"] == ["agency-y: pct 36.8 (agrees)"]


def test_an_unknown_source_is_a_usage_error() -> None:
    r = invoke("sales", "--source", "nobody")
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1 and len(r.err) < 200, r.err  # one line, not 400 ids
    assert "--source: no source 'nobody' in the dataset" in r.err
    assert "alliance sources lists the" in r.err
    near = invoke("sales", "--source", "wikipdia")
    assert near.code == 2 and "did you mean 'wikipedia'?" in near.err, near.err


def test_the_api_takes_the_same_sources(article: Path) -> None:
    from alliancecli import api
    from alliancecli.errors import QueryError

    edit(article, "stakes", ended_by_agency)
    d = str(article)
    for sources in (["agency-x"], "agency-x", ["wikipedia"], ["wikipedia", "agency-x"]):
        chosen = [sources] if isinstance(sources, str) else sources
        args = [a for s in chosen for a in ("--source", s)]
        assert api.stakes(history=True, data_dir=d, sources=sources) == json_rows(
            "--data", d, "stakes", "--history", *args)
    assert [r["id"] for r in api.stakes(history=True, data_dir=d, sources="agency-x")] == [
        "renault-nissan-2025-x"]
    assert api.sql("SELECT COUNT(*) AS n FROM stakes", d, sources=["agency-x"]) == [{"n": 1}]
    # the bundled data, the article alone: what --source wikipedia prints
    assert api.sales(by="year", sources=["wikipedia"]) == json_rows(
        "sales", "--by", "year", "--source", "wikipedia")
    with pytest.raises(QueryError, match="no source 'nobody'"):
        api.timeline(sources=["nobody"])


# --- stakes today -------------------------------------------------------------------------------


def test_stakes_without_as_of_means_today() -> None:
    today = datetime.date.today().isoformat()
    assert json_rows("stakes") == json_rows("stakes", "--as-of", today)
    table = ok("stakes").out
    assert "Alliance stakes in force today" in table


def test_a_later_source_ends_a_stake_the_article_leaves_in_force(article: Path) -> None:
    edit(article, "stakes", ended_by_agency)
    now = json_rows("--data", str(article), "stakes", "--holder", "Renault", "--target",
                    "Nissan")
    assert [(r["id"], r["pct"]) for r in now] == [("renault-nissan-2025-x", 10)]
    assert invoke("--data", str(article), "check", env=clean_env()).code == 0
