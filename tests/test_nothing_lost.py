"""Nothing lost, nothing overwritten: each finding of the hostile run, as a test.

Export and init-data never write through a link, never replace a device, and never leave a
half-written file: a full disk (RLIMIT_FSIZE), Ctrl-C in the middle, or a dataset that fails
validation under --force all leave the old output byte for byte as it was, with no stray file.
The loader admits only what every output can write, and ``check`` finds the same problems.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import BIN, clean_env, csv_rows, invoke, pty_run, run, tty_env


def snapshot(where: Path) -> dict[str, bytes]:
    """Every file under ``where`` (names relative to it) and its bytes; links as their target."""
    out = {}
    for p in sorted(where.rglob("*")):
        rel = str(p.relative_to(where))
        if p.is_symlink():
            out[rel] = b"-> " + os.readlink(p).encode()
        elif p.is_file():
            out[rel] = p.read_bytes()
    return out


# --- export and init-data: no link followed, no device replaced ------------------------------


@pytest.mark.parametrize("args", [["export", "--sqlite", "TARGET", "--force"],
                                  ["export", "--dir", "TARGET", "-f", "csv", "--force"],
                                  ["init-data", "TARGET", "--force"]],
                         ids=["sqlite", "dir", "init-data"])
def test_a_symlink_at_the_target_is_refused_and_its_file_untouched(args: list[str],
                                                                  tmp_path: Path) -> None:
    victim = tmp_path / "outside" / "victim"
    victim.parent.mkdir()
    victim.write_bytes(b"precious")
    work = tmp_path / "work"
    work.mkdir()
    if args[0] == "export" and args[1] == "--sqlite":
        (work / "TARGET").symlink_to(victim)
    else:  # a link inside the directory, where a table or data file goes
        (work / "TARGET").mkdir()
        name = "sales.csv" if args[0] == "export" else "sales.json"
        (work / "TARGET" / name).symlink_to(victim)
    before = snapshot(tmp_path)
    r = run(*args, cwd=work)
    assert r.code == 1
    assert "symbolic link" in r.err and r.err.count("\n") == 1
    assert snapshot(tmp_path) == before


def test_a_dangling_symlink_is_not_followed_without_force(tmp_path: Path) -> None:
    (tmp_path / "a.db").symlink_to(tmp_path / "created-through-the-link")
    r = run("export", "--sqlite", "a.db", cwd=tmp_path)
    assert r.code == 1 and "symbolic link" in r.err
    assert not (tmp_path / "created-through-the-link").exists()


@pytest.mark.parametrize("kind", ["fifo", "directory", "dev-null"])
def test_a_target_that_is_not_a_regular_file_is_refused_even_with_force(kind: str,
                                                                       tmp_path: Path) -> None:
    target = tmp_path / "target"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target = Path("/dev/null")
    r = run("export", "--sqlite", str(target), "--force", cwd=tmp_path)
    assert r.code == 1, r.err
    assert ("not a regular file" in r.err or "is a directory" in r.err), r.err
    if kind == "fifo":
        assert target.is_fifo()
    elif kind == "directory":
        assert target.is_dir() and not any(target.iterdir())
    else:
        assert target.is_char_device()
    assert [p.name for p in tmp_path.iterdir() if p.name != "target"] == []


@pytest.mark.parametrize("args", [["export", "--dir", "", "-f", "csv"],
                                  ["export", "--sqlite", ""], ["init-data", ""],
                                  ["--data", "", "sales"]],
                         ids=["dir", "sqlite", "init-data", "data"])
def test_an_empty_path_is_a_usage_error_never_the_current_directory(args: list[str],
                                                                    tmp_path: Path) -> None:
    r = run(*args, cwd=tmp_path)
    assert r.code == 2, r.err
    assert "''" in r.err and r.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_replacing_keeps_permissions_and_creates_with_the_umask(tmp_path: Path) -> None:
    assert run("export", "--sqlite", "a.db", cwd=tmp_path).code == 0
    assert (tmp_path / "a.db").stat().st_mode & 0o777 == 0o644  # the test environment's umask 022
    os.chmod(tmp_path / "a.db", 0o600)
    assert run("export", "--sqlite", "a.db", "--force", cwd=tmp_path).code == 0
    assert (tmp_path / "a.db").stat().st_mode & 0o777 == 0o600
    assert run("export", "--dir", "t", "-f", "csv", cwd=tmp_path).code == 0
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "t").iterdir()} == {0o644}
    assert (tmp_path / "t").stat().st_mode & 0o777 == 0o755


# --- all or nothing: validation, a full disk, Ctrl-C -------------------------------------------


@pytest.fixture(scope="session")
def made_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a good database, a csv export and an init-data copy, made once."""
    out = tmp_path_factory.mktemp("outputs") / "out"
    out.mkdir()
    for args in (["export", "--sqlite", "a.db"], ["export", "--dir", "tables", "-f", "csv"],
                 ["init-data", "mine"]):
        assert run(*args, cwd=out).code == 0
    return out


