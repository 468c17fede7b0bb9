"""Property tests over structured argv: every command, every option, valid and hostile values.

The only acceptable endings with the bundled data are exit 0 (clean stderr, parseable machine
output, no escape codes on a non-terminal) or exit 2 with one stderr line starting
``alliance: error:``. Never a traceback, never exit 1. Examples run in-process through
``alliancecli.cli.main(argv)`` for speed, plus a few through the real console script.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import BIN, clean_env, csv_cell, run

SURROGATE = b"\xff".decode("utf-8", "surrogateescape")  # what Python makes of argv byte 0xff
HOSTILE = [
    "[/]", "[bold]x[/bold]", "\x1b", "\x1b[2J", "\x07", "\u202e", "", " ", "-", "--", "-1", "0",
    str(10**30), "-" + str(10**30), "9" * 5000, SURROGATE, "a" + SURROGATE + "b",
    os.fsdecode(b"\xc3\x28"), "NaN", "inf", "1e9999", "\uff12\uff10\uff11\uff17", "2017 ",
    "%s", "{0}", "\\", "'", '"', ",", ",,", "=1+1", "@SUM(A1)", "x" * 300, "\u00e9", "\t", "\n",
]
FORMATS = [
    "table", "csv", "tsv", "json", "jsonl", "markdown", "github", "grid", "rst", "html", "latex",
    "plain", "psql", "simple", "pipe", "orgtbl", "mediawiki", "tsv_tabulate", "unsafehtml",
    "CSV", " json ",
]
MACHINE = {"csv", "tsv", "json", "jsonl"}

# The stable column names of each command (README): --columns and --sort draw from these.
COLUMNS: dict[str, list[str]] = {
    "sales": ["year", "member", "units", "share_pct", "yoy_units", "yoy_pct", "lfl_pct",
              "from_year", "to_year", "start_units", "end_units", "cagr_pct", "peak_year",
              "peak_units"],
    "ev milestones": ["date", "subject", "subject_type", "metric", "units", "qualifier", "text",
                      "alt_date", "note"],
    "ev models": ["model", "maker", "units", "metric", "as_of", "qualifier", "covers", "note"],
    "ev pace": ["from_date", "to_date", "from_units", "to_units", "added_units", "months",
                "units_per_month"],
    "stakes": ["holder", "target", "pct", "voting", "since", "until", "qualifier", "note"],
    "timeline": ["date", "year", "event", "tags", "kind", "members", "date_note"],
    "plants": ["name", "city", "country", "operator", "opened", "capacity", "capacity_unit",
               "capacity_qualifier", "initial_capacity", "products", "investment", "currency",
               "investment_qualifier", "facility_type", "note", "sites", "vehicle_plants",
               "vehicle_capacity", "capacity_partial"],
}
COMMON = ["source", "quote"]

# Years in and around the data, and far outside it (an open range must not cost its width).
YEARS = [str(y) for y in range(1985, 2026)] + ["0", "1", "9999", "-100000000000",
                                                 "100000000000", str(10**30)]


@dataclass(frozen=True)
class Opt:
    """One option: its spellings, and the valid values it takes (empty for a flag)."""

    names: tuple[str, ...]
    valid: tuple[str, ...] = ()
    repeat: bool = False

    @property
    def flag(self) -> bool:
        return not self.valid


def _opts(**spec: Opt) -> dict[str, Opt]:
    return spec


YEAR_OPTS = _opts(year=Opt(("--year", "-y"), tuple(YEARS)),
                  from_=Opt(("--from",), tuple(YEARS)), to=Opt(("--to",), tuple(YEARS)))

OPTIONS: dict[str, dict[str, Opt]] = {
    "sales": {
        **YEAR_OPTS,
        "member": Opt(("--member", "-m"), ("renault", "Nissan", "mitsu", "AvtoVAZ", "lada",
                                             "groupe renault", "NISSAN", "nisan"), True),
        "by": Opt(("--by",), ("member", "year")),
        "summary": Opt(("--summary",)),
        "chart": Opt(("--chart",)),
    },
    "ev milestones": {
        **YEAR_OPTS,
        "date": Opt(("--date", "-d"), ("2015-12", "2013", "2019-12", "2010-07", "2016-10-20",
                                       "2015-02-30", "1990")),
        "subject": Opt(("--subject",), ("alliance", "nissan leaf", "leaf", "twitzy", "zoe",
                                        "tesla", "Groupe Renault", "nissan")),
        "metric": Opt(("--metric",), ("sales", "production", "launch")),
    },
    "ev models": {
        "model": Opt(("--model",), ("leaf", "twizy", "Twitzy", "zoe", "i-miev", "kangoo",
                                    "renault", "Tesla Model 3")),
        "history": Opt(("--history",)),
    },
    "ev pace": {"chart": Opt(("--chart",))},
    "stakes": {
        "as_of": Opt(("--as-of", "-a"), ("1999", "2002-03", "2016-10-20", "2020", "1999-03-27",
                                          "1999-03-26", "2018-12", "2100")),
        "holder": Opt(("--holder",), ("renault", "nissan", "mitsubishi", "daimler",
                                      "french government", "dongfeng", "NEC", "avtovaz"), True),
        "target": Opt(("--target",), ("renault", "nissan", "mitsubishi", "aesc", "avtovaz",
                                      "rnbv", "Renault-Nissan BV"), True),
        "history": Opt(("--history",)),
    },
    "timeline": {
        **YEAR_OPTS,
        "tag": Opt(("--tag", "-t"), ("ownership", "ev", "plant", "leadership", "sales", "gov",
                                     "strategy"), True),
        "search": Opt(("--search", "-S"), ("ghosn", "Nissan", "\u00e9lectrique", "2016", "e",
                                           "leaf", "RENAULT")),
        "member": Opt(("--member", "-m"), ("renault", "nissan", "daimler", "mitsubishi",
                                           "avtovaz"), True),
        "kind": Opt(("--kind",), ("event", "plan")),
    },
    "plants": {
        "country": Opt(("--country",), ("brazil", "france", "russia", "japan", "united",
                                        "south korea", "Mexico", "morocco"), True),
        "operator": Opt(("--operator",), ("nissan", "renault", "daimler", "aesc")),
        "type": Opt(("--type",), ("vehicle_plant", "engine_plant", "battery_plant", "warehouse",
                                  "research_centre", "design_studio", "technical_centre")),
        "min_capacity": Opt(("--min-capacity",), ("0", "100000", "300000", "1000000")),
        "city": Opt(("--city",), ("tangier", "tangiers", "sao jose", "Chennai", "togliatti",
                                  "Sunderland")),
        "by": Opt(("--by",), ("plant", "country")),
        "chart": Opt(("--chart",)),
    },
}


def output_opts(command: str) -> dict[str, Opt]:
    cols = tuple(COLUMNS[command] + COMMON)
    return {
        "format": Opt(("--format", "-f"), tuple(FORMATS)),
        "columns": Opt(("--columns", "-c"), cols),
        "sort": Opt(("--sort", "-s"), cols),
        "desc": Opt(("--desc",)),
        "limit": Opt(("--limit", "-n"), ("0", "1", "3", "1000")),
        "no_header": Opt(("--no-header",)),
        "shorthand": Opt(("--csv", "--tsv", "--json", "--jsonl")),
        "cite": Opt(("--cite",)),
        "excel_safe": Opt(("--excel-safe",)),
        "no_color": Opt(("--no-color",)),
        "quiet": Opt(("--quiet", "-q")),
    }


# --- running in-process ---------------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    out: bytes
    err: str
    argv: list[str] = field(default_factory=list)


class Hang(Exception):
    """Raised by the watchdog: one command line ran for seconds."""


def _hang(signum: int, frame: object) -> None:
    raise Hang(f"still running after {WATCHDOG_SECONDS} s")


WATCHDOG_SECONDS = 5.0
MEMORY_HEADROOM = 1 << 30


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    """Cap one in-process run: a hang or a runaway allocation fails the example, not CI.

    A MemoryError or Hang inside ``main`` comes back as its "internal error", exit 1.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _vm_size() + MEMORY_HEADROOM
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def call(argv: list[str]) -> Outcome:
    """Run ``main(argv)`` with stdout and stderr on byte buffers that are not terminals."""
    from alliancecli.cli import main

    out_buf, err_buf = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_buf, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_buf, encoding="utf-8", errors="backslashreplace",
                           write_through=True)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        with bounded():
            code = main(list(argv))
        out.flush()
        err.flush()
    finally:
        sys.stdout, sys.stderr = saved
    return Outcome(code, out_buf.getvalue(), err_buf.getvalue().decode("utf-8", "replace"),
                   list(argv))


