"""The real clients on the real output: csvkit, pandas, DuckDB, sqlite-utils, frictionless and
Datasette, as installed by the ``[test]`` extra.

Each client runs in a subprocess of its own (one per client, over every file), and reports what
it read as JSON; the assertions compare that with what ``alliance ... -f json`` says.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, clean_env, csv_cell, csv_rows, invoke, run

BINDIR = Path(sys.executable).parent
# One worker runs them all, so the outputs and the Datasette server are made once.
pytestmark = pytest.mark.xdist_group("clients")

# Every command that writes CSV, as a person would type it.
CSV_COMMANDS = [
    ("sales",), ("sales", "--by", "year"), ("sales", "--summary"), ("ev", "milestones"),
    ("ev", "models"), ("ev", "pace"), ("ev", "models", "--by", "maker"), ("stakes",),
    ("stakes", "--history"), ("timeline",), ("plants",), ("plants", "--by", "country"),
    ("about",), ("sources",), ("check",), ("sql", "--schema"),
]
# The data tables of the export, and the command whose rows each holds.
TABLE_COMMANDS = {
    "sales": ("sales",), "sales_by_year": ("sales", "--by", "year"),
    "ev_milestones": ("ev", "milestones", "--include-others"),
    "ev_models": ("ev", "models", "--include-others"), "stakes": ("stakes", "--history"),
    "timeline": ("timeline",), "plants": ("plants", "--include-others"),
}
TABLES = [*TABLE_COMMANDS, "provenance", "corroboration", "sources"]


def tool(name: str) -> Path:
    """A client's command beside this Python; missing fails in CI and skips elsewhere."""
    path = BINDIR / name
    if not path.exists():
        why = f"{name} is not installed (pip install '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return path


def client(script: str, *args: str) -> Any:
    """Run a Python script (using a client's library) in a subprocess; return its JSON."""
    p = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                       env=clean_env(), timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout)


def json_of(*cmd: str) -> list[dict[str, Any]]:
    r = invoke(*cmd, "-f", "json")
    assert r.code == 0, r.err
    rows: list[dict[str, Any]] = json.loads(r.out)
    return rows


@pytest.fixture(scope="session")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every command's csv, json and jsonl, and the three exports, written once."""
    where = tmp_path_factory.mktemp("clients")
    for cmd in CSV_COMMANDS:  # in-process: the same bytes as the command (test_contract)
        name = "_".join(c.strip("-") for c in cmd)
        for fmt in ("csv", "json", "jsonl"):
            r = invoke(*cmd, "-f", fmt)
            assert r.code == 0, (cmd, r.err)
            (where / f"{name}.{fmt}").write_bytes(r.raw)
    r = run("export", "--sqlite", "a.db", "--metadata", "metadata.json", cwd=where)
    assert r.code == 0, r.err
    for args in (["--datapackage", "package"], ["--dir", "tables", "--csv"],
                 ["--dir", "tables", "--json"], ["--dir", "tables", "--jsonl"]):
        r = invoke("export", *(str(where / a) if a in ("package", "tables") else a
                               for a in args), "--force")
        assert r.code == 0, r.err
    return where


def command_csvs(out: Path) -> list[Path]:
    return [out / ("_".join(c.strip("-") for c in cmd) + ".csv") for cmd in CSV_COMMANDS]


# --- csvkit ------------------------------------------------------------------------------------

CSVKIT = """
import io, json, sys
from csvkit.utilities.csvjson import CSVJSON
from csvkit.utilities.csvlook import CSVLook
from csvkit.utilities.csvsql import CSVSQL
from csvkit.utilities.csvstat import CSVStat

out = {}
for path in sys.argv[1:]:
    got = {}
    for name, utility in (("csvlook", CSVLook), ("csvstat", CSVStat), ("csvjson", CSVJSON),
                          ("csvsql", CSVSQL)):
        text, err = io.StringIO(), io.StringIO()
        try:
            utility([path], output_file=text, error_file=err).run()
            got[name] = text.getvalue()
        except BaseException as e:
            got[name] = {"error": f"{type(e).__name__}: {e} {err.getvalue()}"}
    out[path] = got
print(json.dumps(out))
"""


