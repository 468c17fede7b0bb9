"""Measure how fast ``alliance`` starts, and how it scales, against baselines run beside it.

Run it with the interpreter of the venv that ``alliance`` is installed in (the script looks for
the ``alliance`` console script beside ``sys.executable``)::

    python -m venv .venv && .venv/bin/pip install . sqlite-utils   # sqlite-utils is optional
    .venv/bin/python benchmarks/bench.py            # the full run, a few minutes
    .venv/bin/python benchmarks/bench.py --quick    # CI: 2 rounds, small sizes, checks it all runs

It needs nothing outside the standard library. Every command runs as a child process with
NO_COLOR=1 and TERM=dumb, its stdout going to a pipe (or to /dev/null for the timeline export),
and ALLIANCE_* variables removed so that the user's settings cannot change what is measured.

Method. Wall time is noisy and differs from machine to machine, so no goal is a number of
seconds: each goal is a ratio between two commands measured side by side in the same run.
The commands of a group run interleaved (A, B, A, B, ...; every other round in reverse order,
so neither side always runs first), one warm-up run of each first, and the verdict uses the
median of the per-round ratios. Medians in ms are shown too, as context only.

The goals (PASS or MISS is printed for each; a MISS does not fail the script, because timing
is noisy: the exit status is non-zero only if a command fails):

sales csv / typer hello  <= 1.25x
    ``alliance sales --year 2017 -f csv`` against ``hello_typer.py``, a one-command typer app
    run by the same interpreter: the CLI should cost little more than typer itself does.
sales csv / python -c pass  (reported only)
    the same against a bare interpreter start, to show how much of it is Python's own start.
sales table / typer hello  <= 1.6x
    ``alliance sales --year 2017`` (a rich table) against the same typer app.
sales csv / sqlite-utils --csv  <= 0.6x, sales table / sqlite-utils --table  <= 0.75x
    against ``sqlite-utils query DB "select ..."`` over the same rows (a database built here
    with sqlite3 from ``alliance sales -f csv``); rows say "not installed" when sqlite-utils
    is not installed beside ``alliance``.
peak RSS, sales csv  <= 30 MiB
    the largest resident set of three csv runs (one with --quick), read from rusage
    (os.wait4). Not from the timed runs: a child started from this script inherits this
    script's own peak RSS in its rusage (Linux counts the address space it had before exec),
    so these runs go through a small launcher (``python -I -S``) that forks the command and
    waits for it; the launcher's own peak, about 5 MiB, is the smallest value it can see.
timeline csv / bare script  <= 3x  (at each size)
    ``alliance --data DIR timeline -f csv > /dev/null`` over a generated timeline.json of N
    synthetic events (a copy of the bundled dataset otherwise), against ``bare_timeline.py``,
    which only json.loads the same file and writes it with csv.writer.
timeline 200k / 20k  <= 13x
    ``alliance timeline`` over 200,000 events against 20,000, in the same rounds: ten times
    the data may cost at most thirteen times the time (start-up included).

Defaults: 15 rounds, 5 for the rounds that include the 200,000-event file. ``--quick`` runs 2
rounds of everything with 2,000 and 20,000 events: its ratios mean little, it checks that
everything runs. The timeline rows say "skipped" when ``alliance timeline --help`` fails.
Unix only (os.fork, os.wait4).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELLO = HERE / "hello_typer.py"
BARE = HERE / "bare_timeline.py"
BIN = Path(sys.executable).parent

AREAS = ("sales", "ev", "stakes", "plants")
"""The bundled files copied as they are into a generated data directory (timeline is made)."""
TAGS = ("ownership", "governance", "ev", "partnership", "plant", "leadership", "sales",
        "strategy", "investment", "product", "research", "purchasing")
PHRASES = (
    "Renault and Nissan sign a cooperation agreement on shared platforms",
    "The Alliance announces a joint purchasing organisation for parts",
    "A new plant opens with an annual capacity of 200,000 vehicles",
    "The board names a new chairman of the Alliance",
    "Plans to launch twelve electric models by 2022 are presented",
    "Cross-shareholdings between the partners are rebalanced",
)

SALES_QUERY = ("select year, member, units, share_pct, yoy_units, yoy_pct, qualifier from sales "
               "where year = 2017 order by member")


# --- running one command ---------------------------------------------------------------


@dataclass(frozen=True)
class Cmd:
    """One command line, and whether its stdout goes to a pipe (read) or to /dev/null."""

    key: str
    argv: tuple[str, ...]
    pipe: bool = True


class CommandFailed(Exception):
    def __init__(self, cmd: Cmd, why: str, stderr: str) -> None:
        super().__init__(f"{' '.join(cmd.argv)}: {why}")
        self.stderr = stderr


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    env["NO_COLOR"] = "1"
    env["TERM"] = "dumb"
    return env


ENV = _env()


def run_once(cmd: Cmd, prefix: Sequence[str] = ()) -> tuple[float, bytes]:
    """Run cmd once (after prefix, if any): its wall time (perf_counter) and what it printed."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([*prefix, *cmd.argv], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE if cmd.pipe else subprocess.DEVNULL,
                                stderr=err, env=ENV)
        out = b""
        if proc.stdout is not None:
            out = proc.stdout.read()
            proc.stdout.close()
        code = proc.wait()
        seconds = time.perf_counter() - start
        if code != 0:
            err.seek(0)
            tail = err.read()[-3000:].decode("utf-8", "replace")
            raise CommandFailed(cmd, f"exit status {code}", tail)
    return seconds, out


