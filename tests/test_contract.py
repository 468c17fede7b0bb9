"""The promise of docs/cli-contract.md, checked through the installed ``alliance``.

Pipes, terminals, encodings, signals and exit codes are only real in a subprocess, so those tests
run the console script (``conftest.run``, a pty or a shell pipeline) and read raw bytes back.
What the default environment prints is the same in-process (``ok``), and
test_the_installed_command_prints_what_the_tests_read holds the two equal, byte for byte.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import select
import signal
import sqlite3
import struct
import subprocess
import termios
from collections import Counter
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    BIN,
    VIEWS,
    clean_env,
    csv_cell,
    csv_rows,
    invoke,
    pty_run,
    run,
    timeline_copy,
    tsv_unescape,
    tty_env,
)

# Every command and view the contract covers.
COMMANDS = VIEWS
CMD_IDS = [" ".join(c) for c in COMMANDS]
MACHINE = ("csv", "tsv", "json", "jsonl")
ESC = b"\x1b"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


# --- helpers ------------------------------------------------------------------------------


def bundled(area: str) -> Any:
    """The bundled data file, parsed: the records every output must reproduce exactly."""
    return json.loads((resources.files("alliancecli.data") / f"{area}.json").read_text("utf-8"))


def ok(*args: str, env: dict[str, str] | None = None) -> bytes:
    """Run a command that must succeed; return its raw stdout."""
    if env is None:
        return _ok_default(args)
    return _ok(args, env)


@functools.lru_cache(maxsize=512)
def _ok_default(args: tuple[str, ...]) -> bytes:
    """The same command in the default environment gives the same bytes: run it once, in-process
    (what a pipe would read from the installed command; the test below holds them equal)."""
    r = invoke(*args)
    assert r.code == 0, f"alliance {' '.join(args)} -> exit {r.code}: {r.err}"
    return r.raw


IN_PROCESS_CHECKED = [*((*c, "-f", "csv") for c in COMMANDS), *COMMANDS,
                      *((*COMMANDS[i], *extra) for i, extra in enumerate((
                          ("-f", "json"), ("-f", "jsonl"), ("-f", "tsv"), ("--wide",),
                          ("-f", "csv", "--no-header"), ("-f", "tsv", "--no-header"),
                          ("-f", "markdown"), ("-f", "grid"), ("-f", "html"), ("--no-color",),
                          ("--wide", "--no-color"), ("-f", "json"), ("-f", "jsonl"),
                          ("-f", "tsv"))))]


@pytest.mark.parametrize("args", IN_PROCESS_CHECKED, ids=" ".join)
def test_the_installed_command_prints_what_the_tests_read(args: tuple[str, ...]) -> None:
    r = run(*args)
    assert (r.code, r.err) == (0, ""), r.err
    assert r.raw == _ok_default(args)


def _ok(args: tuple[str, ...], env: dict[str, str] | None) -> bytes:
    r = run(*args, env=env)
    assert r.code == 0, f"alliance {' '.join(args)} -> exit {r.code}: {r.err}"
    assert "Traceback" not in r.err, r.err
    return r.raw


def json_rows(*args: str) -> list[dict[str, Any]]:
    rows = json.loads(ok(*args, "-f", "json").decode("utf-8"))
    assert isinstance(rows, list)
    return rows


def numeric_columns(rows: Sequence[dict[str, Any]]) -> set[str]:
    """Columns whose every present JSON value is a number (not a bool)."""
    if not rows:
        return set()
    cols = set(rows[0])
    for r in rows:
        for k, v in r.items():
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                cols.discard(k)
    return cols


def shell(script: str, *args: str, env: dict[str, str] | None = None,
          timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["bash", "-c", script, "bash", *args], capture_output=True,
                          env=env or clean_env(), cwd="/", timeout=timeout)


# --- large datasets (module-scoped: built once) --------------------------------------------


@pytest.fixture(scope="session")
def big_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A timeline of BIG events: 1.4 MB of csv, 2 MB of json, 2 MB of table, all far beyond a
    pipe's buffer (64 KiB) and the program's own chunk."""
    return timeline_copy(tmp_path_factory.mktemp("big") / "data", BIG)


BIG = 6_000