def test_csvkit_reads_every_csv_with_its_defaults(out: Path) -> None:
    """csvlook, csvstat, csvjson and csvsql, default settings (the dialect sniffer on)."""
    files = [*command_csvs(out), *(out / "tables").glob("*.csv"),
             *(out / "package").glob("*.csv")]
    assert len(files) == len(CSV_COMMANDS) + 2 * len(TABLES)
    got = client(CSVKIT, *map(str, files))
    for path in files:
        results = got[str(path)]
        errors = {k: v for k, v in results.items() if isinstance(v, dict)}
        assert not errors, (path.name, errors)
        rows = csv_rows(path.read_bytes())
        header = rows[0]
        records = json.loads(results["csvjson"])
        assert len(records) == len(rows) - 1, path.name
        assert all(list(r) == header for r in records), path.name
        assert results["csvlook"].splitlines()[0].split("|")[1].strip() == header[0]
        assert results["csvsql"].startswith("CREATE TABLE"), path.name
        assert all(f"{n}." in results["csvstat"] for n in (1, len(header))), path.name


def test_csvlook_in_a_pipe_as_the_readme_shows() -> None:
    """The issue's failing example, through a real shell: alliance plants -f csv | csvlook."""
    csvlook = tool("csvlook")
    p = subprocess.run(["bash", "-o", "pipefail", "-c", f"'{BINDIR}/alliance' plants -f csv | "
                        f"'{csvlook}'"], capture_output=True, text=True, env=clean_env(),
                       timeout=120)
    assert (p.returncode, p.stderr) == (0, "")
    lines = p.stdout.splitlines()
    assert len(lines) == 2 + len(json_of("plants"))  # header, rule, one line per plant
    assert "| Nissan Sunderland facility " in p.stdout


# --- pandas and DuckDB -------------------------------------------------------------------------

READERS = """
import datetime, json, math, sys
import duckdb
import pandas as pd

def plain(v):
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)) or hasattr(v, "tolist"):
        return [plain(x) for x in (v.tolist() if hasattr(v, "tolist") else v)]
    return v

def frame(df):
    return [{k: plain(v) for k, v in row.items()} for row in df.to_dict("records")]

def duck(rel):
    return [dict(zip(rel.columns, map(plain, row))) for row in rel.fetchall()]

out = {}
for base in sys.argv[1:]:
    out[base] = {
        "pandas_csv": frame(pd.read_csv(base + ".csv", dtype=str, keep_default_na=False)),
        # precise_float: pandas' faster parser reads 0.69 as 0.6900000000000001
        "pandas_json": frame(pd.read_json(base + ".json", dtype=False, convert_dates=False,
                                          precise_float=True)),
        "pandas_jsonl": frame(pd.read_json(base + ".jsonl", lines=True, dtype=False,
                                           convert_dates=False, precise_float=True)),
        "duckdb_csv": duck(duckdb.read_csv(base + ".csv", all_varchar=True)),
        "duckdb_json": duck(duckdb.read_json(base + ".json", format="array")),
        "duckdb_jsonl": duck(duckdb.read_json(base + ".jsonl", format="newline_delimited")),
    }
print(json.dumps(out))
"""


def _same(read: Any, want: Any) -> bool:
    """A JSON value as a reader gives it back: 15 may come as 15.0, a date as its ISO text."""
    if isinstance(want, bool) or want is None or isinstance(want, str | list):
        return bool(read == want)
    return isinstance(read, int | float) and not isinstance(read, bool) and read == want


def test_pandas_and_duckdb_read_csv_json_and_jsonl_as_the_json_says(out: Path) -> None:
    tool("csvlook")  # the [test] extra is installed
    data = [cmd for cmd in CSV_COMMANDS if cmd not in (("check",),)]
    bases = [str(out / "_".join(c.strip("-") for c in cmd)) for cmd in data]
    got = client(READERS, *bases)
    for base in bases:
        want = json.loads(Path(base + ".json").read_text("utf-8"))
        assert want, base
        for reader, rows in got[base].items():
            assert len(rows) == len(want), (base, reader)
            for r, w in zip(rows, want, strict=True):
                assert list(r) == list(w), (base, reader)
                if reader.endswith("_csv"):  # read as text: every cell exactly as written
                    assert [v or "" for v in r.values()] == [csv_cell(v) for v in w.values()], \
                        (base, reader, r, w)
                else:
                    bad = {k: (r[k], v) for k, v in w.items() if not _same(r[k], v)}
                    assert not bad, (base, reader, bad)


PANDAS_SQLITE = """
import json, math, sqlite3, sys
import pandas as pd

with sqlite3.connect(sys.argv[1]) as conn:
    out = {}
    for table in sys.argv[2:]:
        df = pd.read_sql_query(f'SELECT * FROM "{table}" ORDER BY rowid', conn)
        out[table] = [{k: (None if isinstance(v, float) and math.isnan(v) else
                           v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                      for row in df.to_dict("records")]
print(json.dumps(out))
"""