@pytest.fixture
def outputs(made_outputs: Path, tmp_path: Path) -> Path:
    """A copy of ``made_outputs`` (bytes and modes) for one test to try to damage."""
    return Path(shutil.copytree(made_outputs, tmp_path / "out", symlinks=True))


EXPORTS = {
    "sqlite": ["export", "--sqlite", "a.db", "--force"],
    "dir": ["export", "--dir", "tables", "-f", "csv", "--force"],
    "init-data": ["init-data", "mine", "--force"],
}


@pytest.mark.parametrize("which", ["sqlite", "dir"])
def test_a_dataset_that_fails_validation_changes_nothing_under_force(which: str, data_copy: Path,
                                                                    outputs: Path) -> None:
    out = outputs
    before = snapshot(out)
    doc = json.loads((data_copy / "plants.json").read_text("utf-8"))
    doc["plants"][0]["capacity"] = -5
    (data_copy / "plants.json").write_text(json.dumps(doc), "utf-8")
    r = run("--data", str(data_copy), *EXPORTS[which], cwd=out)
    assert r.code == 1 and "capacity" in r.err
    assert snapshot(out) == before


def _limited(limit: int) -> Any:
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


@pytest.mark.parametrize("which", list(EXPORTS))
def test_a_full_disk_leaves_the_old_output_and_no_partial_file(which: str,
                                                               outputs: Path) -> None:
    """RLIMIT_FSIZE makes any write past 20 KB fail, as a full disk would."""
    out = outputs
    before = snapshot(out)
    p = subprocess.run([str(BIN), *EXPORTS[which]], capture_output=True, env=clean_env(),
                       cwd=out, timeout=60, preexec_fn=_limited(20_000))
    err = p.stderr.decode()
    assert p.returncode == 1, err
    assert "nothing was changed" in err and err.count("\n") == 1, err
    assert snapshot(out) == before


# A driver that runs the real entry point and stops the export at a chosen moment of its writing:
# it tells the test, on a pipe of its own, that it has got there, then blocks until Ctrl-C. So
# the signal lands exactly there, on any machine and under any load: no race, no sleep, and no
# dataset large enough to be slow.
PAUSE_DRIVER = """
import os, sys
ready, hold, moment = int(sys.argv.pop(1)), int(sys.argv.pop(1)), sys.argv.pop(1)
def pause():
    os.write(ready, b"r")
    os.read(hold, 1)  # nothing is ever written here: only Ctrl-C ends the wait
from alliancecli import safefiles
if moment == "temporary-file-made":
    make = safefiles._temp_file
    def made(target):
        path = make(target)
        pause()
        return path
    safefiles._temp_file = made
else:  # "first-file-written": the first temporary file is written in full and flushed
    fsync = os.fsync
    def synced(fd):
        fsync(fd)
        pause()
    os.fsync = synced
sys.argv[0] = "alliance"
from alliancecli.entry import run
run()
"""


@pytest.mark.parametrize("moment", ["temporary-file-made", "first-file-written"])
@pytest.mark.parametrize("which", ["sqlite", "dir", "init-data"])
def test_ctrl_c_in_the_middle_of_an_export_leaves_the_old_output(which: str, moment: str,
                                                                 outputs: Path) -> None:
    """Interrupted while its temporary files are being written (waited for, not slept for)."""
    out = outputs
    before = snapshot(out)
    ready_r, ready_w = os.pipe()
    hold_r, hold_w = os.pipe()
    p = subprocess.Popen([str(BIN.parent / "python"), "-c", PAUSE_DRIVER, str(ready_w),
                          str(hold_r), moment, *EXPORTS[which]],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=clean_env(),
                         cwd=out, pass_fds=(ready_w, hold_r))
    os.close(ready_w)
    os.close(hold_r)
    try:
        with os.fdopen(ready_r, "rb") as ready:
            assert ready.read(1) == b"r", p.communicate(timeout=60)[1].decode()
        assert any(n.endswith(".tmp") or ".tmp" in n for n in
                   (str(q.relative_to(out)) for q in out.rglob("*"))), "no temporary file"
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        os.close(hold_w)
    assert p.returncode == 130, err
    assert err == b"\n", err
    assert snapshot(out) == before  # the old output byte for byte, and no temporary file