@pytest.fixture(scope="session")
def mid_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A timeline of 3,000 events: a table of about 1 MB, for the tests of tables."""
    return timeline_copy(tmp_path_factory.mktemp("mid") / "data", 3_000)


# --- a reader that leaves early -----------------------------------------------------------

READERS = {
    "head-1": "head -1 >/dev/null",
    "head-c10": "head -c 10 >/dev/null",
    "true": "true",
}
PIPELINE = 'err="$1"; shift; "$@" 2>"$err" | {reader}; exit "${{PIPESTATUS[0]}}"'


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("size,fmt", [
    ("small", "table"), ("small", "csv"), ("small", "json"),
    ("large", "table"), ("large", "csv"), ("large", "json"),
])
def test_reader_leaving_early_is_quiet(size: str, fmt: str, reader: str, unbuffered: bool,
                                       big_data: Path, mid_data: Path, tmp_path: Path) -> None:
    args: list[str] = ["timeline", "-f", fmt]
    if size == "large":
        args = ["--data", str(mid_data if fmt == "table" else big_data), *args]
    env = clean_env(PYTHONUNBUFFERED="1") if unbuffered else clean_env()
    err = tmp_path / "stderr"
    p = shell(PIPELINE.format(reader=READERS[reader]), str(err), str(BIN), *args, env=env)
    assert p.stderr == b"", p.stderr
    assert err.read_bytes() == b"", err.read_text("utf-8", "replace")
    assert p.stdout == b""  # the reader's output went to /dev/null
    assert p.returncode in (0, 141), f"exit {p.returncode}"


@pytest.mark.parametrize("fmt", ["csv", "table", "jsonl"])
def test_reader_closing_an_os_pipe_is_quiet(fmt: str, big_data: Path, mid_data: Path) -> None:
    data = mid_data if fmt == "table" else big_data
    r, w = os.pipe()
    p = subprocess.Popen([str(BIN), "--data", str(data), "timeline", "-f", fmt], stdout=w,
                         stderr=subprocess.PIPE, env=clean_env(), cwd="/")
    os.close(w)
    with os.fdopen(r, "rb") as reader:
        first = reader.read(10)
    _, err = p.communicate(timeout=120)
    assert len(first) == 10
    assert err == b"", err.decode("utf-8", "replace")
    assert p.returncode in (0, 141)


def test_full_pipe_still_delivers_every_row(big_data: Path) -> None:
    """The early-exit handling must not cost rows when the reader does read everything."""
    p = shell('"$@" | wc -l', str(BIN), "--data", str(big_data), "timeline", "-f", "csv")
    assert p.returncode == 0 and p.stderr == b""
    assert int(p.stdout) == BIG + 1


# --- Ctrl-C ---------------------------------------------------------------------------------


# A driver that runs the real entry point and tells the test, on a pipe of its own, the moment
# the program's SIGINT handler is in place: before that no program can catch Ctrl-C (Python
# itself reports it), after it every moment must be quiet. No sleep: the test waits for it.
READY_DRIVER = """
import os, signal, sys
ready = int(sys.argv.pop(1))
install = signal.signal
def spy(signum, handler):
    previous = install(signum, handler)
    if signum == signal.SIGINT:
        os.write(ready, b"r")
        os.close(ready)
    return previous
signal.signal = spy
sys.argv[0] = "alliance"
from alliancecli.entry import run
run()
"""


def _interrupt(args: Sequence[str], moment: str) -> subprocess.Popen[bytes]:
    """Start alliance, wait for ``moment``, send SIGINT; return the finished process."""
    ready_r, ready_w = os.pipe()
    p = subprocess.Popen([str(BIN.parent / "python"), "-c", READY_DRIVER, str(ready_w), *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
                         cwd="/", pass_fds=(ready_w,))
    os.close(ready_w)
    with os.fdopen(ready_r, "rb") as ready:
        assert ready.read(1) == b"r", "the entry point never installed its SIGINT handler"
    assert p.stdout is not None
    if moment == "first-byte":
        assert p.stdout.read(1)
    elif moment == "mid-output":
        assert len(p.stdout.read(1 << 20)) == 1 << 20
    p.send_signal(signal.SIGINT)
    return p


@pytest.mark.parametrize("moment", ["handler-installed", "first-byte", "mid-output"])
@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_ctrl_c_at_any_moment_shows_no_traceback(moment: str, fmt: str, big_data: Path) -> None:
    """Ctrl-C exits 130 with nothing but a newline, whether loading, querying or writing."""
    p = _interrupt(["--data", str(big_data), "timeline", "-f", fmt], moment)
    _, err = p.communicate(timeout=60)
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text[-800:]
    assert text.strip() == "", text
    assert p.returncode == 130, p.returncode


def test_ctrl_c_while_writing_exits_130(big_data: Path) -> None:
    p = subprocess.Popen([str(BIN), "--data", str(big_data), "timeline", "-f", "csv"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
                         cwd="/")
    assert p.stdout is not None
    assert p.stdout.read(1) == b'"'  # the header has started: the program is writing
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130
    assert err in (b"", b"\n"), err.decode("utf-8", "replace")


# --- encodings and locales ------------------------------------------------------------------

ENCODINGS: dict[str, dict[str, str]] = {
    "pythonioencoding-latin1": {"PYTHONIOENCODING": "latin-1"},
    "pythonioencoding-ascii": {"PYTHONIOENCODING": "ascii"},
    "lang-c": {"LANG": "C", "LC_ALL": "C"},
    "c-locale-not-coerced": {"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0",
                             "PYTHONUTF8": "0"},
    "lc-all-posix": {"LC_ALL": "POSIX"},
}


@pytest.mark.parametrize("enc", list(ENCODINGS))
@pytest.mark.parametrize("cmd,fmt", [
    (("timeline",), "csv"), (("timeline",), "tsv"), (("timeline",), "json"),
    (("timeline",), "jsonl"), (("stakes",), "csv"), (("plants",), "json"),
], ids=["timeline-csv", "timeline-tsv", "timeline-json", "timeline-jsonl", "stakes-csv",
        "plants-json"])
def test_machine_output_is_utf8_whatever_the_encoding(cmd: tuple[str, ...], fmt: str,
                                                      enc: str) -> None:
    reference = _in_utf8_locale((*cmd, "-f", fmt))
    raw = ok(*cmd, "-f", fmt, env=clean_env(**ENCODINGS[enc]))
    text = raw.decode("utf-8")  # strict: machine formats are always UTF-8
    assert "\u2013" in text  # "Renault–Nissan", "2010–2015": an en dash, never '?'
    assert raw == reference  # byte-identical whatever the locale


@functools.lru_cache(maxsize=16)
def _in_utf8_locale(args: tuple[str, ...]) -> bytes:
    """The installed command's bytes in a UTF-8 locale: run once per command and format."""
    return ok(*args, env=clean_env(LANG="C.UTF-8", LC_ALL="C.UTF-8"))