LAUNCHER = """\
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Forks and runs argv[2:], then writes its ru_maxrss to argv[1]. Started with -I -S, it stays
small, so the command's rusage does not carry the benchmark's own peak RSS (see the docstring)."""


def peak_rss(cmd: Cmd, tmp: Path) -> float:
    """The peak RSS of one run of cmd, in MiB."""
    out = tmp / "maxrss.txt"
    run_once(cmd, (sys.executable, "-I", "-S", "-c", LAUNCHER, str(out)))
    maxrss = int(out.read_text())
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


@dataclass
class Group:
    """Samples of commands run interleaved, round by round."""

    cmds: Sequence[Cmd]
    samples: dict[str, list[float]] = field(default_factory=dict)
    first_output: dict[str, bytes] = field(default_factory=dict)

    def run(self, rounds: int) -> None:
        for cmd in self.cmds:  # warm-up: page cache, .pyc files; not counted
            self.first_output[cmd.key] = run_once(cmd)[1]
            self.samples[cmd.key] = []
        for i in range(rounds):
            order = self.cmds if i % 2 == 0 else list(reversed(self.cmds))
            for cmd in order:
                self.samples[cmd.key].append(run_once(cmd)[0])

    def ratio(self, a: str, b: str) -> float:
        return statistics.median(x / y
                                 for x, y in zip(self.samples[a], self.samples[b], strict=True))

    def ms(self, key: str) -> float:
        return 1000 * statistics.median(self.samples[key])


# --- the report ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    goal: str
    measured: str
    target: str
    verdict: str
    detail: str


class Report:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.rows: list[Row] = []
        self.failures: list[CommandFailed] = []

    def ratio(self, goal: str, g: Group, a: str, b: str, limit: float | None) -> None:
        value = g.ratio(a, b)
        self.rows.append(Row(goal, f"{value:.2f}x", "report" if limit is None else f"<= {limit}x",
                             self._verdict(value, limit),
                             f"{g.ms(a):.1f} ms vs {g.ms(b):.1f} ms (medians)"))

    def rss(self, goal: str, values: Sequence[float], limit: float, other: float) -> None:
        value = max(values)
        self.rows.append(Row(goal, f"{value:.1f} MiB", f"<= {limit} MiB",
                             self._verdict(value, limit),
                             f"max of {len(values)} runs; typer hello {other:.1f} MiB"))

    def note(self, goal: str, target: str, why: str) -> None:
        self.rows.append(Row(goal, "-", target, why, ""))

    def _verdict(self, value: float, limit: float | None) -> str:
        if limit is None:
            return "-"
        if self.quick:
            return "ran"
        return "PASS" if value <= limit else "MISS"

    def fail(self, e: CommandFailed, goals: Sequence[tuple[str, str]]) -> None:
        self.failures.append(e)
        for goal, target in goals:
            self.note(goal, target, "FAILED: a command failed (below)")

    def print(self) -> None:
        head = Row("goal", "measured", "target", "verdict", "detail")
        rows = [head, *self.rows]
        widths = [max(len(getattr(r, f)) for r in rows)
                  for f in ("goal", "measured", "target", "verdict")]
        for i, r in enumerate(rows):
            cells = (r.goal, r.measured, r.target, r.verdict)
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                  + "  " + r.detail)
            if i == 0:
                print("  ".join("-" * w for w in widths) + "  " + "-" * 6)
        if self.quick:
            print("\n--quick: too few rounds for the ratios to mean much; it checked that every "
                  "command runs.")
        for e in self.failures:
            print(f"\nFAILED: {e}\n{e.stderr.rstrip()}", file=sys.stderr)