@pytest.fixture(scope="module", autouse=True)
def clean_environment() -> Iterator[None]:
    """No colour, format, data or width settings from the developer's shell."""
    with mock.patch.dict(os.environ, clean_env(), clear=True):
        yield


def check_ending(o: Outcome, fmt: str | None = None, no_header: bool = False) -> None:
    """The only acceptable endings: exit 0, or exit 2 with one line of error."""
    where = f"argv={o.argv!r}"
    assert "Traceback" not in o.err, f"{where}\n{o.err}"
    assert o.code in (0, 2), f"{where}: exit {o.code}: {o.err}"
    if o.code == 2:
        assert o.err.startswith("alliance: error:"), f"{where}: {o.err!r}"
        assert o.err.endswith("\n") and o.err.count("\n") == 1, f"{where}: {o.err!r}"
        assert o.out == b"", f"{where}: stdout on a usage error: {o.out[:200]!r}"
        return
    assert o.err == "", f"{where}: stderr on success: {o.err!r}"
    assert b"\x1b" not in o.out, f"{where}: escape codes on a non-terminal"
    text = o.out.decode("utf-8")  # strict: output is UTF-8
    kind = None if fmt is None else fmt.strip().lower()
    if kind == "json":
        rows = json.loads(text, parse_constant=_no_constant)
        assert isinstance(rows, list), where
    elif kind == "jsonl":
        for line in text.splitlines():
            assert isinstance(json.loads(line, parse_constant=_no_constant), dict), where
    elif kind == "csv":
        table = list(csv.reader(io.StringIO(text, newline="")))
        assert len({len(r) for r in table}) <= 1, where
        assert no_header or table, where
    elif kind == "tsv":
        lines = text.split("\n")
        assert lines[-1] == "", where
        assert len({line.count("\t") for line in lines[:-1]}) <= 1, where


