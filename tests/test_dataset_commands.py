"""The dataset commands: sql, export, check, init-data, sources and about, and the Python API.

Most tests run ``alliance`` in-process through ``conftest.invoke`` (as a pipe sees it); a few run
the installed console script through ``conftest.run``. Expected figures are read off the source
article (shared/seeds/000_d899d992310475ac.txt) by hand.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from alliancecli import api, loader
from alliancecli.loader import load_ev, load_plants, load_sales, load_stakes, load_timeline
from conftest import ARTICLE, SEEDS, Result, clean_env, edit, invoke, run

AREAS = ("sales", "ev", "stakes", "timeline", "plants")
SEED = "000_d899d992310475ac.txt"
# Each table of `alliance sql` and the command whose csv it mirrors (database.TABLES).
TABLE_COMMANDS: dict[str, tuple[str, ...]] = {
    "sales": ("sales",),
    "sales_by_year": ("sales", "--by", "year"),
    "ev_milestones": ("ev", "milestones", "--include-others"),
    "ev_models": ("ev", "models", "--include-others"),
    "stakes": ("stakes", "--history"),
    "timeline": ("timeline",),
    "plants": ("plants", "--include-others"),
}
# Nissan in the article's sales table, 2011-2018:
# 4,669,981 + 4,940,133 + 5,102,979 + 5,310,064 + 5,421,804 + 5,559,902 + 5,816,278 + 5,653,683
NISSAN_2011_2018 = 42_474_824
READ_ONLY = "alliance: error: SQL: alliance sql is read-only: only SELECT statements are allowed"


def one_line_error(r: Result, code: int, *needles: str) -> str:
    """Exit ``code``, nothing on stdout, exactly one line on stderr; return that line."""
    assert "Traceback" not in r.err, r.err[-1500:]
    assert r.code == code, (r.code, r.err)
    assert r.out == "", r.out[:300]
    lines = r.err.splitlines()
    assert len(lines) == 1 and r.err.endswith("\n"), r.err
    assert lines[0].startswith("alliance: error: "), r.err
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def ok(*args: str) -> Result:
    r = invoke(*args)
    assert r.code == 0, (args, r.code, r.err)
    return r


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def json_rows(*args: str) -> list[dict[str, Any]]:
    rows = json.loads(ok(*args, "-f", "json").out)
    assert isinstance(rows, list)
    return rows


def schema() -> dict[str, list[tuple[str, str]]]:
    """``alliance sql --schema``: table -> [(column, SQL type)], in order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(ok("sql", "--schema", "-f", "csv").out)):
        if row["type"] != "FTS5":
            out.setdefault(row["table"], []).append((row["column"], row["type"]))
    return out


def record(doc: Any, key: str, id_: str) -> dict[str, Any]:
    found = [r for r in doc[key] if r["id"] == id_]
    assert len(found) == 1, id_
    item: dict[str, Any] = found[0]
    return item


# --- alliance sql ----------------------------------------------------------------------------


def test_sql_sum_of_nissan_units_csv() -> None:
    r = ok("sql", "SELECT SUM(units) AS units FROM sales "
                  "WHERE member = 'Nissan' AND year BETWEEN 2011 AND 2018", "-f", "csv")
    assert r.out == f'"units"\n{NISSAN_2011_2018}\n'


def test_sql_sum_of_nissan_units_json() -> None:
    rows = json_rows("sql", "SELECT member, SUM(units) AS units, COUNT(*) AS years FROM sales "
                            "WHERE member = 'Nissan' GROUP BY member", "--source", "wikipedia")
    assert rows == [{"member": "Nissan", "units": NISSAN_2011_2018, "years": 8}]


def test_sql_2017_members_in_order() -> None:
    rows = json_rows("sql", "SELECT member, units FROM sales WHERE year = 2017 "
                            "ORDER BY units DESC")
    # "| Renault | ... | 3,761,634 |", "| Nissan | ... | 5,816,278 |" and Mitsubishi's
    # 1,030,454, printed under 2012 but belonging to 2017
    assert rows == [{"member": "Nissan", "units": 5_816_278},
                    {"member": "Renault", "units": 3_761_634},
                    {"member": "Mitsubishi", "units": 1_030_454}]


def test_sql_renault_stakes_in_nissan() -> None:
    r = ok("sql", "SELECT pct, voting, since, until FROM stakes "
                  "WHERE holder = 'Renault' AND target = 'Nissan' ORDER BY since", "-f", "csv",
           "--source", "wikipedia")
    # 36.8% in 1999 (voting not stated), 43.4% voting from 2001, 15% voting from 2023: the
    # 15 stays an integer and voting a boolean, as the command prints them
    assert csv_rows(r.out) == [["pct", "voting", "since", "until"],
                               ["36.8", "", "1999-03-27", "2001"],
                               ["43.4", "true", "2001", "2023"],
                               ["15", "true", "2023", ""]]
    assert json_rows("sql", "SELECT pct, voting FROM stakes WHERE holder = 'Renault' AND "
                     "target = 'Nissan' AND since = '2023'") == [{"pct": 15, "voting": True}]
    assert json_rows("stakes", "--holder", "Renault", "--target", "Nissan", "-c",
                     "pct,voting", "--as-of", "2023") == [{"pct": 15, "voting": True}]