# --- the measurements ------------------------------------------------------------------


def _sqlite_db(path: Path, sales_csv: bytes) -> None:
    """A table of every sales row ``alliance sales -f csv`` prints, typed as sqlite would."""
    rows = list(csv.DictReader(io.StringIO(sales_csv.decode("utf-8"))))

    def num(text: str) -> float | int | None:
        if text == "":
            return None
        return float(text) if "." in text else int(text)

    con = sqlite3.connect(path)
    with con:
        con.execute("create table sales (year integer, member text, units integer, "
                    "share_pct real, yoy_units integer, yoy_pct real, qualifier text)")
        con.executemany("insert into sales values (?, ?, ?, ?, ?, ?, ?)",
                        [(int(r["year"]), r["member"], num(r["units"]), num(r["share_pct"]),
                          num(r["yoy_units"]), num(r["yoy_pct"]), r["qualifier"] or None)
                         for r in rows])
    con.close()


def bench_sales(report: Report, alliance: str, rounds: int, rss_runs: int, tmp: Path) -> None:
    sqlite_utils = BIN / "sqlite-utils"
    have_sqlite = sqlite_utils.exists()
    goals = [("sales csv / typer hello", "<= 1.25x"), ("sales csv / python -c pass", "report"),
             ("sales table / typer hello", "<= 1.6x"),
             ("sales csv / sqlite-utils --csv", "<= 0.6x"),
             ("sales table / sqlite-utils --table", "<= 0.75x"),
             ("peak RSS, sales csv", "<= 30 MiB")]
    py = sys.executable
    cmds = [Cmd("csv", (alliance, "sales", "--year", "2017", "-f", "csv")),
            Cmd("hello", (py, str(HELLO))),
            Cmd("table", (alliance, "sales", "--year", "2017")),
            Cmd("pass", (py, "-c", "pass"))]
    try:
        if have_sqlite:
            db = tmp / "sales.db"
            _sqlite_db(db, run_once(Cmd("all", (alliance, "sales", "-f", "csv")))[1])
            cmds += [Cmd("sq_csv", (str(sqlite_utils), "query", str(db), SALES_QUERY, "--csv")),
                     Cmd("sq_table", (str(sqlite_utils), "query", str(db), SALES_QUERY,
                                      "--table"))]
        g = Group(cmds)
        g.run(rounds)
        rss = [peak_rss(cmds[0], tmp) for _ in range(rss_runs)]
        rss_hello = max(peak_rss(cmds[1], tmp) for _ in range(rss_runs))
    except CommandFailed as e:
        report.fail(e, goals)
        return
    rows = g.first_output["csv"].decode().splitlines()
    if len(rows) != 4:
        print(f"warning: 'alliance sales --year 2017 -f csv' printed {len(rows) - 1} rows, "
              "expected 3", file=sys.stderr)
    report.ratio("sales csv / typer hello", g, "csv", "hello", 1.25)
    report.ratio("sales csv / python -c pass", g, "csv", "pass", None)
    report.ratio("sales table / typer hello", g, "table", "hello", 1.6)
    if have_sqlite:
        # the same values (sqlite-utils quotes only where it must; alliance quotes all text)
        if list(csv.reader(g.first_output["sq_csv"].decode().splitlines())) != list(
                csv.reader(rows)):
            print("warning: sqlite-utils --csv printed other rows than alliance -f csv",
                  file=sys.stderr)
        report.ratio("sales csv / sqlite-utils --csv", g, "csv", "sq_csv", 0.6)
        report.ratio("sales table / sqlite-utils --table", g, "table", "sq_table", 0.75)
    else:
        report.note("sales csv / sqlite-utils --csv", "<= 0.6x", "not installed")
        report.note("sales table / sqlite-utils --table", "<= 0.75x", "not installed")
    report.rss("peak RSS, sales csv", rss, 30, rss_hello)