def test_a_completed_export_replaces_every_file(outputs: Path) -> None:
    out = outputs
    assert run("export", "--dir", "tables", "-f", "json", cwd=out).code == 0
    assert sorted(p.name for p in (out / "tables").iterdir()) == sorted(
        [f"{t}.csv" for t in TABLES] + [f"{t}.json" for t in TABLES])
    with sqlite3.connect(out / "a.db") as db:
        assert db.execute("SELECT COUNT(*) FROM sales").fetchone() == (
            len(json.loads(run("sales", "-f", "json").out)),)


TABLES = ("sales", "sales_by_year", "ev_milestones", "ev_models", "stakes", "timeline", "plants",
          "provenance", "corroboration", "sources")


# --- the loader admits only what every output can write ----------------------------------------


def _break(data: Path, area: str, edit: Any) -> None:
    path = data / f"{area}.json"
    doc = json.loads(path.read_text("utf-8"))
    edit(doc)
    path.write_text(json.dumps(doc), "utf-8")


def _raw(data: Path, area: str, old: str, new: str) -> None:
    path = data / f"{area}.json"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


BROKEN: dict[str, tuple[str, Any, str]] = {
    "lone-surrogate": ("timeline", lambda d: _raw(d, "timeline", '"event": "Renault sold',
                                                  '"event": "\\ud800 Renault sold'),
                       "not valid Unicode"),
    "lone-low-surrogate": ("plants", lambda d: _raw(d, "plants", '"name": "Nissan Resende',
                                                    '"name": "\\udcff Nissan Resende'),
                           "not valid Unicode"),
    "int-over-64-bits": ("sales", lambda d: _break(d, "sales", lambda x: x["records"][0].update(
        units=2**63)), "64 bits"),
    "year-of-20-digits": ("sales", lambda d: _raw(d, "sales", '"year": 2011', '"year": '
                                                  '99999999999999999999'), "64 bits"),
    "implausible-year": ("sales", lambda d: _break(d, "sales", lambda x: x["records"][0].update(
        year=3011)), "not a year from 1850 to 2100"),
    "implausible-date": ("stakes", lambda d: _break(d, "stakes", lambda x: x["stakes"][0].update(
        since="1066")), "not in the years 1850 to 2100"),
    "schema-version-true": ("ev", lambda d: _break(d, "ev", lambda x: x.update(
        schema_version=True)), "schema_version"),
    "schema-version-float": ("ev", lambda d: _break(d, "ev", lambda x: x.update(
        schema_version=1.0)), "schema_version"),
    "arabic-indic-digits": ("timeline", lambda d: _break(d, "timeline", lambda x: x["events"][
        0].update(date="١٩٨٧")), "is not a date"),
    "separator-in-a-list-item": ("plants", lambda d: _break(d, "plants", lambda x: next(
        p for p in x["plants"] if p["products"])["products"].append("SM3; SM5")),
        "separates list items"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_check_and_every_command_refuse_what_an_output_could_not_write(case: str,
                                                                      data_copy: Path) -> None:
    area, edit, needle = BROKEN[case]
    edit(data_copy)
    command = {"sales": ["sales"], "ev": ["ev", "milestones"], "stakes": ["stakes"],
               "timeline": ["timeline"], "plants": ["plants"]}[area]
    for args in ([*command, "-f", "csv"], [*command, "-f", "json"], ["sql", "SELECT 1 AS x"],
                 ["export", "--sqlite", str(data_copy / "out.db")]):
        r = invoke("--data", str(data_copy), *args)
        assert r.code == 1, (args, r.out[:200], r.err)
        assert needle in r.err and r.err.count("\n") == 1, r.err
        assert r.out == "" and "internal error" not in r.err
    checked = invoke("--data", str(data_copy), "check", "-f", "json")
    assert checked.code == 1
    rows = json.loads(checked.out)
    assert any(r["status"] == "fail" and needle in r["detail"] for r in rows), rows
    assert not (data_copy / "out.db").exists()


def test_empty_but_valid_areas_give_empty_answers(data_copy: Path) -> None:
    lists = {"sales": ["members", "totals", "records", "statements"],
             "ev": ["models", "milestones"], "stakes": ["entities", "stakes"],
             "timeline": ["events"], "plants": ["plants", "aggregates"]}
    for area, keys in lists.items():
        _break(data_copy, area, lambda d, keys=keys: d.update(dict.fromkeys(keys, [])))
    for args in (["sales"], ["sales", "--by", "year"], ["sales", "--summary"],
                 ["ev", "milestones"], ["ev", "models"], ["ev", "pace"], ["stakes"],
                 ["stakes", "--history"], ["timeline"], ["plants"], ["plants", "--by", "country"],
                 ["about"], ["sources"], ["check"], ["sql", "--schema"],
                 ["sql", "SELECT COUNT(*) AS n FROM timeline"]):
        for fmt in ("table", "csv", "json"):
            r = invoke("--data", str(data_copy), *args, "-f", fmt)
            assert r.code == 0 and "error" not in r.err, (args, fmt, r.err)
            if fmt == "json" and args[0] not in ("about", "sources", "check", "sql"):
                assert json.loads(r.out) == []


# --- every byte, and csv that keeps a bare carriage return ------------------------------------


def test_csv_quotes_a_bare_carriage_return(data_copy: Path) -> None:
    _break(data_copy, "timeline", lambda d: d["events"][0].update(
        event="first line\rsecond line"))
    r = invoke("--data", str(data_copy), "timeline", "-f", "csv")
    rows = csv_rows(r.raw)
    assert rows[0][3] == "event" and rows[1][3] == "first line\rsecond line"
    assert len(rows) == 1 + len(json.loads((data_copy / "timeline.json").read_text("utf-8"))[
        "events"])  # the \r split no record


# --- bounded SQL ------------------------------------------------------------------------------


def test_a_result_over_the_limit_stops_with_one_line_exit_2() -> None:
    r = invoke("sql", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                      "LIMIT 200000) SELECT x FROM c", "-f", "csv")
    assert r.code == 2 and r.out == ""
    assert r.err == ("alliance: error: SQL: the result has more than 100,000 rows, the most "
                     "alliance sql returns; narrow it with WHERE, GROUP BY or LIMIT (or export "
                     "--sqlite and query the file)\n")


def test_running_out_of_memory_is_a_clear_error_not_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from alliancecli import database

    def exhausted(v: object) -> object:
        raise MemoryError

    monkeypatch.setattr(database, "_cell", exhausted)
    r = invoke("sql", "SELECT 1 AS x")
    assert r.code == 1
    assert r.err == ("alliance: error: SQL: the result does not fit in memory; narrow the query "
                     "with WHERE, GROUP BY or LIMIT\n")


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv", "json"])
def test_result_column_names_are_cleaned_like_cells(fmt: str) -> None:
    name = "\x1b]8;;http://x\x07link\u202e\x1b[31m"
    r = invoke("sql", f'SELECT 1 AS "{name}"', "-f", fmt)
    assert r.code == 0, r.err
    assert "\x1b" not in r.out and "\x07" not in r.out and "\u202e" not in r.out
    assert "link" in r.out


def test_excel_safe_guards_the_header_too() -> None:
    r = invoke("sql", 'SELECT 1 AS "=HYPERLINK(1)", \'+x\' AS y', "--excel-safe", "-f", "csv")
    assert csv_rows(r.raw) == [["'=HYPERLINK(1)", "y"], ["1", "'+x"]]


# --- formats, help, --sources ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["unsafehtml", "latex_raw"])
def test_raw_formats_are_gone(fmt: str) -> None:
    r = invoke("sales", "-f", fmt)
    assert r.code == 2 and f"unknown format '{fmt}'" in r.err


@pytest.mark.parametrize("fmt,escaped", [("asciidoc", "a\\|b"), ("moinmoin", "a&#124;b"),
                                         ("mediawiki", "a&#124;b"), ("github", "a\\|b"),
                                         ("textile", "a&#124;b"), ("fancy_grid", "a|b")])
def test_every_tabulate_format_escapes_its_separator(fmt: str, escaped: str) -> None:
    r = invoke("sql", "SELECT 'a|b' AS x, 'a│b' AS y", "-f", fmt)
    assert r.code == 0, r.err
    assert escaped in r.out
    if fmt != "fancy_grid":
        assert "a|b" not in r.out.replace(escaped, "")


@pytest.mark.parametrize("extra,args", [({"NO_COLOR": "1"}, []), ({"TERM": "dumb"}, []),
                                        ({}, ["--no-color"])],
                         ids=["NO_COLOR", "TERM=dumb", "--no-color"])
@pytest.mark.parametrize("command", [["sales", "--help"], ["--help"], ["ev"]],
                         ids=["sales", "root", "group"])
def test_help_has_no_escape_codes_when_colour_is_off(command: list[str], extra: dict[str, str],
                                                     args: list[str]) -> None:
    where = [*command, *args] if command[0] == "sales" else [*args, *command]
    code, out, err = pty_run(where, tty_env(**extra), cols=100)
    assert code == 0, err
    assert b"\x1b" not in out and b"Usage" in out


def test_help_on_a_colour_terminal_is_coloured() -> None:
    code, out, _ = pty_run(["sales", "--help"], tty_env(), cols=100)
    assert code == 0 and b"\x1b[" in out


def test_check_sources_without_any_source_text_fails(tmp_path: Path) -> None:
    r = invoke("check", "--sources", str(tmp_path), "-f", "json")
    assert r.code == 1
    row = next(x for x in json.loads(r.out) if x["check"] == "quotes occur in their source")
    assert row["status"] == "fail" and "holds no copy" in row["detail"]