TABLE_ENC_CMDS = [("sales", "--year", "2017"), ("stakes",), ("timeline",), ("plants",)]


@pytest.mark.parametrize("enc", list(ENCODINGS))
@pytest.mark.parametrize("cmd", TABLE_ENC_CMDS, ids=[" ".join(c) for c in TABLE_ENC_CMDS])
def test_table_never_crashes_on_the_stream_encoding(cmd: tuple[str, ...], enc: str) -> None:
    r = run(*cmd, env=clean_env(**ENCODINGS[enc]))
    assert r.code == 0, r.err
    assert r.err == ""
    assert r.out.strip()


def test_table_on_ascii_replaces_what_it_cannot_encode() -> None:
    r = run("plants", "--country", "brazil", "-c", "name,city,capacity",
            env=clean_env(PYTHONIOENCODING="ascii"))
    assert r.code == 0 and r.err == ""
    r.raw.decode("ascii")  # nothing but ASCII reached the stream
    assert "S?o Jos? dos Pinhais" in r.out
    assert "380,000" in r.out and "200,000" in r.out


def test_table_on_latin1_keeps_what_latin1_has() -> None:
    r = run("stakes", "--history", "-c", "holder,target,pct",
            env=clean_env(PYTHONIOENCODING="latin-1"))
    assert r.code == 0 and r.err == ""
    text = r.raw.decode("latin-1")
    assert "Renault?Nissan BV" in text  # the en dash has no latin-1 byte
    assert b"\xe2\x80\x93" not in r.raw  # and is not smuggled in as UTF-8 either


def test_table_bytes_do_not_depend_on_the_locale() -> None:
    ref = ok("plants", env=clean_env(LANG="C.UTF-8"))
    for extra in ({"LC_ALL": "C"}, {"LANG": "C"}, {"LC_NUMERIC": "de_DE.UTF-8"},
                  {"LANG": "de_DE.ISO-8859-1"}):
        assert ok("plants", env=clean_env(**extra)) == ref, extra


# --- a table on a pipe: never truncated or wrapped ------------------------------------------


def _expected_cells(rows: Sequence[dict[str, Any]]) -> Iterator[str]:
    """Each value as the table must show it somewhere, whole."""
    for row in rows:
        for col, v in row.items():
            if v is None or isinstance(v, bool):
                continue
            if isinstance(v, str):
                yield " ".join(v.replace("\t", " ").replace("\r", " ").split("\n")).strip()
            elif isinstance(v, list):
                yield from v
            elif isinstance(v, int) and (col == "year" or col.endswith("_year")):
                yield str(v)
            elif isinstance(v, int):
                yield f"{abs(v):,}"
            elif col.endswith("_pct"):
                yield f"{abs(v):,.2f}"
            else:
                yield f"{abs(v):,}" if abs(v) >= 1000 else repr(abs(v))


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_piped_wide_table_shows_every_cell_whole(cmd: tuple[str, ...]) -> None:
    rows = json_rows(*cmd)
    assert rows
    table = ok(*cmd, "--wide").decode("utf-8")
    assert ESC not in table.encode()
    missing = [c for c in _expected_cells(rows) if c not in table]
    assert not missing, f"{len(missing)} cells cut or wrapped, e.g. {missing[:3]}"