def _no_constant(name: str) -> None:
    raise AssertionError(f"{name} in JSON output")


# --- strategies -----------------------------------------------------------------------------


def values(opt: Opt, hostile: bool) -> st.SearchStrategy[str]:
    valid = st.sampled_from(opt.valid)
    if not hostile:
        return valid
    junk = st.one_of(
        st.sampled_from(HOSTILE),
        st.text(st.characters(exclude_characters="\x00"), max_size=12),
        st.binary(min_size=1, max_size=6).map(lambda b: b.decode("utf-8", "surrogateescape")
                                              .replace("\x00", "")),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
    )
    return st.one_of(valid, valid, junk)


@st.composite
def argvs(draw: st.DrawFn, command: str, hostile: bool = True,
          output: bool = True) -> tuple[list[str], str | None, bool]:
    """A command line: the command, some of its options in any order, spelled any way."""
    spec = dict(OPTIONS[command])
    if output:
        spec.update(output_opts(command))
    chosen = draw(st.lists(st.sampled_from(sorted(spec)), unique=True,
                           max_size=min(6, len(spec))))
    parts: list[list[str]] = []
    fmt: str | None = None
    for key in chosen:
        opt = spec[key]
        name = draw(st.sampled_from(opt.names))
        if opt.flag:
            parts.append([name])
            continue
        count = draw(st.integers(1, 3)) if opt.repeat else 1
        for _ in range(count):
            value = draw(values(opt, hostile))
            if key == "format":
                fmt = value
            if key == "columns" and draw(st.booleans()):
                extra = draw(st.lists(st.sampled_from(opt.valid), max_size=3))
                value = ",".join([value, *extra])
            if name.startswith("--") and draw(st.booleans()):
                parts.append([f"{name}={value}"])
            else:
                parts.append([name, value])
    parts = draw(st.permutations(parts))
    argv = command.split() + [a for p in parts for a in p]
    return argv, fmt, "no_header" in chosen


def _prop_settings(examples: int) -> settings:
    # No shrink phase: a failing example is reported with its argv at once, keeping a red run
    # about as fast as a green one (each failing call may take the watchdog's seconds).
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


COMMANDS = list(OPTIONS)


# --- the properties -------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_any_command_line_ends_in_0_or_a_usage_error(command: str) -> None:
    @_prop_settings(110)
    @given(argvs(command))
    def prop(case: tuple[list[str], str | None, bool]) -> None:
        argv, fmt, no_header = case
        check_ending(call(argv), fmt, no_header)

    prop()


