"""Tables for people, in-process: views, footnotes, totals, the record layout and chart notes.

What a terminal shows at each width is in test_screen.py; these check the rules themselves on
the table as a pipe gets it (unlimited width, no colour).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from alliancecli import layout
from conftest import invoke, timeline_copy


def table(*args: str) -> str:
    r = invoke(*args)
    assert r.code == 0, r.err
    return r.out


def header(text: str) -> list[str]:
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if line and set(line) == {"─"})
    return lines[rule - 1].split()


def test_the_default_view_leaves_out_prose_and_names_it() -> None:
    text = table("plants")
    assert header(text) == ["name", "country", "opened", "capacity", "capacity_unit",
                            "capacity_qualifier", "note"]
    assert ("Not shown: id, city, region, operator, in_alliance, initial_capacity, products, "
            "investment, currency, investment_qualifier, investment_equivalents, facility_type "
            "(--wide shows every column; -c chooses).") in text


def test_wide_shows_every_column_and_columns_picks() -> None:
    rows = json.loads(invoke("plants", "-f", "json").out)
    assert header(table("plants", "--wide")) == list(rows[0])
    picked = table("plants", "-c", "country,investment,currency")
    assert header(picked) == ["country", "investment", "currency"]
    assert "Not shown" not in picked and "2,600,000,000" in picked


def test_a_column_empty_in_every_row_is_named_not_shown() -> None:
    text = table("stakes", "--source", "wikipedia")
    assert "qualifier" not in header(text)
    assert "Empty in every row, so not shown: until, qualifier." in text


def test_row_notes_are_numbered_footnotes_and_identical_notes_share_a_number() -> None:
    text = table("stakes", "--as-of", "2010")
    rows = json.loads(invoke("stakes", "--as-of", "2010", "-f", "json").out)
    notes = list(dict.fromkeys(r["note"] for r in rows if r["note"]))
    for n, note in enumerate(notes, 1):
        assert f"[{n}] {note}" in text
    # Renault and Nissan each hold 50 % of RNBV with one note: one footnote, two markers.
    rnbv = [line for line in text.splitlines() if "Renault–Nissan BV" in line
            and line.rstrip().endswith("]")]
    assert len(rnbv) == 2 and rnbv[0].split()[-1] == rnbv[1].split()[-1]
    assert len(re.findall(r"^\[\d+\] ", text, re.M)) == len(notes)


def test_cite_quotes_are_footnotes_too() -> None:
    text = table("sales", "--year", "2017", "--cite")
    assert header(text)[-4:] == ["source", "quote", "corroboration", "evidence"]
    assert "Empty in every row, so not shown: qualifier, locator, description" in text
    assert re.search(r"^\[1\] \| Year \| 2011 \|", text, re.M)


def test_footer_totals_the_rows_on_screen() -> None:
    text = table("sales", "--year", "2017")
    rows = json.loads(invoke("sales", "--year", "2017", "-f", "json").out)
    total = sum(r["units"] for r in rows)
    assert re.search(rf"^Total\s+{total:,}\s+100\.00 %\s+\+647,019\s+\+6\.50 %$", text, re.M)


def test_a_limit_that_cuts_rows_drops_the_total_and_says_why() -> None:
    text = table("sales", "--year", "2017", "--limit", "1")
    assert "Total" not in text.split("Source:")[0]
    assert "note: No total row: --limit shows 1 of the 3 rows it would total." in text
    assert "note: No total row" not in table("sales", "--year", "2017", "--limit", "1", "-q")


def test_footer_follows_the_columns_chosen() -> None:
    text = table("sales", "--year", "2017", "-c", "year,units,yoy_pct")
    assert re.search(r"^Total\s+10,608,366\s+\+6\.50 %$", text, re.M)
    assert "Total" not in table("sales", "--year", "2017", "-c", "units,year")  # no label column


def test_expanded_gives_one_block_per_row_even_on_a_pipe() -> None:
    text = table("sales", "--year", "2017", "-x")
    blocks = re.findall(r"^── (\d+ of 3|Total) ──$", text, re.M)
    assert blocks == ["1 of 3", "2 of 3", "3 of 3", "Total"]
    assert re.search(r"^units      10,608,366$", text, re.M)


def test_presentation_options_do_not_change_machine_formats() -> None:
    for fmt in ("csv", "tsv", "json", "jsonl"):
        plain = invoke("plants", "-f", fmt).raw
        for extra in (["--wide"], ["-x"], ["--no-pager"], ["--no-color"]):
            assert invoke("plants", "-f", fmt, *extra).raw == plain, (fmt, extra)


def test_chart_names_what_it_leaves_out() -> None:
    text = table("plants", "--by", "country", "--chart")
    drawn = [line.split()[0] for line in text.splitlines() if "█" in line]
    rows = json.loads(invoke("plants", "--by", "country", "-f", "json").out)
    undrawn = [r["country"] for r in rows if r["vehicle_capacity"] is None]
    assert len(drawn) + len(undrawn) == len(rows) and undrawn
    assert f"Not drawn: {', '.join(undrawn)}: no vehicle plant there has a stated capacity." \
        in text


# --- the layout itself --------------------------------------------------------------------


def test_wrap_breaks_at_spaces_and_only_cuts_a_word_wider_than_the_column() -> None:
    assert layout.wrap("the quick brown fox", 10) == ["the quick", "brown fox"]
    # a word wider than the column breaks after its dashes, and inside a piece only if that
    # piece alone is wider than the column
    assert layout.wrap("Renault–Nissan–Mitsubishi Alliance", 10) == [
        "Renault–", "Nissan–", "Mitsubishi", "Alliance"]
    assert layout.wrap("Renault–Nissan–Mitsubishi", 16) == ["Renault–Nissan–", "Mitsubishi"]
    assert layout.wrap("Aguascalientes", 10) == ["Aguascalie", "ntes"]
    assert layout.wrap("short", None) == ["short"]


def test_width_counts_wide_characters_twice() -> None:
    assert layout.width("日産") == 4 and layout.width("São") == 3 and layout.width("e\u0301") == 1


def test_numbers_keep_their_width_and_text_gives_way() -> None:
    cols = [layout.Col("name", False, False), layout.Col("units", True, True)]
    cells = [[layout.Cell("a rather long name of a plant"), layout.Cell("10,756,875")]]
    lines = list(layout.table("", cols, cells, 1, None, 30, layout.Paint(False), "-"))
    assert all(len(line) <= 30 for line in lines)
    assert any("10,756,875" in line for line in lines)
    assert lines[2] == "a rather long name  10,756,875"


def test_columns_that_cannot_fit_become_records() -> None:
    cols = [layout.Col(f"column_{i}", True, True) for i in range(6)]
    cells = [[layout.Cell("1,000,000") for _ in cols]]
    lines = list(layout.table("T", cols, cells, 1, None, 40, layout.Paint(False), "-"))
    assert lines[2].startswith("-- 1 of 1 --") and "column_5  1,000,000" in lines


def test_headers_break_after_an_underscore_when_space_is_short() -> None:
    cols = [layout.Col("units_per_month", True, True), layout.Col("from_date", False, True)]
    cells = [[layout.Cell("6,667"), layout.Cell("2013-07")]]
    lines = list(layout.table("", cols, cells, 1, None, 19, layout.Paint(False), "-"))
    assert lines[:2] == ["units_per_  from_", "     month  date"]
    assert lines[3] == "     6,667  2013-07"


def test_a_sampled_table_never_cuts_a_later_wider_value() -> None:
    cols = [layout.Col("units", True, True), layout.Col("name", False, False)]
    rows = [[layout.Cell("1"), layout.Cell("a")], [layout.Cell("10,756,875"), layout.Cell("b")]]
    lines = list(layout.table("", cols, rows, 2, None, 40, layout.Paint(False), "-", sample=1))
    assert lines == ["units  name", "-----------", "    1  a", "10,756,875  b"]


def test_a_large_table_starts_from_a_sample_and_says_so(tmp_path: Path) -> None:
    data = timeline_copy(tmp_path / "data", 6_000)
    r = invoke("--data", str(data), "timeline")
    assert r.code == 0, r.err
    assert ("note: A large table (6,000 rows): its column widths come from the first 1,000, so "
            "a later, wider value may push its row out of line; every value is still whole "
            "(-f csv for a file).") in r.out
    events = len(json.loads((data / "timeline.json").read_text("utf-8"))["events"])
    bundled = len(json.loads(invoke("timeline", "-f", "json").out))
    assert events == 6_000
    assert r.out.count("Renault sold American Motors to Chrysler") == -(-6_000 // bundled)