def _header_and_said(table: str) -> tuple[list[str], str]:
    """The header's column names and the lines under the table that name what it leaves out."""
    lines = table.splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line) == {"─"})
    return lines[rule - 1].split(), "\n".join(line for line in lines[rule:]
                                              if line.startswith(("Not shown:", "Empty in")))


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_piped_table_shows_its_view_and_names_every_other_column(cmd: tuple[str, ...]) -> None:
    """The default table shows the command's view; each column it leaves out is named."""
    rows = json_rows(*cmd)
    table = ok(*cmd).decode("utf-8")
    header, said = _header_and_said(table)
    for name in rows[0]:
        assert (name in header) != bool(re.search(rf"\b{name}\b", said)), (name, header, said)
    shown = [{k: v for k, v in r.items() if k in header} for r in rows]
    missing = [c for c in _expected_cells(shown) if c not in table]
    assert not missing, f"{len(missing)} cells cut or wrapped, e.g. {missing[:3]}"


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_piped_table_keeps_csv_numbers_grouped_and_whole(cmd: tuple[str, ...]) -> None:
    """Every csv value of a numeric column is in the table, with thousands separators."""
    rows = json_rows(*cmd)
    numeric = numeric_columns(rows)
    parsed = csv_rows(ok(*cmd, "-f", "csv"))
    header, body = parsed[0], parsed[1:]
    table = ok(*cmd, "--wide").decode("utf-8")
    for line in body:
        for name, cell in zip(header, line, strict=True):
            if name not in numeric or not cell:
                continue
            number = float(cell) if "." in cell else int(cell)
            if isinstance(number, int) and name != "year" and not name.endswith("_year"):
                assert f"{abs(number):,}" in table, (name, cell)
            elif isinstance(number, int):
                assert cell in table, (name, cell)
            elif name.endswith("_pct"):
                assert f"{abs(number):,.2f} %" in table, (name, cell)
            else:
                assert cell.lstrip("-") in table or f"{abs(number):,}" in table, (name, cell)


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_piped_table_notes_are_not_wrapped(cmd: tuple[str, ...]) -> None:
    lines = ok(*cmd).decode("utf-8").splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("note: ")), None)
    if first is None:
        return
    after = [line for line in lines[first:] if line.strip()]
    assert all(line.startswith("note: ") for line in after), after[:4]


@pytest.mark.parametrize("cmd", [("sales", "--year", "2017"), ("ev", "pace"),
                                 ("sales", "--summary"), ("plants", "--by", "country")],
                         ids=["sales-2017", "ev-pace", "sales-summary", "plants-by-country"])
def test_piped_table_caption_is_not_wrapped(cmd: tuple[str, ...]) -> None:
    """The caption names the source and period on one line: a pipe never wraps."""
    lines = ok(*cmd).decode("utf-8").splitlines()
    caption = [line for line in lines if line.startswith(("Source:", "Sources:"))]
    assert len(caption) == 1, lines
    assert "Figures cover" in caption[0], f"caption wrapped on a pipe: {caption[0].strip()!r}"


def test_piped_table_ignores_a_small_columns_setting() -> None:
    """COLUMNS describes a terminal; on a pipe the table is still whole."""
    rows = json_rows("plants")
    table = ok("plants", "--wide", env=clean_env(COLUMNS="40")).decode("utf-8")
    missing = [c for c in _expected_cells(rows) if c not in table]
    assert not missing, missing[:3]
    assert "── 1 of" not in table  # no record layout either: a pipe has room for the table


# --- a pseudo-terminal: colour, width ------------------------------------------------------


def test_table_on_a_terminal_has_colour() -> None:
    code, out, err = pty_run(["sales", "--year", "2017"], tty_env())
    assert code == 0, err
    assert ESC in out
    plain = ANSI.sub("", out.decode("utf-8"))
    assert "3,761,634" in plain


@pytest.mark.parametrize("extra,args", [
    ({"NO_COLOR": "1"}, []),
    ({"NO_COLOR": ""}, []),  # the contract: NO_COLOR set to any value
    ({"TERM": "dumb"}, []),
    ({}, ["--no-color"]),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, []),
], ids=["NO_COLOR=1", "NO_COLOR-empty", "TERM=dumb", "--no-color", "NO_COLOR-beats-FORCE"])
def test_no_colour_on_a_terminal_when_asked(extra: dict[str, str], args: list[str]) -> None:
    code, out, err = pty_run(["sales", "--year", "2017", *args], tty_env(**extra))
    assert code == 0, err
    assert ESC not in out, out[:200]
    assert b"3,761,634" in out


@pytest.mark.parametrize("fmt", MACHINE)
def test_machine_format_on_a_terminal_has_no_escape_codes(fmt: str) -> None:
    code, out, err = pty_run(["sales", "--year", "2017", "-f", fmt], tty_env())
    assert code == 0, err
    assert ESC not in out
    assert b"3761634" in out


def test_force_color_on_a_pipe_colours_a_table() -> None:
    r = run("sales", "--year", "2017", env=clean_env(TERM="xterm-256color", FORCE_COLOR="1"))
    assert r.code == 0
    assert ESC in r.raw
    assert "3,761,634" in ANSI.sub("", r.out)


@pytest.mark.parametrize("fmt", [*MACHINE, "markdown", "github", "grid", "html"])
def test_force_color_never_colours_other_formats(fmt: str) -> None:
    env = clean_env(TERM="xterm-256color", FORCE_COLOR="1")
    raw = ok("sales", "--year", "2017", "-f", fmt, env=env)
    assert ESC not in raw
    assert raw == ok("sales", "--year", "2017", "-f", fmt)