@pytest.mark.parametrize("command", COMMANDS)
def test_valid_values_never_fail_for_a_bad_reason(command: str) -> None:
    """With well-formed values only, output is clean and parses in its format."""
    @_prop_settings(50)
    @given(argvs(command, hostile=False))
    def prop(case: tuple[list[str], str | None, bool]) -> None:
        argv, fmt, no_header = case
        check_ending(call(argv), fmt, no_header)

    prop()


@given(st.lists(st.sampled_from(["--version", "-V", "--help", "-h", "--bogus",
                                 "sales", "ev", "pace", "models", "-f", "csv", "--",
                                 "\x1b", SURROGATE, "[/]"]), max_size=5))
@_prop_settings(60)
def test_global_options_and_stray_words(argv: list[str]) -> None:
    o = call(argv)
    assert "Traceback" not in o.err, o.err
    assert o.code in (0, 2), (argv, o.code, o.err)
    if o.code == 2:
        assert o.err.startswith("alliance: error:") and o.err.count("\n") == 1, o.err


@pytest.mark.parametrize("command", COMMANDS)
def test_machine_formats_agree_for_any_filter(command: str) -> None:
    """The same rows feed every format: csv, tsv and jsonl say what json says."""
    @_prop_settings(25)
    @given(argvs(command, hostile=False, output=False))
    def prop(case: tuple[list[str], str | None, bool]) -> None:
        argv = [a for a in case[0] if a != "--chart"]
        j = call([*argv, "-f", "json"])
        check_ending(j, "json")
        results = {f: call([*argv, "-f", f]) for f in ("csv", "tsv", "jsonl")}
        if j.code != 0:
            assert all(r.code == j.code and r.err == j.err for r in results.values()), argv
            return
        rows = json.loads(j.out)
        jsonl = [json.loads(line) for line in results["jsonl"].out.splitlines()]
        assert jsonl == rows, argv
        parsed = list(csv.reader(io.StringIO(results["csv"].out.decode("utf-8"), newline="")))
        header = parsed[0]
        assert all(list(r) == header for r in rows), argv
        assert parsed[1:] == [[csv_cell(v) for v in r.values()] for r in rows], argv
        tsv = results["tsv"].out.decode("utf-8").split("\n")
        assert len(tsv) == len(rows) + 2 and tsv[0].split("\t") == header, argv

    prop()


def _sort_key(v: Any) -> Any:
    if isinstance(v, str):
        return v.casefold()
    if isinstance(v, list):
        return ";".join(v).casefold()
    return v


@pytest.mark.parametrize("command", COMMANDS)
def test_shaping_options_select_sort_and_cut(command: str) -> None:
    """--columns projects, --sort orders (missing last), --limit keeps a prefix."""
    @_prop_settings(20)
    @given(argvs(command, hostile=False, output=False), st.data())
    def prop(case: tuple[list[str], str | None, bool], data: st.DataObject) -> None:
        argv = [a for a in case[0] if a != "--chart"]
        full = call([*argv, "-f", "json"])
        check_ending(full, "json")
        if full.code != 0:
            return
        rows = json.loads(full.out)
        if not rows:
            return
        names = list(rows[0])
        n = data.draw(st.integers(0, len(rows) + 1))
        limited = json.loads(call([*argv, "-f", "json", "--limit", str(n)]).out)
        assert limited == rows[:n]
        pick = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
        projected = json.loads(call([*argv, "-f", "json", "--columns", ",".join(pick)]).out)
        assert projected == [{k: r[k] for k in pick} for r in rows]
        col = data.draw(st.sampled_from(names))
        desc = data.draw(st.booleans())
        o = call([*argv, "-f", "json", "--sort", col, *(["--desc"] if desc else [])])
        check_ending(o, "json")
        ordered = json.loads(o.out)
        assert sorted(map(json.dumps, ordered)) == sorted(map(json.dumps, rows))
        present = [r[col] for r in ordered if r[col] is not None]
        assert all(r[col] is None for r in ordered[len(present):]), "missing values sort last"
        keys = [_sort_key(v) for v in present]
        assert keys == sorted(keys, reverse=desc), (col, desc)

    prop()