def _as_stored(v: Any) -> Any:
    """A JSON value as the SQLite file stores it: booleans 1/0, lists JSON arrays."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, list):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return v


def test_pandas_reads_the_sqlite_file_with_the_json_values(out: Path) -> None:
    tool("csvlook")
    got = client(PANDAS_SQLITE, str(out / "a.db"), *TABLE_COMMANDS)
    for table, cmd in TABLE_COMMANDS.items():
        want = json_of(*cmd)
        rows = got[table]
        assert [{k: v for k, v in r.items() if k != "provenance_id"} for r in rows] == \
            [{k: _as_stored(v) for k, v in w.items()} for w in want], table
        # every row has its provenance, but a year of sales_by_year that no source totals
        # (pandas makes a column with an empty cell float64: 7 comes back as 7.0)
        assert all(r["provenance_id"] is not None and r["provenance_id"] % 1 == 0
                   for r in rows if table != "sales_by_year" or r["year"] <= 2020), table
    # pandas makes a column of 15 and 43.4 float64; the file itself keeps 15 an integer
    with sqlite3.connect(out / "a.db") as conn:
        stored = conn.execute("SELECT pct, typeof(pct), voting FROM stakes "
                              "WHERE id = 'nissan-renault-2001'").fetchone()
    conn.close()
    assert stored == (15, "integer", 0)


# --- sqlite-utils ------------------------------------------------------------------------------

SQLITE_UTILS = """
import json, sys
import sqlite_utils

db = sqlite_utils.Database(sys.argv[1])
print(json.dumps({name: {"count": t.count, "pks": t.pks, "fts": t.detect_fts(),
                         "fks": [[f.column, f.other_table, f.other_column]
                                 for f in t.foreign_keys]}
                  for name in sys.argv[2:] for t in [db.table(name)]}))