def test_no_colour_on_a_pipe_by_default() -> None:
    for env in (clean_env(TERM="xterm-256color"), clean_env()):
        assert ESC not in ok("sales", "--year", "2017", env=env)


def test_narrow_terminal_wraps_text_but_never_numbers() -> None:
    rows = json_rows("plants")
    code, out, err = pty_run(["plants", "--wide", "--no-pager"],
                             tty_env(NO_COLOR="1", COLUMNS="70"), cols=70)
    assert code == 0, err
    text = ANSI.sub("", out.decode("utf-8"))
    piped = ok("plants", "--no-color", "--wide").decode("utf-8")
    assert len(text.splitlines()) > len(piped.splitlines())  # text wrapped to fit 70 columns
    for row in rows:
        for col in ("capacity", "initial_capacity", "investment"):
            v = row[col]
            if v is not None:
                assert f"{v:,}" in text, (col, v)


# --- machine formats: csv, tsv, json, jsonl carry the same rows -----------------------------


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_csv_is_json_exactly(cmd: tuple[str, ...]) -> None:
    rows = json_rows(*cmd)
    raw = ok(*cmd, "-f", "csv")
    assert b"\r" not in raw  # \n line ends (the bundled text has no CR of its own)
    parsed = csv_rows(raw)
    assert parsed[0] == list(rows[0])  # the header is the json keys, in order
    assert parsed[1:] == [[csv_cell(v) for v in r.values()] for r in rows]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", h) for h in parsed[0]), parsed[0]


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_jsonl_and_tsv_are_json_exactly(cmd: tuple[str, ...]) -> None:
    rows = json_rows(*cmd)
    lines = ok(*cmd, "-f", "jsonl").decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == rows
    tsv = ok(*cmd, "-f", "tsv").decode("utf-8")
    assert tsv.endswith("\n")
    table = [[tsv_unescape(f) for f in line.split("\t")] for line in tsv[:-1].split("\n")]
    assert table[0] == list(rows[0])
    assert table[1:] == [[csv_cell(v) for v in r.values()] for r in rows]


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_no_header_drops_only_the_header(cmd: tuple[str, ...]) -> None:
    full = csv_rows(ok(*cmd, "-f", "csv"))
    bare = csv_rows(ok(*cmd, "-f", "csv", "--no-header"))
    assert bare == full[1:]
    tsv_full = ok(*cmd, "-f", "tsv").split(b"\n")
    assert ok(*cmd, "-f", "tsv", "--no-header").split(b"\n") == tsv_full[1:]


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_json_is_strict_json(cmd: tuple[str, ...]) -> None:
    text = ok(*cmd, "-f", "json").decode("utf-8")

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in json output")

    rows = json.loads(text, parse_constant=refuse)
    keys = list(rows[0])
    assert all(list(r) == keys for r in rows)


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_csv_through_sqlite_gives_the_json_values(cmd: tuple[str, ...]) -> None:
    """Import the csv into SQLite (numeric affinity where json has numbers): same values."""
    rows = json_rows(*cmd)
    numeric = numeric_columns(rows)
    parsed = csv_rows(ok(*cmd, "-f", "csv"))
    header = parsed[0]
    db = sqlite3.connect(":memory:")
    cols = ", ".join(f'"{h}" {"NUMERIC" if h in numeric else "TEXT"}' for h in header)
    db.execute(f"CREATE TABLE t ({cols})")
    marks = ", ".join("?" for _ in header)
    db.executemany(f"INSERT INTO t VALUES ({marks})",
                   [[None if (c == "" and h in numeric) else c for h, c in zip(header, r,
                                                                              strict=True)]
                    for r in parsed[1:]])
    got = db.execute("SELECT * FROM t ORDER BY rowid").fetchall()
    want = [tuple(v if k in numeric else csv_cell(v) for k, v in r.items()) for r in rows]
    assert got == want
    for r in got:  # numbers came back as numbers, with their own type
        for h, v in zip(header, r, strict=True):
            if h in numeric and v is not None:
                assert isinstance(v, int | float), (h, v)


def test_sales_csv_holds_the_source_figures() -> None:
    parsed = csv_rows(ok("sales", "-f", "csv"))
    header = parsed[0]
    assert header[:3] == ["year", "member", "units"]
    got = {(int(r[0]), r[1]): r[2] for r in parsed[1:]}
    assert got[(2017, "Renault")] == "3761634"
    want = {(s["year"], s["member"]): str(s["units"]) for s in bundled("sales")["records"]}
    assert got == want  # nothing lost, nothing added, nothing reformatted


