"""What a person sees: every command's table rendered in a real pseudo-terminal of a fixed size.

The installed package runs with its stdout on a pty (the same isatty, ioctl width and line
discipline as a terminal); pyte, a terminal emulator, turns the bytes into the screen a person
would read. One child process renders every case of a command (it resizes its terminal between
them), so a command's dozen screens cost one start-up; the tests of one command run on one xdist
worker (a group per command), so the commands' screens are drawn in parallel and once each.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pyte
import pytest

from conftest import BIN, VIEWS, invoke, pty_run, run, timeline_copy, tty_env

WIDTHS = (40, 60, 80, 100, 120, 200)
COMMANDS: list[tuple[str, ...]] = [
    *VIEWS,
    ("check",),
    ("sources",),
    ("about",),
    ("sql", "--schema"),
]
VARIANTS: dict[str, tuple[str, ...]] = {"default": (), "wide": ("--wide",), "expanded": ("-x",)}
VARIANT_WIDTHS = {"default": WIDTHS, "wide": (40, 80, 120), "expanded": (40, 80)}
GOLDEN = Path(__file__).parent / "golden" / "screens"
SCREEN_ROWS = 10_000
"""Tall enough for any table here, so nothing scrolls off and the pager is never needed."""
SEPARATOR = b"\0SCREEN-END\0"
DRIVER = r"""
import fcntl, json, os, struct, sys, termios
from alliancecli.cli import main
codes = []
for cols, rows, args in json.loads(sys.argv[1]):
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    codes.append(main(args))
    sys.stdout.flush()
    os.write(1, b"\0SCREEN-END\0")
print(json.dumps(codes), file=sys.stderr)
"""
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
SGR = re.compile(r"\x1b\[[0-9;]*m")
"""A colour or style: it changes how characters look, never where they are."""
RECORD = re.compile(r"^── (\d+ of \d+|Total) ─+$")


class Case(NamedTuple):
    command: tuple[str, ...]
    variant: str
    width: int

    @property
    def id(self) -> str:
        return f"{' '.join(self.command)}-{self.variant}-{self.width}"


class Shown(NamedTuple):
    code: int
    lines: list[str]
    """The screen, line by line, trailing blanks removed."""
    raw_lines: list[str]
    """What the program wrote, escape codes removed, before the terminal wrapped anything."""
    raw: bytes
    """What the program wrote."""


CASES = [Case(c, v, w) for c in COMMANDS for v in VARIANTS for w in VARIANT_WIDTHS[v]]


def emulated(chunk: bytes, width: int) -> list[str]:
    """The screen pyte shows for ``chunk``, line by line, trailing blanks removed."""
    # Room for every line written, wrapped lines too (nothing may scroll off the top), and no
    # more: pyte's cost grows with the screen's size.
    cells = (sum(max(pyte.screens.wcwidth(c), 0) for c in line)
             for line in SGR.sub("", chunk.decode("utf-8")).split("\n"))
    screen = pyte.Screen(width, sum(1 + max(n - 1, 0) // width for n in cells) + 2)
    pyte.ByteStream(screen).feed(chunk)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _one_cell_each(line: str) -> bool:
    """Every character takes one cell, as pyte (and a terminal) counts cells."""
    return (line.isascii() and line.isprintable()) or all(
        pyte.screens.wcwidth(c) == 1 for c in line)


def displayed(chunk: bytes, width: int) -> list[str]:
    """``emulated(chunk, width)``, at a fraction of the cost: a line of printable characters of
    one cell each that fits the width is shown as it is (its colours aside), so only the other
    lines go through pyte, one by one (test_the_quick_path_shows_what_pyte_shows holds this)."""
    text = SGR.sub("", chunk.decode("utf-8"))
    if not text.endswith("\r\n") or "\x1b" in text or "\r" in text.replace("\r\n", ""):
        return emulated(chunk, width)  # anything but colours and line ends: all through pyte
    lines: list[str] = []
    for line in text.split("\r\n")[:-1]:
        if len(line) <= width and _one_cell_each(line):
            lines.append(line.rstrip())
        else:
            lines.extend(emulated(line.encode("utf-8") + b"\r\n", width) or [""])
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _render(cases: Sequence[Case]) -> dict[Case, Shown]:
    plan = [[c.width, SCREEN_ROWS, [*c.command, *VARIANTS[c.variant]]] for c in cases]
    code, out, err = pty_run([DRIVER, json.dumps(plan)], tty_env(), cols=80, rows=SCREEN_ROWS,
                             program=[sys.executable, "-c"])
    assert code == 0, err.decode("utf-8", "replace")
    codes = json.loads(err.decode().strip().splitlines()[-1])
    chunks = out.split(SEPARATOR)
    assert len(chunks) == len(cases) + 1 and chunks[-1] == b""
    shown = {}
    for case, chunk, rc in zip(cases, chunks, codes, strict=False):
        text = ANSI.sub("", chunk.decode("utf-8"))
        shown[case] = Shown(rc, displayed(chunk, case.width),
                            text.replace("\r\n", "\n").split("\n"), chunk)
    return shown


@functools.cache
def _rendered(command: tuple[str, ...]) -> dict[Case, Shown]:
    if not BIN.exists():
        pytest.fail(f"the alliance command is not installed beside {sys.executable}")
    return _render([c for c in CASES if c.command == command])


def screen_of(case: Case) -> Shown:
    """The screen of one case, drawn with the rest of its command's on first use."""
    return _rendered(case.command)[case]