def test_sql_through_the_installed_command(cli: type[Result]) -> None:
    r = run("sql", "SELECT year, units FROM sales_by_year WHERE year IN (2011, 2018) "
                   "ORDER BY year", "-f", "csv")
    assert (r.code, r.err) == (0, "")
    # Total row: 8,029,222 in 2011 and 10,756,875 in 2018
    assert r.out == '"year","units"\n2011,8029222\n2018,10756875\n'


@pytest.mark.parametrize("statement", [
    "DELETE FROM sales",
    "INSERT INTO sales (year, member, units) VALUES (2019, 'Nissan', 1)",
    "UPDATE sales SET units = 0",
    "DROP TABLE sales",
    "CREATE TABLE t (x)",
    "CREATE TEMP TABLE t (x)",
    "PRAGMA writable_schema=1",
    "PRAGMA writable_schema = ON",
    "WITH a AS (SELECT 1) DELETE FROM sales",
    "SELECT load_extension('/tmp/x')",
])
def test_sql_writes_are_refused(statement: str) -> None:
    line = one_line_error(invoke("sql", statement), 2)
    assert line == READ_ONLY


def test_sql_attach_is_refused_and_creates_no_file(tmp_path: Path) -> None:
    target = tmp_path / "x"
    line = one_line_error(invoke("sql", f"ATTACH DATABASE '{target}' AS y"), 2)
    assert line == READ_ONLY
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_sql_attach_tmp_x_through_the_installed_command(cli: type[Result]) -> None:
    target = Path("/tmp/x")
    existed = target.exists()
    line = one_line_error(run("sql", "ATTACH DATABASE '/tmp/x' AS y"), 2)
    assert line == READ_ONLY
    assert existed or not target.exists()


@pytest.mark.parametrize("statement", ["VACUUM", "VACUUM INTO '{dir}/copy.db'"])
def test_sql_vacuum_says_read_only(statement: str, tmp_path: Path) -> None:
    line = one_line_error(invoke("sql", statement.format(dir=tmp_path)), 2)
    assert line == READ_ONLY


def test_sql_vacuum_into_creates_no_file(tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    one_line_error(invoke("sql", f"VACUUM INTO '{target}'"), 2)
    assert not target.exists()


def test_sql_reindex_is_refused() -> None:
    assert one_line_error(invoke("sql", "REINDEX"), 2) == READ_ONLY


@pytest.mark.parametrize(("statement", "needle"), [
    ("SELEC 1", 'near "SELEC": syntax error'),
    ("SELECT FROM sales", "syntax error"),
    ("SELECT * FROM nope", "no such table: nope (tables: sales, sales_by_year, ev_milestones, "
                           "ev_models, stakes, timeline, plants; see alliance sql --schema)"),
    ("SELECT nope FROM sales", "no such column: nope"),
    ("SELECT 1 AS a, 2 AS a", "distinct names"),
])
def test_sql_bad_sql_is_one_line_exit_2(statement: str, needle: str) -> None:
    one_line_error(invoke("sql", statement), 2, "SQL: ", needle)


@pytest.mark.parametrize("statement", [
    "SELECT 1; SELECT 2",
    "SELECT * FROM sales; DELETE FROM sales",
    "SELECT ';'; SELECT 2",
])
def test_sql_two_statements_are_refused(statement: str) -> None:
    one_line_error(invoke("sql", statement), 2, "one statement at a time")


@pytest.mark.parametrize("statement", ["", "   "])
def test_sql_without_a_statement(statement: str) -> None:
    one_line_error(invoke("sql", statement), 2, "give a SELECT statement, or --schema")


def test_sql_schema_lists_every_table() -> None:
    assert list(schema()) == [*TABLE_COMMANDS, "provenance", "corroboration", "sources"]


@pytest.mark.parametrize("table", list(TABLE_COMMANDS))
def test_sql_schema_columns_are_the_command_csv_header(table: str) -> None:
    header = csv_rows(ok(*TABLE_COMMANDS[table], "-f", "csv").out)[0]
    assert [c for c, _ in schema()[table]] == [*header, "provenance_id"]


def test_sql_schema_types() -> None:
    tables = schema()
    assert tables["sales"] == [("year", "INTEGER"), ("member", "TEXT"), ("units", "INTEGER"),
                               ("share_pct", "REAL"), ("yoy_units", "INTEGER"),
                               ("yoy_pct", "REAL"), ("qualifier", "TEXT"),
                               ("provenance_id", "INTEGER")]
    assert dict(tables["stakes"])["voting"] == "INTEGER"  # 1/0, given back as true/false
    assert dict(tables["stakes"])["pct"] == "NUMERIC"  # 15 stays 15, 43.4 stays 43.4
    assert dict(tables["timeline"])["tags"] == "TEXT"  # a JSON array


@pytest.mark.parametrize("table", list(TABLE_COMMANDS))
def test_sql_table_has_the_command_rows(table: str) -> None:
    rows = json_rows("sql", f"SELECT COUNT(*) AS n FROM {table}")
    assert rows == [{"n": len(csv_rows(ok(*TABLE_COMMANDS[table], "-f", "csv").out)) - 1}]


# --- alliance export -------------------------------------------------------------------------


def sqlite_text(v: object) -> str:
    """An SQLite cell as the csv output writes it."""
    return "" if v is None else str(v)


def test_export_sqlite_matches_schema_and_sales_csv(tmp_path: Path) -> None:
    db = tmp_path / "alliance.db"
    r = ok("export", "--sqlite", str(db))
    assert r.out == ""
    assert r.err == f"wrote 10 tables to {db}\n"
    with sqlite3.connect(db) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%\\_fts%' "
            "ESCAPE '\\' ORDER BY rowid")]
        assert tables == list(schema())
        for table, columns in schema().items():
            info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            assert [(c[1], c[2]) for c in info] == columns, table
        sales = [[sqlite_text(v) for v in row]
                 for row in conn.execute("SELECT * FROM sales ORDER BY rowid")]
        sales = [row[:-1] for row in sales]  # all but provenance_id
        nissan = conn.execute("SELECT SUM(units) FROM sales WHERE member = 'Nissan' "
                              "AND year <= 2018").fetchone()
    conn.close()
    assert sales == csv_rows(ok("sales", "-f", "csv").out)[1:]
    assert len(sales) == len(load_sales().sales) > 25  # the article's 25, and later years
    assert nissan == (NISSAN_2011_2018,)