def test_sales_in_sqlite_sum_to_the_source_totals() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE sales (year INTEGER, member TEXT, units INTEGER, share_pct REAL, "
               "yoy_units INTEGER, yoy_pct REAL, qualifier TEXT)")
    parsed = csv_rows(ok("sales", "-f", "csv"))
    db.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [[c if c != "" else None for c in r] for r in parsed[1:]])
    sums = dict(db.execute("SELECT year, SUM(units) FROM sales GROUP BY year").fetchall())
    totals = {t["year"]: t["units"] for t in bundled("sales")["totals"]}
    assert {y: sums[y] for y in totals} == totals  # every stated total, article's or not
    assert set(totals) >= set(range(2011, 2021))
    assert sums[2017] == 10_608_366
    (renault,) = db.execute("SELECT units FROM sales WHERE member = 'Renault' AND year = 2017"
                            ).fetchone()
    assert renault == 3_761_634 and isinstance(renault, int)
    for (year, share) in db.execute("SELECT year, SUM(share_pct) FROM sales GROUP BY year"):
        assert abs(share - 100) < 0.05, (year, share)


def test_sales_by_year_csv_holds_the_source_totals() -> None:
    rows = csv_rows(ok("sales", "--by", "year", "-f", "csv"))
    assert rows[0][:2] == ["year", "units"]
    got = {int(r[0]): int(r[1]) for r in rows[1:]}
    totals = {t["year"]: t["units"] for t in bundled("sales")["totals"]}
    assert {y: got[y] for y in totals} == totals
    assert {int(r[0]) for r in rows[1:] if r[-1] == "true"} >= set(totals)


def plain(text: Any) -> Any:
    """Text as the loader gives it outside quotes: odd spaces read as plain ones."""
    from alliancecli.loader import PLAIN_SPACES

    return text.translate(PLAIN_SPACES) if isinstance(text, str) else text


def test_timeline_json_holds_every_event_exactly() -> None:
    got = Counter((r["date"], r["event"], tuple(r["tags"]), r["kind"], tuple(r["members"]),
                   r["date_note"]) for r in json_rows("timeline"))
    want = Counter((e["date"], e["event"], tuple(e["tags"]), e["kind"], tuple(e["members"]),
                    e.get("date_note")) for e in bundled("timeline")["events"])
    assert got == want
    csv_got = Counter(tuple(r[1:]) for r in csv_rows(ok("timeline", "-f", "csv"))[1:])
    csv_want = Counter((d or "", str(int(d[:4])) if d else "", ev, ";".join(t), k, ";".join(m),
                        n or "") for d, ev, t, k, m, n in want.elements())
    assert csv_got == csv_want


def test_plants_json_holds_every_site_exactly() -> None:
    got = {r["name"]: (r["city"], r["country"], r["operator"], r["opened"], r["capacity"],
                       r["capacity_unit"], r["products"], r["investment"], r["currency"])
           for r in json_rows("plants", "--include-others")}
    want = {p["name"]: (p.get("city"), p["country"], p.get("operator"), p.get("opened"),
                        p.get("capacity"), p.get("capacity_unit"), p.get("products", []),
                        p.get("investment"), p.get("currency"))
            for p in bundled("plants")["plants"]}
    assert got == want


def test_ev_milestones_json_holds_every_milestone_exactly() -> None:
    got = Counter((r["date"], r["subject"], r["metric"], r["units"], r["text"], r["alt_date"],
                   r["qualifier"]) for r in json_rows("ev", "milestones", "--include-others"))
    want = Counter((m["date"], m["subject"], m["metric"], m.get("units"), plain(m["text"]),
                    m.get("alt_date"), m.get("qualifier"))
                   for m in bundled("ev")["milestones"])
    assert got == want


def test_ev_models_figures_are_stored_figures() -> None:
    stored = {(m["subject"], m["date"], m["metric"], m.get("units"))
              for m in bundled("ev")["milestones"]}
    rows = json_rows("ev", "models", "--history")
    assert rows
    for r in rows:
        assert (r["model"], r["as_of"], r["metric"], r["units"]) in stored, r


def test_stakes_history_json_holds_every_stake_exactly() -> None:
    got = Counter((r["holder"], r["target"], r["pct"], r["voting"], r["since"], r["until"])
                  for r in json_rows("stakes", "--history"))
    want = Counter((" + ".join(s["holder"]), " + ".join(s["target"]), s.get("pct"),
                    s.get("voting"), s["since"], s.get("until"))
                   for s in bundled("stakes")["stakes"])
    assert got == want


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_machine_formats_carry_data_rows_only(cmd: tuple[str, ...]) -> None:
    """No footer, title or note on stdout, and nothing on a piped stderr."""
    r = run(*cmd, "-f", "csv")
    assert r.code == 0 and r.err == ""
    body = csv_rows(r.raw)[1:]
    assert len(body) == len(json_rows(*cmd))
    assert not any(row and row[0] in ("Total", "note") for row in body)


# --- shaping: --columns, --sort, --desc, --limit -------------------------------------------


def test_columns_select_and_order() -> None:
    rows = csv_rows(ok("sales", "--year", "2017", "-f", "csv", "-c", "units,member"))
    assert rows == [["units", "member"], ["1030454", "Mitsubishi"], ["5816278", "Nissan"],
                    ["3761634", "Renault"]]