def by_command(values: Sequence[Any], command: Any = lambda v: v) -> list[Any]:
    """Parameters whose tests run on the worker that draws their command's screens."""
    return [pytest.param(v, marks=pytest.mark.xdist_group("screens " + " ".join(command(v))),
                         id=v.id if isinstance(v, Case) else " ".join(v)) for v in values]


# --- what a screen must show ---------------------------------------------------------------


@functools.cache
def _json_rows(command: tuple[str, ...]) -> list[dict[str, Any]]:
    r = invoke(*command, "-f", "json")
    assert r.code == 0, r.err
    rows: list[dict[str, Any]] = json.loads(r.out)
    return rows


def _named(lines: Sequence[str], lead: str, end: str) -> list[str]:
    """The column names a line under the table lists (it may be wrapped over several lines)."""
    joined = " ".join(lines)
    m = re.search(re.escape(lead) + r"(.*?)" + re.escape(end), joined)
    return [n.strip() for n in m.group(1).split(",")] if m else []


def _display_number(col: str, v: float) -> str:
    if isinstance(v, int) and (col == "year" or col.endswith("_year")):
        return str(v)
    if isinstance(v, int):
        return f"{abs(v):,}"
    if col.endswith("_pct"):
        return f"{abs(v):,.2f}"
    return f"{abs(v):,}" if abs(v) >= 1000 else repr(abs(v))


def _expectations(rows: Sequence[dict[str, Any]], shown: set[str]) -> Iterator[tuple[str, str]]:
    """(kind, text): ``whole`` values must stand on one screen line, ``word`` each word."""
    for row in rows:
        for col, v in row.items():
            if col not in shown or v is None or v == [] or v == "":
                continue
            if isinstance(v, bool):
                yield "whole", "true" if v else "false"
            elif isinstance(v, int | float):
                yield "whole", _display_number(col, v)
            else:
                for text in v if isinstance(v, list) else [v]:
                    for word in str(text).split():
                        yield "word", word


def _broken_at_dashes(text: str, words: set[str]) -> bool:
    """``text`` is on screen whole, or in pieces each broken after a hyphen or an en dash."""
    pieces = re.findall(r"[^\-\u2013]+[\-\u2013]*|[\-\u2013]+", text)
    ends = {0}  # how many pieces the words on screen can account for, in order
    for i in range(len(pieces)):
        if i in ends:
            ends |= {j for j in range(i + 1, len(pieces) + 1)
                     if "".join(pieces[i:j]) in words}
    return len(pieces) in ends