@_prop_settings(14)
@given(st.sampled_from(COMMANDS).flatmap(lambda c: argvs(c)))
def test_subprocess_agrees_with_in_process(case: tuple[list[str], str | None, bool]) -> None:
    """A few examples through the real console script: same ending, same bytes."""
    argv, fmt, no_header = case
    r = run(*argv)
    sub = Outcome(r.code, r.raw, r.err, argv)
    check_ending(sub, fmt, no_header)
    here = call(argv)
    assert (here.code, here.out) == (sub.code, sub.out), argv
    if sub.code == 2:
        assert here.err == sub.err


@pytest.mark.parametrize("argv", [
    ["sales", "--year", str(10**30)],
    ["sales", "--member", SURROGATE],
    ["sales", "--columns", SURROGATE, "-f", "csv"],
    ["timeline", "--search", "a" + SURROGATE],
    ["stakes", "--as-of", "\x1b[2J"],
    ["plants", "--min-capacity", str(10**30)],
    ["ev", "milestones", "--date", "9" * 5000],
    ["ev", "models", "--model", "[/]"],
    ["sales", "-f", "[bold]x[/bold]"],
    ["timeline", "--limit", str(10**30), "-f", "jsonl"],
], ids=lambda a: "-".join(a)[:40].encode("ascii", "backslashreplace").decode())
def test_hostile_argv_through_the_console_script(argv: list[str]) -> None:
    r = run(*argv)
    check_ending(Outcome(r.code, r.raw, r.err, argv))
    assert "\x1b" not in r.err and "\ufffd\ufffd" not in r.err


def _limited() -> None:  # pragma: no cover - runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize("argv", [
    ["sales", "--from", "-100000000000"],
    ["sales", "--to", "100000000000"],
    ["sales", "--by", "year", "--from", "-100000000000"],
    ["sales", "--summary", "--to", "100000000000"],
    ["sales", "--from", "1", "--to", "9999"],
    ["timeline", "--from", "-100000000000"],
    ["timeline", "--to", "100000000000"],
    ["ev", "milestones", "--from", "-100000000000", "--to", "100000000000"],
    ["sales", "--from", str(-(10**30)), "--to", str(10**30)],
], ids=lambda a: " ".join(a))
def test_far_year_ranges_finish_quickly(argv: list[str]) -> None:
    """A range that overlaps the data is valid; its width must cost nothing (1 GiB, 5 s cap)."""
    start = time.monotonic()
    try:
        p = subprocess.run([str(BIN), *argv, "-f", "csv"], capture_output=True, timeout=5,
                           env=clean_env(), cwd="/", preexec_fn=_limited)
    except subprocess.TimeoutExpired:
        pytest.fail(f"alliance {' '.join(argv)} still running after 5 s")
    elapsed = time.monotonic() - start
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode in (0, 2), f"exit {p.returncode}: {err}"
    assert "internal error" not in err and "Traceback" not in err, err
    assert elapsed < 3, f"took {elapsed:.1f} s"
    if p.returncode == 0:
        assert p.stdout.count(b"\n") > 1  # the data rows came out


def _formats_from_the_error_message() -> list[str]:
    """The formats the tool itself calls valid (from its usage error), not a copied list."""
    o = call(["sales", "-f", "no-such-format"])
    assert o.code == 2
    listed = o.err.split("valid:", 1)[1]
    words = set(re.findall(r"\b[a-z][a-z0-9_]*\b", listed)) - {"or", "a", "tabulate", "format"}
    assert {"table", "csv", "tsv", "json", "jsonl", "markdown", "github", "grid"} <= words
    return sorted(words)


EVERY_VIEW = [["sales"], ["sales", "--by", "year"], ["ev", "milestones"], ["ev", "pace"],
              ["stakes"], ["timeline", "--year", "2016"], ["plants", "--by", "country"]]


@pytest.mark.parametrize("view", EVERY_VIEW, ids=[" ".join(v) for v in EVERY_VIEW])
def test_every_format_the_tool_lists_works_for_every_command(view: list[str]) -> None:
    for fmt in _formats_from_the_error_message():
        order = ["--sort", "date"] if view[-1] in ("milestones", "2016") else ["--desc"]
        header = [] if fmt in ("json", "jsonl") else ["--no-header"]
        for extra in ([], ["--cite", "--excel-safe", *header, *order]):
            argv = [*view, "-f", fmt, *extra]
            o = call(argv)
            assert o.code == 0, (argv, o.err)
            check_ending(o, fmt, "--no-header" in extra)
            assert o.out.strip(), argv