def test_sort_desc_limit() -> None:
    rows = json_rows("sales", "--sort", "units", "--desc", "--limit", "3")
    records = sorted(bundled("sales")["records"], key=lambda s: s["units"], reverse=True)
    assert [(r["year"], r["member"], r["units"]) for r in rows] == [
        (s["year"], s["member"], s["units"]) for s in records[:3]]
    assert json_rows("sales", "--limit", "0") == []


def test_pipe_detection_never_changes_rows_or_columns() -> None:
    """A pty and a pipe show the same cells."""
    table_pipe = ok("sales", "--year", "2017", "--no-color").decode("utf-8")
    code, out, _ = pty_run(["sales", "--year", "2017"], tty_env(NO_COLOR="1"))
    assert code == 0
    on_tty = ANSI.sub("", out.decode("utf-8")).replace("\r\n", "\n")
    cells = ["3,761,634", "5,816,278", "1,030,454", "+18.19 %", "35.46 %", "Mitsubishi"]
    for c in cells:
        assert c in table_pipe and c in on_tty, c


# --- exit codes and messages ----------------------------------------------------------------


USAGE_ERRORS: list[tuple[list[str], list[str]]] = [
    (["sales", "--year", "1990"], ["1990", "2011", "2025"]),
    (["sales", "--member", "nisan"], ["nisan", "did you mean", "nissan"]),
    (["sales", "--from", "2018", "--to", "2011"], ["2018", "2011"]),
    (["sales", "--year", "abc"], ["--year", "abc"]),
    (["sales", "--columns", "nope"], ["nope", "units", "member"]),
    (["sales", "--sort", "nope"], ["nope", "units"]),
    (["sales", "--bogus"], ["--bogus"]),
    (["sales", "-f", "nope"], ["nope", "csv"]),
    (["timeline", "--tag", "nope"], ["nope", "ownership"]),
    (["timeline", "--year", "1950"], ["1950"]),
    (["plants", "--country", "atlantis"], ["atlantis", "brazil"]),
    (["ev", "models", "--model", "cybertruck"], ["cybertruck", "leaf"]),
    (["ev", "milestones", "--date", "2015-13"], ["2015-13"]),
    (["stakes", "--as-of", "1900"], ["1999"]),
    (["stakes", "--holder", "toyota"], ["toyota"]),
    (["nope"], ["nope"]),
]


@pytest.mark.parametrize("args,needles", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_error_is_one_line_exit_2(args: list[str], needles: list[str]) -> None:
    r = run(*args)
    assert r.code == 2, (r.code, r.err)
    assert r.out == ""
    assert r.err.endswith("\n") and r.err.count("\n") == 1, r.err
    assert r.err.startswith("alliance: error: ")
    low = r.err.lower()
    for n in needles:
        assert n.lower() in low, (n, r.err)


def test_valid_filter_matching_nothing_is_success() -> None:
    args = ("plants", "--min-capacity", "100000000")
    csv_out = run(*args, "-f", "csv")
    assert csv_out.code == 0 and csv_out.err == ""
    assert csv_rows(csv_out.raw) == [csv_rows(ok("plants", "-f", "csv"))[0]]
    assert json.loads(ok(*args, "-f", "json")) == []
    assert ok(*args, "-f", "jsonl") == b""
    table = run(*args)
    assert table.code == 0 and "note: " in table.out and "name" in table.out


def test_format_from_environment() -> None:
    raw = ok("sales", "--year", "2017", env=clean_env(ALLIANCE_FORMAT="csv"))
    assert raw == ok("sales", "--year", "2017", "-f", "csv")


def test_quiet_drops_notes() -> None:
    assert "note: " in ok("sales", "--year", "2017").decode("utf-8")
    assert "note: " not in ok("sales", "--year", "2017", "--quiet").decode("utf-8")


def test_output_does_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.json").write_text("{}", "utf-8")
    r = run("sales", "--year", "2017", "-f", "csv", cwd=tmp_path)
    assert r.code == 0 and r.raw == ok("sales", "--year", "2017", "-f", "csv")


# --- streams that are closed, full, or terminals --------------------------------------------


@pytest.mark.parametrize("cmd", COMMANDS, ids=CMD_IDS)
def test_every_command_quiet_when_the_reader_takes_one_line(cmd: tuple[str, ...],
                                                            tmp_path: Path) -> None:
    err = tmp_path / "stderr"
    p = shell(PIPELINE.format(reader=READERS["head-1"]), str(err), str(BIN), *cmd)
    assert err.read_bytes() == b"" and p.stderr == b""
    assert p.returncode in (0, 141)


@pytest.mark.parametrize("fmt", [*MACHINE, "table", "markdown"])
@pytest.mark.parametrize("cmd", [("sales",), ("timeline",), ("stakes", "--history"),
                                 ("sql", "SELECT * FROM plants"), ("ev", "pace", "--chart")],
                         ids=["sales", "timeline", "stakes", "sql", "chart"])
def test_a_reader_that_has_gone_is_exit_141_for_every_format(cmd: tuple[str, ...],
                                                             fmt: str) -> None:
    """The read end is closed before alliance writes: EPIPE at the first write, every time."""
    if "--chart" in cmd and fmt != "table":
        pytest.skip("a chart is drawn only as a table")
    r, w = os.pipe()
    os.close(r)
    args = [*cmd] if "--chart" in cmd else [*cmd, "-f", fmt]
    p = subprocess.run([str(BIN), *args], stdout=w, stderr=subprocess.PIPE, env=clean_env(),
                       cwd="/", timeout=60)
    os.close(w)
    assert p.stderr == b"", p.stderr
    assert p.returncode == 141


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_every_byte_reaches_a_slow_reader_of_a_non_blocking_pipe(fmt: str,
                                                                 big_data: Path) -> None:
    """PYTHONUNBUFFERED=1 makes stdout a raw file whose writes can stop short on a full,
    non-blocking pipe; every byte must still arrive, or the run must fail."""
    args = [str(BIN), "--data", str(big_data), "timeline", "-f", fmt]
    expected = subprocess.run(args, capture_output=True, env=clean_env(), cwd="/",
                              timeout=60).stdout
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
    p = subprocess.Popen(args, stdout=w, stderr=subprocess.PIPE,
                         env=clean_env(PYTHONUNBUFFERED="1"), cwd="/")
    os.close(w)
    # A slow reader: take nothing until the pipe is full (the writer then meets EAGAIN).
    while True:
        pending = struct.unpack("i", fcntl.ioctl(r, termios.FIONREAD, b"\0\0\0\0"))[0]
        if pending >= 65536 or p.poll() is not None:
            break
        select.select([r], [], [], 0.05)
    with os.fdopen(r, "rb") as reader:
        got = reader.read()
    assert p.wait(timeout=60) == 0, p.stderr.read() if p.stderr else b""
    assert got == expected


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_closed_stdout_is_no_traceback(fmt: str) -> None:
    """`alliance ... >&-`: there is no reader at all; end without a traceback."""
    p = shell('"$@" >&-', str(BIN), "sales", "--year", "2017", "-f", fmt)
    err = p.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    assert err.count("\n") <= 1, err
    assert p.returncode == 1


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "tsv"])
def test_closed_stderr_changes_nothing_on_stdout(fmt: str) -> None:
    """`alliance ... 2>&-`: the data still comes out whole, and the run still succeeds."""
    p = shell('"$@" 2>&-', str(BIN), "sales", "--year", "2017", "-f", fmt)
    assert p.returncode == 0, p.stdout.decode("utf-8", "replace")[-300:]
    assert p.stdout == ok("sales", "--year", "2017", "-f", fmt)