def _check(case: Case, got: Shown) -> None:
    rows = _json_rows(case.command)
    assert got.code == 0, got.lines[-5:]
    lines = got.lines
    names = list(rows[0]) if rows else []
    hidden = _named(lines, "Not shown: ", " (--wide")
    empty = _named(lines, "Empty in every row, so not shown: ", ".")
    if case.variant == "wide":
        assert not hidden, hidden
    shown = [n for n in names if n not in hidden and n not in empty]
    assert set(hidden) | set(empty) <= set(names), (hidden, empty)
    record = any(RECORD.match(line) for line in lines)
    if case.variant == "expanded":
        assert record
    if record:
        for name in shown:  # every shown column is a label in the blocks
            assert any(line.startswith(f"{name} ") or line == name for line in lines), name
    else:
        rule = next(i for i, line in enumerate(lines) if line and set(line) == {"─"})
        header = " ".join(lines[max(rule - 3, 0):rule])
        for name in shown:
            pieces = [p + "_" for p in name.split("_")[:-1]] + [name.split("_")[-1]]
            assert all(p in header for p in pieces), (name, header)
    screen_text = "\n".join(lines)
    words = set(screen_text.split())
    words |= {w.rstrip(";") for w in words}  # list items are shown joined by "; "
    for kind, text in _expectations(rows, set(shown)):
        if kind == "whole":
            assert any(text in line for line in lines), f"{text!r} is not whole on screen"
        elif len(text) <= 20:  # longer words may be broken to fit a column (layout.WORD_CAP)
            # a word too wide for its column breaks after a hyphen or an en dash, typeset so
            assert _broken_at_dashes(text, words), f"word {text!r} is cut or missing"
    for line in got.raw_lines:  # nothing relied on the terminal to wrap it
        assert len(line) <= case.width, (len(line), line)
    if case.variant == "default" and case.width == 120:
        footnotes = sum(1 for line in lines if re.match(r"^\[\d+\] ", line))
        assert len(lines) <= 4 * len(rows) + 2 * footnotes + 30, (len(lines), len(rows))


@pytest.mark.parametrize("case", by_command(CASES, lambda c: c.command))
def test_every_value_is_whole_on_screen(case: Case) -> None:
    _check(case, screen_of(case))


@pytest.mark.parametrize("command", by_command(COMMANDS))
def test_80_columns_is_a_table_with_each_row_identity(command: tuple[str, ...]) -> None:
    """At 80 columns the default view is a table, not the record layout, and shows its rows."""
    lines = screen_of(Case(command, "default", 80)).lines
    assert not any(RECORD.match(line) for line in lines), "\n".join(lines[:20])
    first = _json_rows(command)[0]
    rule = next(i for i, line in enumerate(lines) if line and set(line) == {"─"})
    header = " ".join(lines[max(rule - 3, 0):rule]).split()
    key = next(k for k in first if k in header)  # the first column the view shows
    value = first[key]
    shown = str(value) if not isinstance(value, int) or key.endswith("year") else f"{value:,}"
    assert any(shown.split()[0] in line for line in lines), (key, value)