def make_data_dir(root: Path, n: int, seed: int = 5) -> Path:
    """A copy of the bundled dataset whose timeline.json holds n synthetic events, shuffled."""
    bundled = resources.files("alliancecli.data")
    d = root / f"data_{n}"
    d.mkdir()
    for area in AREAS:
        src = bundled / f"{area}.json"
        if src.is_file():
            (d / f"{area}.json").write_bytes(src.read_bytes())
    doc = json.loads((bundled / "timeline.json").read_text(encoding="utf-8"))
    version, sources = doc["schema_version"], {"wikipedia": doc["sources"]["wikipedia"]}
    rng = random.Random(seed)
    events = [
        {
            "date": f"{rng.randint(1990, 2030):04d}-{rng.randint(1, 12):02d}-"
                    f"{rng.randint(1, 28):02d}",
            "date_note": None,
            "event": f"{rng.choice(PHRASES)} (synthetic event {i})",
            "tags": rng.sample(TAGS, rng.randint(1, 3)),
            "kind": rng.choice(("event", "plan")),
            "members": ["Renault"],
            "source": "wikipedia",
            "section": "History",
            "quote": ["x"],
            "qualifier": None,
            "flags": [],
            "note": None,
        }
        for i in range(n)
    ]
    rng.shuffle(events)
    doc = {"schema_version": version, "area": "timeline", "sources": sources, "events": events}
    with open(d / "timeline.json", "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return d


def _size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def bench_timeline(report: Report, alliance: str, small: int, large: int, rounds: int,
                   large_rounds: int, tmp: Path) -> None:
    s, lg = _size(small), _size(large)
    small_goals = [(f"timeline csv / bare script, {s}", "<= 3x")]
    large_goals = [(f"timeline csv / bare script, {lg}", "<= 3x"),
                   (f"timeline {lg} / {s}", "<= 13x")]
    try:
        run_once(Cmd("help", (alliance, "timeline", "--help")))
    except CommandFailed:
        for goal, target in small_goals + large_goals:
            report.note(goal, target, "skipped: timeline command missing")
        return
    try:
        dirs = {n: make_data_dir(tmp, n) for n in (small, large)}
    except (ModuleNotFoundError, OSError, KeyError, ValueError) as e:
        for goal, target in small_goals + large_goals:
            report.note(goal, target, f"skipped: cannot build the data ({e})")
        return

    def cmds(n: int) -> tuple[Cmd, Cmd]:
        return (Cmd(f"alliance_{n}", (alliance, "--data", str(dirs[n]), "timeline", "-f", "csv"),
                    pipe=False),
                Cmd(f"bare_{n}", (sys.executable, str(BARE), str(dirs[n] / "timeline.json")),
                    pipe=False))

    # One piped run per size checks that the export holds every event (nothing filtered out).
    for n in (small, large):
        try:
            out = run_once(Cmd("check", (alliance, "--data", str(dirs[n]), "timeline",
                                         "-f", "csv")))[1]
        except CommandFailed as e:
            report.fail(e, small_goals + large_goals)
            return
        lines = out.count(b"\n") - 1
        if lines != n:
            print(f"warning: alliance timeline -f csv printed {lines} rows for {n} events",
                  file=sys.stderr)

    a_small, b_small = cmds(small)
    a_large, b_large = cmds(large)
    try:
        g = Group([a_small, b_small])
        g.run(rounds)
        report.ratio(small_goals[0][0], g, a_small.key, b_small.key, 3)
    except CommandFailed as e:
        report.fail(e, small_goals)
    try:
        g = Group([a_large, b_large, a_small])
        g.run(large_rounds)
        report.ratio(large_goals[0][0], g, a_large.key, b_large.key, 3)
        report.ratio(large_goals[1][0], g, a_large.key, a_small.key, 13)
    except CommandFailed as e:
        report.fail(e, large_goals)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true",
                   help="2 rounds, 2,000/20,000 events: check that everything runs (CI)")
    p.add_argument("--pairs", type=int, default=None, help="rounds per group (default 15)")
    p.add_argument("--large-pairs", type=int, default=None,
                   help="rounds of the group with the largest timeline (default 5)")
    args = p.parse_args(argv)
    rounds = args.pairs or (2 if args.quick else 15)
    large_rounds = args.large_pairs or (2 if args.quick else 5)
    small, large = (2_000, 20_000) if args.quick else (20_000, 200_000)

    alliance = BIN / "alliance"
    if not alliance.exists():
        print(f"bench.py: no 'alliance' beside {sys.executable}; run this script with the "
              "python of the venv alliancecli is installed in", file=sys.stderr)
        return 2
    print(f"alliance {_version('alliancecli')}, typer {_version('typer')}, "
          f"sqlite-utils {_version('sqlite-utils')}; python {platform.python_version()} "
          f"({sys.executable}); {platform.system()} {platform.machine()}")
    print(f"{rounds} rounds ({large_rounds} with {large:,} events), interleaved; "
          "ratios are medians of per-round ratios\n")

    report = Report(args.quick)
    with tempfile.TemporaryDirectory(prefix="alliance-bench-") as t:
        tmp = Path(t)
        bench_sales(report, str(alliance), rounds, 1 if args.quick else 3, tmp)
        bench_timeline(report, str(alliance), small, large, rounds, large_rounds, tmp)
    report.print()
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