def test_closed_stdin_changes_nothing() -> None:
    p = shell('"$@" <&-', str(BIN), "sales", "--year", "2017", "-f", "csv")
    assert p.returncode == 0 and p.stderr == b""
    assert p.stdout == ok("sales", "--year", "2017", "-f", "csv")


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_full_disk_is_a_one_line_error(fmt: str) -> None:
    """Writing to /dev/full fails with ENOSPC: a runtime error, one line, not an 'internal' bug."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    p = shell('"$@" >/dev/full', str(BIN), "timeline", "-f", fmt)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 1, (p.returncode, err)
    assert "Traceback" not in err, err
    assert "internal error" not in err and "this is a bug" not in err, err
    assert err.count("\n") == 1 and err.startswith("alliance: error:"), err


def test_notes_go_to_stderr_only_when_it_is_a_terminal() -> None:
    """Machine formats: notes on a terminal stderr, none on a piped one, none with --quiet."""
    args = ["sales", "--year", "2017", "-f", "csv"]
    for quiet in (False, True):
        code, terminal, out = pty_run(args + (["--quiet"] if quiet else []), tty_env(),
                                      terminal="stderr")
        assert code == 0
        assert out == ok("sales", "--year", "2017", "-f", "csv")  # stdout: data only
        err = terminal.decode("utf-8")
        if quiet:
            assert "note:" not in err, err
        else:
            assert "AvtoVAZ" in err and "note" in err, err
    assert run("sales", "--year", "2017", "-f", "csv").err == ""


@pytest.mark.parametrize("fmt", MACHINE)
def test_repeated_column_is_the_same_in_every_format(fmt: str) -> None:
    """`-c units,units`: either a usage error, or every format has the same columns as json."""
    r = run("sales", "--year", "2017", "-c", "units,member,units", "-f", fmt)
    if r.code == 2:
        assert r.err.count("\n") == 1
        return
    assert r.code == 0, r.err
    keys = list(json_rows("sales", "--year", "2017", "-c", "units,member,units")[0])
    if fmt == "csv":
        assert csv_rows(r.raw)[0] == keys
    elif fmt == "tsv":
        assert r.out.split("\n")[0].split("\t") == keys
    else:
        first = r.out.lstrip("[\n").splitlines()[0].rstrip(",")
        assert list(json.loads(first)) == keys
        assert first.count('"units"') == 1, first