@pytest.mark.parametrize("command", by_command(COMMANDS))
def test_golden_screen_at_80_columns(command: tuple[str, ...]) -> None:
    path = GOLDEN / ("_".join(command).replace("-", "").replace(" ", "_") + ".txt")
    got = "\n".join(screen_of(Case(command, "default", 80)).lines) + "\n"
    if os.environ.get("ALLIANCE_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, "utf-8")
    assert got == path.read_text("utf-8")


@pytest.mark.parametrize("command", by_command(COMMANDS))
def test_the_quick_path_shows_what_pyte_shows(command: tuple[str, ...]) -> None:
    """The command's screens at 40 and 80 columns and --wide at 80, whole through pyte, are
    what ``displayed`` makes of them."""
    for case in (Case(command, "default", 40), Case(command, "default", 80),
                 Case(command, "wide", 80)):
        got = screen_of(case)
        assert got.lines == emulated(got.raw, case.width), case.id


def test_the_quick_path_hands_pyte_what_is_not_plain() -> None:
    wide = "日本語の見出し" * 3  # 42 cells in 21 characters: pyte wraps it at 40 columns
    chunk = f"\x1b[1mab\x1b[0m\r\n{wide}\r\n\tx\r\n".encode()
    assert displayed(chunk, 40) == emulated(chunk, 40) == ["ab", wide[:20], wide[20:],
                                                           "        x"]
    moved = b"abc\x1b[2Dz\r\n"  # a cursor movement: the whole chunk goes through pyte
    assert displayed(moved, 40) == emulated(moved, 40) == ["azc"]


@pytest.mark.parametrize("command", by_command(COMMANDS))
def test_forty_columns_turns_every_wide_table_into_records(command: tuple[str, ...]) -> None:
    lines = screen_of(Case(command, "default", 40)).lines
    if max(len(line) for line in lines) > 40:
        pytest.fail(f"{command}: a line is wider than the terminal")


# --- the pager -------------------------------------------------------------------------------


def _paged(tmp_path: Path, args: Sequence[str], env: dict[str, str],
           rows: int = 20) -> tuple[int, str, bytes, Path]:
    """Run on a terminal of ``rows`` lines; return (exit, terminal text, stderr, pager file)."""
    code, out, err = pty_run(args, tty_env(NO_COLOR="1", **env), cols=80, rows=rows)
    return code, out.decode("utf-8", "replace"), err, tmp_path / "paged.txt"


def _catcher(tmp_path: Path, name: str = "paged.txt") -> str:
    """A pager that only records what it is given."""
    return f"sh -c 'cat > {tmp_path / name}'"


def test_tall_output_on_a_terminal_goes_through_the_pager(tmp_path: Path) -> None:
    code, screen, err, paged = _paged(tmp_path, ["plants"], {"ALLIANCE_PAGER": _catcher(tmp_path)})
    assert code == 0 and err == b""
    text = paged.read_text("utf-8")
    assert "Alliance plants and sites" in text and "400,000" in text
    assert "Alliance plants and sites" not in screen  # the pager had it, not the terminal


def test_output_that_fits_the_screen_is_not_paged(tmp_path: Path) -> None:
    code, screen, err, paged = _paged(tmp_path, ["sales", "--year", "2017"],
                                      {"ALLIANCE_PAGER": _catcher(tmp_path)}, rows=50)
    assert code == 0 and err == b""
    assert not paged.exists()
    assert "10,608,366" in screen


@pytest.mark.parametrize("how", ["--no-pager", "ALLIANCE_PAGER=", "ALLIANCE_PAGER=cat",
                                 "PAGER=", "-f csv"])
def test_the_pager_can_be_turned_off(how: str, tmp_path: Path) -> None:
    args = ["timeline"]
    env: dict[str, str] = {"PAGER": _catcher(tmp_path)}
    if how.startswith("-"):
        args += how.split()
    else:
        var, value = how.split("=", 1)
        env[var] = value
    code, screen, err, paged = _paged(tmp_path, args, env)
    assert code == 0 and err == b""
    assert not paged.exists()
    assert "Renault sold American Motors" in screen or "1987" in screen


def test_alliance_pager_wins_over_pager(tmp_path: Path) -> None:
    code, _, err, paged = _paged(tmp_path, ["timeline"], {"ALLIANCE_PAGER": _catcher(tmp_path),
                                                 "PAGER": _catcher(tmp_path, "other.txt")})
    assert code == 0 and err == b""
    assert paged.exists() and not (tmp_path / "other.txt").exists()


def test_pager_from_the_environment(tmp_path: Path) -> None:
    code, _, err, paged = _paged(tmp_path, ["timeline"], {"PAGER": _catcher(tmp_path)})
    assert code == 0 and err == b""
    assert "Alliance timeline" in paged.read_text("utf-8")


def test_a_pager_that_cannot_start_falls_back_to_printing(tmp_path: Path) -> None:
    code, screen, err, _ = _paged(tmp_path, ["plants"], {"ALLIANCE_PAGER": "/nonexistent/pager -R"})
    assert code == 0 and err == b""
    assert "Alliance plants and sites" in screen


def test_quitting_the_pager_early_ends_quietly_with_0(tmp_path: Path) -> None:
    """The pager reads one line and leaves; the rest of a large table meets a closed pipe."""
    data = timeline_copy(tmp_path / "data", 3000)
    code, _, err, _ = _paged(tmp_path, ["--data", str(data), "timeline"],
                             {"ALLIANCE_PAGER": "head -n 1"})
    assert err == b"", err.decode("utf-8", "replace")
    assert code == 0


def test_never_paged_on_a_pipe(tmp_path: Path) -> None:
    r = run("timeline", env=tty_env(ALLIANCE_PAGER=_catcher(tmp_path)))
    assert r.code == 0 and "Renault sold American Motors" in r.out
    assert not (tmp_path / "paged.txt").exists()