"""


def test_sqlite_utils_lists_tables_counts_keys_and_search(out: Path) -> None:
    cli = subprocess.run([str(tool("sqlite-utils")), "tables", str(out / "a.db"), "--counts"],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    counts = {t["table"]: t["count"] for t in json.loads(cli.stdout)}
    data = client(SQLITE_UTILS, str(out / "a.db"), *TABLES)
    assert sorted(counts) == sorted([*TABLES, *(f"{t}_fts{s}" for t in data if data[t]["fts"]
                                                for s in ("", "_config", "_data", "_docsize",
                                                          "_idx"))])
    for table, cmd in TABLE_COMMANDS.items():
        assert counts[table] == data[table]["count"] == len(json_of(*cmd)), table
        assert data[table]["fks"] == [["provenance_id", "provenance", "id"]], table
    assert data["sales"]["pks"] == ["year", "member"]
    assert data["ev_models"]["pks"] == ["model", "metric"]
    keyed = ("stakes", "timeline", "plants", "ev_milestones", "provenance", "corroboration",
             "sources")
    assert {t: data[t]["pks"] for t in keyed} == dict.fromkeys(keyed, ["id"])
    assert {t: data[t]["fts"] for t in TABLES} == {
        "sales": None, "sales_by_year": None, "ev_models": None, "sources": None,
        "corroboration": "corroboration_fts",
        "ev_milestones": "ev_milestones_fts", "stakes": "stakes_fts",
        "timeline": "timeline_fts", "plants": "plants_fts", "provenance": "provenance_fts"}
    assert data["provenance"]["fks"] == [["source", "sources", "id"]]
    assert sorted(map(tuple, data["corroboration"]["fks"])) == [
        ("provenance_id", "provenance", "id"), ("source", "sources", "id")]
    assert counts["provenance"] == len({r["provenance_id"] for t in TABLE_COMMANDS
                                        for r in _table_rows(out, t)} - {None})


def _table_rows(out: Path, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((out / "tables" / f"{table}.json").read_text("utf-8"))
    return rows


# --- frictionless ------------------------------------------------------------------------------


def test_frictionless_validates_the_data_package(out: Path) -> None:
    p = subprocess.run([str(tool("frictionless")), "validate", "--json",
                        str(out / "package" / "datapackage.json")],
                       capture_output=True, text=True, timeout=300)
    report = json.loads(p.stdout)
    assert p.returncode == 0 and report["valid"], p.stdout[-3000:]
    assert report["errors"] == [] and report.get("warnings", []) == []
    tasks = {t["name"]: t for t in report["tasks"]}
    assert sorted(tasks) == sorted(TABLES)
    for name, task in tasks.items():
        assert (task["valid"], task["errors"], task["warnings"]) == (True, [], []), name
        assert task["stats"]["rows"] == len(_table_rows(out, name)), name
    package = json.loads((out / "package" / "datapackage.json").read_text("utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-SA-4.0"
    stakes = next(r for r in package["resources"] if r["name"] == "stakes")["schema"]
    assert stakes["primaryKey"] == ["id"]
    assert stakes["foreignKeys"] == [{"fields": ["provenance_id"], "reference": {
        "resource": "provenance", "fields": ["id"]}}]
    types = {f["name"]: f["type"] for f in stakes["fields"]}
    assert (types["pct"], types["voting"], types["since"]) == ("number", "boolean", "string")
    assert all(f.get("description") for f in stakes["fields"])


# --- Datasette ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def datasette(out: Path) -> Iterator[str]:
    """Datasette on 127.0.0.1, on a port it chooses; waited for by its log line, stopped by PID."""
    p = subprocess.Popen([str(tool("datasette")), "serve", str(out / "a.db"), "-m",
                          str(out / "metadata.json"), "-h", "127.0.0.1", "-p", "0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=clean_env())
    assert p.stderr is not None
    log = b""
    try:
        while not (m := re.search(rb"Uvicorn running on (http://127\.0\.0\.1:\d+)", log)):
            ready, _, _ = select.select([p.stderr], [], [], 120)
            chunk = os.read(p.stderr.fileno(), 4096) if ready else b""
            assert chunk, f"datasette did not start: {log.decode(errors='replace')}"
            log += chunk
        yield m.group(1).decode()
    finally:
        os.kill(p.pid, signal.SIGTERM)
        p.wait(timeout=60)
        p.stderr.close()


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read())


def test_datasette_facets_the_tags_array(datasette: str) -> None:
    got = get(f"{datasette}/a/timeline.json?_facet_array=tags&_size=0")
    facet = {v["value"]: v["count"] for v in got["facet_results"]["tags"]["results"]}
    events = json_of("timeline")
    want: dict[str, int] = {}
    for e in events:
        for t in e["tags"]:
            want[t] = want.get(t, 0) + 1
    assert facet == want


def test_datasette_search_filters_by_full_text(datasette: str) -> None:
    got = get(f"{datasette}/a/timeline.json?_search=Daimler&_shape=array&_size=max")
    everything = json_of("timeline")
    want = [e["id"] for e in everything
            if re.search(r"\bdaimler\b", f"{e['event']} {e['date_note'] or ''}".casefold())]
    assert 0 < len(want) < len(everything)
    assert sorted(r["id"] for r in got) == sorted(want)


def test_datasette_serves_a_row_page_by_primary_key(datasette: str) -> None:
    got = get(f"{datasette}/a/stakes/renault-nissan-1999.json?_shape=array")
    assert [(r["holder"], r["target"], r["pct"], r["since"]) for r in got] == [
        ("Renault", "Nissan", 36.8, "1999-03-27")]  # "Renault bought 36.8% of Nissan"
    sales = get(f"{datasette}/a/sales/2017,Nissan.json?_shape=array")
    assert [r["units"] for r in sales] == [5_816_278]


def test_datasette_metadata_has_the_licence_and_every_table(datasette: str) -> None:
    meta = get(f"{datasette}/-/metadata.json")
    assert (meta["license"], meta["license_url"]) == (
        "CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/")
    assert meta["source_url"].startswith("https://en.wikipedia.org/wiki/Renault")
    tables = meta["databases"]["a"]["tables"]
    assert sorted(tables) == sorted(TABLES)
    assert tables["stakes"]["columns"]["pct"].startswith("Per cent of the target")


# --- the README's recipes ----------------------------------------------------------------------


def readme_recipes() -> list[str]:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### Piping recipes", 1)[1].split("\n### ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines()
            if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("recipe", readme_recipes())
def test_every_readme_recipe_runs_as_written(recipe: str, tmp_path: Path) -> None:
    """In the venv the README's test command makes: its bin first on PATH."""
    tool("csvlook")
    for program in ("jq", "sqlite3"):
        if re.search(rf"\b{program}\b", recipe) and shutil.which(program) is None:
            pytest.skip(f"{program} is not installed")
    env = clean_env(PATH=f"{BINDIR}{os.pathsep}{os.environ.get('PATH', '')}")
    p = subprocess.run(["bash", "-o", "pipefail", "-c", recipe], capture_output=True, text=True,
                       env=env, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, (recipe, p.stderr[-2000:])
    assert p.stdout.strip(), recipe