def test_export_sqlite_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    db = tmp_path / "alliance.db"
    ok("export", "--sqlite", str(db))
    before = db.read_bytes()
    one_line_error(invoke("export", "--sqlite", str(db)), 1, str(db), "already exists",
                   "--force")
    assert db.read_bytes() == before
    r = ok("export", "--sqlite", str(db), "--force")
    assert r.err == f"wrote 10 tables to {db}\n"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sales").fetchone() == (
            len(load_sales().sales),)
    conn.close()


def test_export_sqlite_through_the_installed_command(tmp_path: Path, cli: type[Result]) -> None:
    db = tmp_path / "a.db"
    r = run("export", "--sqlite", str(db))
    assert (r.code, r.out) == (0, "")
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT units FROM sales_by_year WHERE year = 2017").fetchone()
    conn.close()
    assert row == (10_608_366,)  # "with 10,608,366 units sold"
    again = run("export", "--sqlite", str(db))
    assert again.code == 1 and "--force" in again.err and len(again.err.splitlines()) == 1


def test_export_dir_csv_writes_ten_readable_files(tmp_path: Path) -> None:
    out = tmp_path / "tables"
    r = ok("export", "--dir", str(out), "-f", "csv")
    assert r.err == f"wrote 10 tables to {out}\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{t}.csv" for t in [*TABLE_COMMANDS, "provenance", "corroboration", "sources"])
    tables = schema()
    for table, cmd in TABLE_COMMANDS.items():
        with (out / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == [c for c, _ in tables[table]], table
        assert [r[:-1] for r in rows] == csv_rows(ok(*cmd, "-f", "csv").out), table
        assert all(len(r) == len(rows[0]) for r in rows), table
    with (out / "provenance.csv").open(encoding="utf-8", newline="") as fh:
        prov = {r["id"]: r for r in csv.DictReader(fh)}
    with (out / "sales.csv").open(encoding="utf-8", newline="") as fh:
        nissan_2017 = next(r for r in csv.DictReader(fh)
                           if (r["year"], r["member"]) == ("2017", "Nissan"))
    assert "5,816,278" in prov[nissan_2017["provenance_id"]]["quote"]


def test_export_dir_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "tables"
    ok("export", "--dir", str(out), "-f", "csv")
    one_line_error(invoke("export", "--dir", str(out), "-f", "csv"), 1, "already exists",
                   "--force")
    ok("export", "--dir", str(out), "-f", "csv", "--force")


@pytest.mark.parametrize("fmt", ["table", "markdown", "github"])
def test_export_dir_needs_a_machine_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "tables"
    one_line_error(invoke("export", "--dir", str(out), "-f", fmt), 2,
                   "export --dir writes csv, tsv, json or jsonl")
    assert not out.exists()


@pytest.mark.parametrize("args", [(), ("--sqlite", "a.db", "--dir", "d")])
def test_export_needs_exactly_one_target(tmp_path: Path, args: tuple[str, ...]) -> None:
    full = [str(tmp_path / a) if a in ("a.db", "d") else a for a in args]
    one_line_error(invoke("export", *full), 2,
                   "give one of --sqlite FILE, --datapackage DIR or --dir DIR")
    assert list(tmp_path.iterdir()) == []


# --- alliance check --------------------------------------------------------------------------


def check_rows(r: Result) -> dict[str, dict[str, str]]:
    """Each check's summary row (the rows that name no file or record), by check name."""
    return {row["check"]: row for row in csv.DictReader(io.StringIO(r.out))
            if not row["file"] and not row["record"]}


def problem_rows(r: Result, check: str) -> list[dict[str, str]]:
    return [row for row in csv.DictReader(io.StringIO(r.out))
            if row["check"] == check and (row["file"] or row["record"])]


def test_check_bundled_passes_and_lists_warnings() -> None:
    r = invoke("check", "-f", "csv")
    assert (r.code, r.err) == (0, "")
    rows = check_rows(r)
    assert {row["status"] for row in rows.values()} == {"pass", "warn", "skip"}
    warn = rows["stakes: flagged conflict"]
    assert warn["status"] == "warn"
    assert "43.4" in warn["detail"] and "43.3" in warn["detail"]
    assert rows["ev: flagged conflict"]["status"] == "warn"  # 500,000: Oct or Dec 2017
    assert rows["quotes occur in their source"]["status"] == "skip"


def test_check_table_output_lists_warn_rows() -> None:
    r = ok("check")
    assert "stakes: flagged conflict" in r.out
    assert "warn" in r.out


def overlap(doc: Any) -> None:
    # the 36.8% stake now runs to 2005, over the 43.4% stake from 2001
    record(doc, "stakes", "renault-nissan-1999")["until"] = "2005"


FAILURE = ("alliance: check failed: stakes consistent over time: {data}/stakes.json: stakes "
           "(renault-nissan-1999): field 'until': Renault in Nissan: renault-nissan-1999 is "
           "still in force when renault-nissan-2001 begins (2001)")


def test_check_overlapping_stakes_fail(data_copy: Path) -> None:
    edit(data_copy, "stakes", overlap)
    r = invoke("--data", str(data_copy), "check", "-f", "csv")
    assert r.code == 1
    assert r.err == FAILURE.format(data=data_copy) + "\n"
    rows = check_rows(r)
    assert rows["stakes consistent over time"]["status"] == "fail"
    assert [k for k, v in rows.items() if v["status"] == "fail"] == [
        "stakes consistent over time"]
    [problem] = problem_rows(r, "stakes consistent over time")
    assert (problem["file"], problem["record"], problem["field"], problem["value"]) == (
        f"{data_copy}/stakes.json", "stakes (renault-nissan-1999)", "until", "2005")


def test_check_overlapping_stakes_fail_through_the_installed_command(
        data_copy: Path, cli: type[Result]) -> None:
    edit(data_copy, "stakes", overlap)
    r = run("--data", str(data_copy), "check")
    assert r.code == 1
    assert r.err.splitlines() == [FAILURE.format(data=data_copy)]


def test_check_a_stake_still_open_when_the_next_begins_fails(data_copy: Path) -> None:
    def reopen(doc: Any) -> None:
        record(doc, "stakes", "nissan-renault-2001")["until"] = None

    edit(data_copy, "stakes", reopen)
    r = invoke("--data", str(data_copy), "check", "-f", "csv")
    assert r.code == 1
    assert ("Nissan in Renault: nissan-renault-2001 is still in force when nissan-renault-2023 "
            "begins (2023)") in r.err


def needs_seeds() -> None:
    if not (SEEDS / SEED).is_file():
        pytest.skip(f"the source article is not at {SEEDS}")


def test_check_sources_passes_the_quote_check() -> None:
    needs_seeds()
    r = invoke("check", "--sources", str(SEEDS), "-f", "csv")
    assert (r.code, r.err) == (0, "")
    row = check_rows(r)["quotes occur in their source"]
    assert (row["status"], row["detail"]) == ("pass", "every quote found verbatim")


def test_check_sources_from_the_environment() -> None:
    needs_seeds()
    r = invoke("check", "-f", "csv", env=clean_env(ALLIANCE_SOURCES=str(SEEDS)))
    assert r.code == 0
    assert check_rows(r)["quotes occur in their source"]["status"] == "pass"


def test_check_sources_finds_an_altered_quote(data_copy: Path) -> None:
    needs_seeds()

    def alter(doc: Any) -> None:
        quote = record(doc, "stakes", "renault-nissan-1999")["quote"]
        assert quote[0] == "The Alliance began on 27 March 1999."
        quote[0] = "The Alliance began on 28 March 1999."

    edit(data_copy, "stakes", alter)
    r = invoke("--data", str(data_copy), "check", "--sources", str(SEEDS), "-f", "csv")
    assert r.code == 1
    assert r.err == ("alliance: check failed: quotes occur in their source: "
                     f"{data_copy}/stakes.json: stake renault-nissan-1999: field 'quote': not "
                     "found verbatim in the source text\n")
    assert check_rows(r)["quotes occur in their source"]["status"] == "fail"
    [problem] = problem_rows(r, "quotes occur in their source")
    assert problem["value"] == "The Alliance began on 28 March 1999."


def test_check_sources_that_do_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    r = invoke("check", "--sources", str(missing), "-f", "csv")
    assert r.code in (1, 2), r.code
    assert str(missing) in r.err


# --- alliance init-data ----------------------------------------------------------------------


def bundled_bytes(area: str) -> bytes:
    return (resources.files("alliancecli.data") / f"{area}.json").read_bytes()


def test_init_data_writes_the_bundled_files(tmp_path: Path) -> None:
    target = tmp_path / "my-data"
    r = ok("init-data", str(target))
    assert r.out == ""
    assert r.err.startswith(f"wrote 5 files to {target}")
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{a}.json" for a in AREAS)
    for area in AREAS:
        assert (target / f"{area}.json").read_bytes() == bundled_bytes(area), area


def test_init_data_refuses_a_second_time_without_force(tmp_path: Path) -> None:
    target = tmp_path / "my-data"
    ok("init-data", str(target))
    (target / "sales.json").write_text("{}", "utf-8")
    one_line_error(invoke("init-data", str(target)), 1, "already exists", "--force")
    assert (target / "sales.json").read_text("utf-8") == "{}"
    ok("init-data", str(target), "--force")
    assert (target / "sales.json").read_bytes() == bundled_bytes("sales")


def test_init_data_output_works_with_data(tmp_path: Path) -> None:
    target = tmp_path / "my-data"
    ok("init-data", str(target))
    mine = ok("--data", str(target), "sales", "--year", "2017", "-f", "csv")
    assert mine.out == ok("sales", "--year", "2017", "-f", "csv").out
    assert '2017,"Nissan",5816278,' in mine.out
    assert ok("--data", str(target), "check").code == 0


def test_init_data_through_the_installed_command(tmp_path: Path, cli: type[Result]) -> None:
    target = tmp_path / "d"
    assert run("init-data", str(target)).code == 0
    mine = run("--data", str(target), "sales", "--year", "2017", "-f", "csv")
    assert (mine.code, mine.out) == (0, run("sales", "--year", "2017", "-f", "csv").out)
    assert run("init-data", str(target)).code == 1


# --- alliance sources and about --------------------------------------------------------------


def record_counts(only: frozenset[str] | None = ARTICLE) -> dict[str, int]:
    """The records of each area (the article's, unless ``only`` is None: every source's)."""
    def view(d: Any) -> Any:
        return d if only is None else loader.restrict(d, only)
    s, k = view(load_sales()), view(load_stakes())
    p = view(load_plants())
    return {"sales": len(s.sales) + len(s.totals) + len(s.statements),
            "ev": len(view(load_ev()).milestones), "stakes": len(k.stakes),
            "timeline": len(view(load_timeline()).events),
            "plants": len(p.plants) + len(p.aggregates)}


def test_sources_json() -> None:
    rows = json_rows("sources")
    src = rows[0]
    assert list(src) == ["id", "kind", "publisher", "title", "published", "language", "url",
                         "licence", "areas", "records", "supports", "contradicts",
                         "supports_records", "contradicts_records"]
    assert (src["id"], src["kind"], src["publisher"], src["licence"], src["language"]) == (
        "wikipedia", "encyclopedia", "Wikipedia", "CC BY-SA 4.0", "en")
    assert src["title"] == "Renault\u2013Nissan\u2013Mitsubishi Alliance"
    assert src["url"].startswith("https://en.wikipedia.org/wiki/Renault")
    assert src["areas"] == list(AREAS)
    assert src["records"] == sum(record_counts().values())  # every record of the article
    others = rows[1:]
    assert others and all(r["licence"] is None and r["kind"] != "encyclopedia" for r in others)
    # every record is some source's, and every corroboration some source's support or not
    everyone: list[Any] = [load_sales(), load_ev(), load_stakes(), load_timeline(),
                           load_plants()]
    assert sum(r["records"] for r in rows) == sum(len(d.labelled()) for d in everyone)
    said = [c for d in everyone for _, r in d.labelled() for c in r.prov.corroboration]
    assert sum(r["supports"] for r in rows) == sum(c.agrees for c in said)
    assert sum(r["contradicts"] for r in rows) == sum(not c.agrees for c in said) > 0


def test_about_json_counts_equal_the_loaded_data() -> None:
    rows = json_rows("about", "--source", "wikipedia")
    assert [list(r) for r in rows] == [["area", "records", "years", "latest", "sources",
                                        "covers"]] * 5
    assert {r["area"]: r["records"] for r in rows} == record_counts()
    # sales table 2011-2018; stakes from 27 March 1999 to 2023; EVs from the i-MiEV (July 2009)
    # to the 1 million mark (December 2021); timeline from the 1987 sale of American Motors
    assert {r["area"]: r["years"] for r in rows} == {
        "sales": "2011\u20132018", "ev": "2009\u20132021", "stakes": "1999\u20132023",
        "timeline": "1987\u20132023", "plants": "2009\u20132014"}
    assert {r["area"]: (r["latest"], r["sources"]) for r in rows} == {
        "sales": ("2018", 1), "ev": ("2021-12", 1), "stakes": ("2023", 1),
        "timeline": ("2023", 1), "plants": ("2014", 1)}
    everything = {r["area"]: r for r in json_rows("about")}
    assert {a: r["records"] for a, r in everything.items()} == record_counts(None)
    assert all(r["sources"] > 1 for r in everything.values())
    assert everything["stakes"]["latest"] >= "2024" and everything["sales"]["latest"] == "2025"


def test_sales_record_count_by_hand() -> None:
    counts = record_counts()
    s = loader.restrict(load_sales(), ARTICLE)
    # 8 Renault + 8 Nissan + 3 Mitsubishi + 6 AvtoVAZ cells, and a total for each of 8 years
    assert (len(s.sales), len(s.totals)) == (25, 8)
    assert counts["stakes"] == 23


# --- the API returns what -f json prints -------------------------------------------------------

Rows = list[dict[str, Any]]
API_CASES: list[tuple[str, Callable[[], Rows], tuple[str, ...]]] = [
    ("sales", lambda: api.sales(), ("sales",)),
    ("sales-member", lambda: api.sales(by="member"), ("sales", "--by", "member")),
    ("sales-year", lambda: api.sales(by="year"), ("sales", "--by", "year")),
    ("sales-summary", lambda: api.sales(summary=True), ("sales", "--summary")),
    ("sales-2017", lambda: api.sales(year=2017), ("sales", "--year", "2017")),
    ("sales-range", lambda: api.sales(start=2012, end=2014, members=["nissan", "renault"]),
     ("sales", "--from", "2012", "--to", "2014", "-m", "nissan", "-m", "renault")),
    ("sales-year-range", lambda: api.sales(by="year", start=2015),
     ("sales", "--by", "year", "--from", "2015")),
    ("sales-summary-range", lambda: api.sales(summary=True, start=2012, end=2014),
     ("sales", "--summary", "--from", "2012", "--to", "2014")),
    ("ev-milestones", lambda: api.ev_milestones(), ("ev", "milestones")),
    ("ev-milestones-date", lambda: api.ev_milestones(date="2015-12"),
     ("ev", "milestones", "--date", "2015-12")),
    ("ev-milestones-subject", lambda: api.ev_milestones(subject="alliance", metric="sales"),
     ("ev", "milestones", "--subject", "alliance", "--metric", "sales")),
    ("ev-models", lambda: api.ev_models(), ("ev", "models")),
    ("ev-models-leaf", lambda: api.ev_models(model="leaf", history=True),
     ("ev", "models", "--model", "leaf", "--history")),
    ("ev-models-twitzy", lambda: api.ev_models(model="twitzy"),
     ("ev", "models", "--model", "twitzy")),
    ("ev-pace", lambda: api.ev_pace(), ("ev", "pace")),
    ("stakes", lambda: api.stakes(), ("stakes",)),
    ("stakes-2010", lambda: api.stakes(as_of="2010"), ("stakes", "--as-of", "2010")),
    ("stakes-2001-06", lambda: api.stakes(as_of="2001-06", holder=["renault"]),
     ("stakes", "--as-of", "2001-06", "--holder", "renault")),
    ("stakes-history", lambda: api.stakes(history=True, holder=["renault"], target=["nissan"]),
     ("stakes", "--history", "--holder", "renault", "--target", "nissan")),
    ("timeline", lambda: api.timeline(), ("timeline",)),
    ("timeline-2016", lambda: api.timeline(year=2016), ("timeline", "--year", "2016")),
    ("timeline-filters", lambda: api.timeline(tags=["ownership"], members=["mitsubishi"]),
     ("timeline", "--tag", "ownership", "--member", "mitsubishi")),
    ("timeline-search", lambda: api.timeline(search="ghosn", kind="event"),
     ("timeline", "--search", "ghosn", "--kind", "event")),
    ("timeline-empty", lambda: api.timeline(year=1990), ("timeline", "--year", "1990")),
    ("plants", lambda: api.plants(), ("plants",)),
    ("plants-plant", lambda: api.plants(by="plant", country=["brazil"]),
     ("plants", "--by", "plant", "--country", "brazil")),
    ("plants-country", lambda: api.plants(by="country"), ("plants", "--by", "country")),
    ("plants-city", lambda: api.plants(city="tangiers"), ("plants", "--city", "tangiers")),
    ("plants-min", lambda: api.plants(min_capacity=300_000, facility_type="vehicle_plant"),
     ("plants", "--min-capacity", "300000", "--type", "vehicle_plant")),
    ("sql", lambda: api.sql("SELECT member, SUM(units) AS units FROM sales GROUP BY member "
                            "ORDER BY member"),
     ("sql", "SELECT member, SUM(units) AS units FROM sales GROUP BY member ORDER BY member")),
    ("sql-stakes", lambda: api.sql("SELECT * FROM stakes"), ("sql", "SELECT * FROM stakes")),
]


@pytest.mark.parametrize(("call", "args"), [pytest.param(c, a, id=i) for i, c, a in API_CASES])
def test_api_equals_cli_json(call: Callable[[], Rows], args: tuple[str, ...]) -> None:
    from_api = call()
    from_cli = json_rows(*args)
    assert from_api == from_cli
    # the same types too (an int is not a float, a list is not a tuple)
    assert json.dumps(from_api) == json.dumps(from_cli)


def test_api_cases_cover_every_api_function() -> None:
    public = {n for n, v in vars(api).items() if inspect.isfunction(v)
              and not n.startswith("_") and v.__module__ == api.__name__}
    covered = {"ev_milestones" if i.startswith("ev-milestones") else
               "ev_models" if i.startswith("ev-models") else
               "ev_pace" if i == "ev-pace" else i.split("-")[0] for i, _, _ in API_CASES}
    assert public == covered == {"sales", "ev_milestones", "ev_models", "ev_pace", "stakes",
                                 "timeline", "plants", "sql"}


def test_api_with_a_data_directory_equals_cli(data_copy: Path) -> None:
    def bump(doc: Any) -> None:
        record(doc, "stakes", "renault-nissan-2001")["pct"] = 44.0

    edit(data_copy, "stakes", bump)
    from_api = api.stakes(as_of="2010", holder=["renault"], target=["nissan"],
                          data_dir=str(data_copy))
    assert from_api == json_rows("--data", str(data_copy), "stakes", "--as-of", "2010",
                                 "--holder", "renault", "--target", "nissan")
    assert [r["pct"] for r in from_api] == [44.0]


def test_sorting_a_column_of_mixed_types_puts_numbers_first() -> None:
    r = invoke("sql", "SELECT 1 AS x UNION SELECT 'a' UNION SELECT 2.5", "--sort", "x",
               "-f", "csv")
    assert r.code == 0, r.err
    assert r.out == '"x"\n1\n2.5\n"a"\n'


# --- one schema for sql and export; options that mean one thing --------------------------------


def test_sql_gives_lists_and_booleans_back_as_the_commands_do() -> None:
    got = json_rows("sql", "SELECT id, tags, members FROM timeline WHERE year = 2010 AND "
                    "date = '2010-04-07' ORDER BY rowid LIMIT 1")
    command = next(e for e in json_rows("timeline", "--year", "2010") if e["id"] == got[0]["id"])
    assert got == [{"id": command["id"], "tags": command["tags"], "members": command["members"]}]
    assert isinstance(got[0]["tags"], list) and got[0]["tags"]
    assert json_rows("sql", "SELECT in_alliance FROM plants WHERE id = 'tangier'") == [
        {"in_alliance": True}]
    # a computed column of the same name is not a list: JSON text stays text
    assert json_rows("sql", "SELECT 'not json' AS tags") == [{"tags": "not json"}]


def test_sql_full_text_search_runs_under_the_read_only_guard() -> None:
    rows = json_rows("sql", "SELECT id FROM timeline WHERE rowid IN (SELECT rowid FROM "
                     "timeline_fts WHERE timeline_fts MATCH 'Daimler') ORDER BY rowid")
    events = {e["id"]: e for e in json_rows("timeline")}
    assert rows and all("daimler" in events[r["id"]]["event"].casefold() for r in rows)
    one_line_error(invoke("sql", "SELECT * FROM pragma_table_info('sales')"), 2, "read-only")


def test_sql_cite_follows_provenance_id_or_is_refused() -> None:
    rows = json_rows("sql", "SELECT year, member, units, provenance_id FROM sales WHERE "
                     "year = 2017 AND member = 'Nissan'", "--cite")
    assert rows[0]["units"] == 5_816_278 and rows[0]["source"] == "wikipedia"
    assert "5,816,278" in rows[0]["quote"]
    assert rows[0]["quote"] == json_rows("sales", "--year", "2017", "--member", "Nissan",
                                         "--cite")[0]["quote"]
    one_line_error(invoke("sql", "SELECT year FROM sales", "--cite"), 2, "provenance_id")


@pytest.mark.parametrize("flag,fmt", [("--csv", "csv"), ("--tsv", "tsv"), ("--json", "json"),
                                      ("--jsonl", "jsonl")])
def test_format_shorthands_are_minus_f(flag: str, fmt: str) -> None:
    assert ok("sales", "--year", "2017", flag).out == ok("sales", "--year", "2017", "-f", fmt).out
    assert ok("sales", flag, "-f", fmt).out == ok("sales", "-f", fmt).out  # agreeing is fine


def test_two_formats_at_once_is_a_usage_error() -> None:
    one_line_error(invoke("sales", "--csv", "-f", "json"), 2, "-f json", "--csv")
    one_line_error(invoke("sales", "--csv", "--json"), 2, "--csv and --json")


@pytest.mark.parametrize("name", ["markdown", "github", "grid"])
def test_an_unknown_option_naming_a_format_suggests_minus_f(name: str) -> None:
    one_line_error(invoke("sales", f"--{name}"), 2, f"--{name}", f"-f {name}")


def test_an_explicit_chart_wins_over_alliance_format() -> None:
    env = clean_env(ALLIANCE_FORMAT="csv")
    chart = invoke("sales", "--chart", env=env)
    assert chart.code == 0 and chart.out == invoke("sales", "--chart").out
    assert invoke("sales", env=env).out == ok("sales", "-f", "csv").out  # still the default
    one_line_error(invoke("sales", "--chart", "-f", "csv"), 2, "--chart")
    one_line_error(invoke("sales", env=clean_env(ALLIANCE_FORMAT="nope")), 2,
                   "$ALLIANCE_FORMAT", "unknown format 'nope'")


@pytest.mark.parametrize("args", [("-f", "json"), ("--jsonl",), ("--chart",)])
def test_no_header_where_there_is_none_is_refused(args: tuple[str, ...]) -> None:
    one_line_error(invoke("sales", "--no-header", *args), 2, "--no-header")


@pytest.mark.parametrize("args,needle", [
    (("--dir", "d", "--columns", "year"), "--columns"),
    (("--dir", "d", "--sort", "year"), "--sort"),
    (("--dir", "d", "--limit", "1"), "--limit"),
    (("--dir", "d", "--desc"), "--desc"),
    (("--dir", "d", "--cite"), "provenance_id"),
    (("--sqlite", "a.db", "-f", "csv"), "-f applies to export --dir"),
    (("--sqlite", "a.db", "--excel-safe"), "--excel-safe"),
    (("--datapackage", "p", "--no-header"), "--no-header"),
    (("--dir", "d", "--json", "--no-header"), "--no-header"),
    (("--dir", "d", "--json", "--excel-safe"), "--excel-safe"),
    (("--dir", "d", "-f", "markdown"), "csv, tsv, json or jsonl"),
    (("--metadata", "m.json"), "--metadata describes the database"),
    (("--dir", "d", "--metadata", "m.json"), "--metadata describes the database"),
    (("--sqlite", "a.db", "--metadata", "a.db"), "same file"),
    (("--sqlite", "a.db", "--datapackage", "p"), "not --sqlite and --datapackage"),
])
def test_export_refuses_what_it_would_ignore(args: tuple[str, ...], needle: str,
                                             tmp_path: Path) -> None:
    full = [str(tmp_path / a) if a in ("a.db", "d", "p", "m.json") else a for a in args]
    one_line_error(invoke("export", *full), 2, needle)
    assert list(tmp_path.iterdir()) == []


def test_export_dir_applies_no_header_and_excel_safe_to_every_file(tmp_path: Path,
                                                                 data_copy: Path) -> None:
    edit(data_copy, "timeline", lambda d: d["events"][0].update(event="=HYPERLINK(1)"))
    out = tmp_path / "t"
    assert invoke("--data", str(data_copy), "export", "--dir", str(out), "--no-header",
                  "--excel-safe", "-q").code == 0
    timeline = csv_rows((out / "timeline.csv").read_text("utf-8"))
    first = csv_rows(invoke("--data", str(data_copy), "timeline", "-f", "csv",
                            "--excel-safe").out)[1]
    assert timeline[0][:-1] == first and first[3] == "'=HYPERLINK(1)"  # no header row
    assert not any(row[0] == "year" for row in csv_rows((out / "sales.csv").read_text("utf-8")))


def test_export_sqlite_and_metadata_are_replaced_together(tmp_path: Path) -> None:
    db, meta = tmp_path / "a.db", tmp_path / "metadata.json"
    meta.write_text("{}")
    one_line_error(invoke("export", "--sqlite", str(db), "--metadata", str(meta)), 1,
                   "already exists")
    assert not db.exists() and meta.read_text() == "{}"  # neither was written
    r = invoke("export", "--sqlite", str(db), "--metadata", str(meta), "--force")
    assert r.code == 0 and r.err == f"wrote 10 tables to {db}\n"
    doc = json.loads(meta.read_text("utf-8"))
    assert doc["license"] == "CC BY-SA 4.0"
    assert sorted(doc["databases"]["a"]["tables"]) == sorted(schema())
    assert doc["databases"]["a"]["tables"]["timeline"]["facets"] == [
        {"array": "tags"}, {"array": "members"}]
