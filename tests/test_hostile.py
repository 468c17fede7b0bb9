"""Untrusted text: a dataset whose names and notes are markup, escapes and formulas.

The contract: text from a data file is data, never markup. Tables print it literally with control
characters stripped; csv, tsv and json carry the exact strings; ``--excel-safe`` guards text cells
(never numbers) that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from conftest import clean_env, csv_cell, csv_rows, invoke, run, tsv_unescape

LONG = "W" * 10_000
MARKUP = ["[/]", "[bold]x[/bold]", "[link=http://evil]x[/link]"]
CONTROLS = ["clear\x1b[2Jscreen", "bell\x07ring", "\u202eevil rtl", "c1\x9b31mcsi",
            "nul\x00byte", "tab\tin", "new\nline", "cr\r\nlf"]
FORMULAS = ["=1+1", "+cmd", "-2", "@SUM(A1)"]
OTHER = ["pipe|cell", 'quote"q,comma', "<script>alert(1)</script>", "back\\slash\\t", LONG,
         "\u2013 \u201cquoted\u201d \u00e9"]
HOSTILE = MARKUP + CONTROLS + FORMULAS + OTHER

# Bytes a table must never carry: C0 and C1 controls, DEL and bidi overrides.
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Renames: exact string values replaced everywhere in one file (names and every reference).
RENAMES: dict[str, dict[str, str]] = {
    "sales": {"Nissan": "[bold]x[/bold]", "AvtoVAZ": "-2", "Mitsubishi": "bell\x07ring"},
    "stakes": {"Renault": "@SUM(A1)", "Nissan": "[/]", "Mitsubishi": "clear\x1b[2Jscreen",
               "Daimler": "\u202eevil rtl", "AESC": LONG},
    "ev": {"Nissan Leaf": "[link=http://evil]x[/link]", "Renault Zoe": "=1+1",
           "Renault Twizy": "+cmd", "Alliance": "c1\x9b31mcsi"},
}
PUBLISHER = "[bold]pub[/bold]\x1b[5m"


def _rename(obj: Any, names: dict[str, str]) -> Any:
    if isinstance(obj, str):
        return names.get(obj, obj)
    if isinstance(obj, list):
        return [_rename(v, names) for v in obj]
    if isinstance(obj, dict):
        return {k: _rename(v, names) for k, v in obj.items()}
    return obj


def _poison(area: str, doc: dict[str, Any]) -> dict[str, Any]:
    doc = _rename(doc, RENAMES.get(area, {}))
    for source in doc["sources"].values():
        source["publisher"] = PUBLISHER
    if area == "timeline":
        for ev, h in zip(doc["events"], HOSTILE, strict=False):
            ev["event"] = h
            ev["date_note"] = h
            ev["members"] = [h, "Renault"]
            ev["quote"] = [h, "plain"]
    elif area == "plants":
        for p, h in zip(doc["plants"], HOSTILE, strict=False):
            p["name"] = h
            p["city"] = h
            p["products"] = [h, "Leaf"]
            p["capacity_note"] = h
        doc["plants"][0]["country"] = "=1+1"
        doc["plants"][1]["country"] = "[/]"
    elif area == "ev":
        for m, h in zip(doc["milestones"], HOSTILE, strict=False):
            m["text"] = h
            m["note"] = h
    elif area == "sales":
        for m in doc["members"]:
            if m["note"]:
                m["note"] = "c1\x9b31m note [/] \x1b[2J"
    return doc


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from importlib import resources

    dest = tmp_path_factory.mktemp("hostile") / "data"
    dest.mkdir()
    src = resources.files("alliancecli.data")
    for area in ("sales", "ev", "stakes", "timeline", "plants"):
        doc = json.loads((src / f"{area}.json").read_text("utf-8"))
        text = json.dumps(_poison(area, doc), ensure_ascii=False, indent=1)
        (dest / f"{area}.json").write_text(text, "utf-8")
    return dest


@functools.lru_cache(maxsize=256)
def _out(data: str, args: tuple[str, ...]) -> bytes:
    # In-process: the same bytes as the installed command (the test below holds them equal for
    # every case), at a fraction of a start-up each.
    r = invoke("--data", data, *args)
    assert r.code == 0, f"alliance {' '.join(args)} -> exit {r.code}: {r.err[:500]}"
    assert r.err == "", r.err[:500]
    return r.raw


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_the_installed_command_prints_the_same_bytes(hostile: Path, fmt: str) -> None:
    for case in CASE_IDS:
        args = (*CASES[case][0], "-f", fmt)
        r = run("--data", str(hostile), *args)
        assert (r.code, r.err) == (0, ""), (case, r.err[:300])
        assert r.raw == out(hostile, *args), case


def out(data: Path, *args: str) -> bytes:
    return _out(str(data), args)


def rows_json(data: Path, *args: str) -> list[dict[str, Any]]:
    rows = json.loads(out(data, *args, "-f", "json").decode("utf-8"))
    assert isinstance(rows, list)
    return rows


def strings(rows: Sequence[dict[str, Any]]) -> set[str]:
    """Every text value of the rows, list elements included."""
    found: set[str] = set()
    for r in rows:
        for v in r.values():
            if isinstance(v, str):
                found.add(v)
            elif isinstance(v, list):
                found.update(v)
    return found


# Each command, and the hostile strings its JSON must carry exactly.
CASES: dict[str, tuple[tuple[str, ...], list[str]]] = {
    "sales": (("sales",), ["[bold]x[/bold]", "-2", "bell\x07ring"]),
    "sales-2016": (("sales", "--year", "2016"), ["[bold]x[/bold]", "-2", "bell\x07ring"]),
    "sales-by-year": (("sales", "--by", "year"), []),
    "ev-milestones": (("ev", "milestones"),
                      [*HOSTILE, "[link=http://evil]x[/link]", "=1+1"]),
    "ev-models": (("ev", "models"), ["[link=http://evil]x[/link]", "=1+1", "+cmd"]),
    "ev-pace": (("ev", "pace"), []),
    "stakes": (("stakes",), ["@SUM(A1)", "[/]", "clear\x1b[2Jscreen"]),
    "stakes-history": (("stakes", "--history"),
                       ["@SUM(A1)", "[/]", "clear\x1b[2Jscreen", "\u202eevil rtl", LONG]),
    "timeline": (("timeline",), HOSTILE),
    "timeline-cite": (("timeline", "--cite"), HOSTILE),
    "plants": (("plants", "--include-others"), [*HOSTILE[:20], "=1+1", "[/]"]),
    "plants-by-country": (("plants", "--by", "country", "--include-others"), ["=1+1", "[/]"]),
}
CASE_IDS = list(CASES)
TABLE_FORMATS = ["table", "markdown", "github", "grid", "rst", "html", "plain"]


def test_fixture_really_is_hostile(hostile: Path) -> None:
    """Guard the guard: every hostile string reached at least one JSON output."""
    seen: set[str] = set()
    for args, _ in CASES.values():
        seen |= strings(rows_json(hostile, *args))
    assert set(HOSTILE) <= seen, [h[:20] for h in HOSTILE if h not in seen]


@pytest.mark.parametrize("case", CASE_IDS)
def test_json_keeps_exact_strings(hostile: Path, case: str) -> None:
    args, expected = CASES[case]
    raw = out(hostile, *args, "-f", "json")
    rows = json.loads(raw.decode("utf-8"))
    found = strings(rows)
    missing = [h[:30] for h in expected if h not in found]
    assert not missing, missing
    assert b"\x1b" not in raw and b"\x07" not in raw and b"\x00" not in raw  # escaped
    jsonl = [json.loads(line) for line in out(hostile, *args, "-f", "jsonl").splitlines()]
    assert jsonl == rows


@pytest.mark.parametrize("case", CASE_IDS)
def test_csv_round_trips_exact_strings(hostile: Path, case: str) -> None:
    args, expected = CASES[case]
    rows = rows_json(hostile, *args)
    parsed = csv_rows(out(hostile, *args, "-f", "csv"))
    assert parsed[0] == list(rows[0])
    assert parsed[1:] == [[csv_cell(v) for v in r.values()] for r in rows]
    cells = {c for line in parsed[1:] for c in line}
    elements = {e for c in cells for e in c.split(";")}
    missing = [h[:30] for h in expected if h not in cells and h not in elements]
    assert not missing, missing


@pytest.mark.parametrize("case", CASE_IDS)
def test_tsv_round_trips_exact_strings(hostile: Path, case: str) -> None:
    args, _ = CASES[case]
    rows = rows_json(hostile, *args)
    text = out(hostile, *args, "-f", "tsv").decode("utf-8")
    assert text.endswith("\n")
    lines = text[:-1].split("\n")
    assert len(lines) == len(rows) + 1  # no value broke a line
    table = [[tsv_unescape(f) for f in line.split("\t")] for line in lines]
    assert all(len(r) == len(table[0]) for r in table)  # no value broke a field
    assert table[1:] == [[csv_cell(v) for v in r.values()] for r in rows]


def _visible(h: str) -> Iterator[str]:
    """The parts of a hostile string that a table must still show, literally."""
    yield from (p for p in FORBIDDEN.sub("\n", h).split("\n") if p.strip())


@pytest.mark.parametrize("fmt", TABLE_FORMATS)
@pytest.mark.parametrize("case", CASE_IDS)
def test_human_formats_strip_controls_and_never_parse_markup(hostile: Path, case: str,
                                                             fmt: str) -> None:
    args, expected = CASES[case]
    raw = out(hostile, *args, "-f", fmt)
    text = raw.decode("utf-8")
    bad = sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})
    assert not bad, f"control characters in a {fmt} table: {bad}"
    if fmt == "html":
        assert "<script>" not in text
        return
    for h in expected:
        for part in _visible(h):
            assert part in text or part.replace("|", "\\|") in text, (fmt, part[:40])


@pytest.mark.parametrize("case", CASE_IDS)
def test_table_prints_markup_literally(hostile: Path, case: str) -> None:
    args, expected = CASES[case]
    text = out(hostile, *args).decode("utf-8")
    for m in ("[/]", "[bold]x[/bold]", "[link=http://evil]x[/link]"):
        if m in expected:
            assert m in text, m
    if LONG in expected:
        assert LONG in text  # 10,000 characters, whole, on a pipe
    # The caption names the (hostile) publisher literally, without its escape.
    assert "[bold]pub[/bold]" in text


@pytest.mark.parametrize("cmd", [("sales",), ("stakes",), ("plants",), ("timeline",)],
                         ids=["sales", "stakes", "plants", "timeline"])
def test_table_on_a_colour_terminal_keeps_markup_literal(hostile: Path,
                                                         cmd: tuple[str, ...]) -> None:
    """With colour forced on, styles come from the tool only: no data-made escape survives."""
    r = run("--data", str(hostile), *cmd, env=clean_env(TERM="xterm-256color", FORCE_COLOR="1"))
    assert r.code == 0, r.err
    assert "\x1b[2J" not in r.out and "\x1b[5m" not in r.out and "\x1b]8;" not in r.out
    assert "\x07" not in r.out and "\u202e" not in r.out
    assert "[bold]pub[/bold]" in re.sub(r"\x1b\[[0-9;]*m", "", r.out)


def test_markdown_escapes_pipes_inside_cells(hostile: Path) -> None:
    lines = out(hostile, "timeline", "-f", "markdown").decode("utf-8").splitlines()
    header = lines[0]
    ncols = len(json.loads(out(hostile, "timeline", "-f", "json"))[0])
    assert header.count("|") == ncols + 1
    for line in lines[2:]:
        assert len(re.findall(r"(?<!\\)\|", line)) == ncols + 1, line[:120]
    assert any("pipe\\|cell" in line for line in lines)


def _excel(v: str) -> str:
    return "'" + v if v[:1] in ("=", "+", "-", "@") else v


def _numeric(rows: Sequence[dict[str, Any]]) -> set[str]:
    cols = set(rows[0]) if rows else set()
    for r in rows:
        for k, v in r.items():
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                cols.discard(k)
    return cols


@pytest.mark.parametrize("case", CASE_IDS)
def test_excel_safe_guards_text_never_numbers(hostile: Path, case: str) -> None:
    args, _ = CASES[case]
    rows = rows_json(hostile, *args)
    numeric = _numeric(rows)
    safe = csv_rows(out(hostile, *args, "-f", "csv", "--excel-safe"))
    assert safe[0] == list(rows[0])
    for row, line in zip(rows, safe[1:], strict=True):
        for (k, v), cell in zip(row.items(), line, strict=True):
            if k in numeric or v is None or isinstance(v, bool):
                assert cell == csv_cell(v), (k, cell)  # -2 stays -2 in a number column
            elif isinstance(v, list):
                assert cell == ";".join(_excel(e) for e in v), (k, cell[:40])
            else:
                assert cell == _excel(v), (k, cell[:40])


def test_excel_safe_leaves_negative_numbers_alone(hostile: Path) -> None:
    rows = csv_rows(out(hostile, "sales", "--year", "2012", "-f", "csv", "--excel-safe"))
    header = rows[0]
    yoy = [r[header.index("yoy_units")] for r in rows[1:]]
    assert any(v.startswith("-") for v in yoy), yoy  # the bundled 2012 has falls
    assert all(not v.startswith("'") for v in yoy)
    members = [r[header.index("member")] for r in rows[1:]]
    assert "'-2" in members  # the member called "-2" is text, and guarded


def test_excel_safe_json_keeps_numbers_as_numbers(hostile: Path) -> None:
    rows = json.loads(out(hostile, "sales", "--year", "2012", "-f", "json", "--excel-safe"))
    assert all(isinstance(r["yoy_units"], int) for r in rows)
    assert any(r["yoy_units"] < 0 for r in rows)


def test_without_excel_safe_formulas_are_untouched(hostile: Path) -> None:
    cells = {c for line in csv_rows(out(hostile, "timeline", "-f", "csv")) for c in line}
    for f in FORMULAS:
        assert f in cells
        assert "'" + f not in cells


@pytest.mark.parametrize("args,name", [
    (("sales", "--member", "-2"), "-2"),
    (("stakes", "--holder", "@SUM(A1)"), "@SUM(A1)"),
    (("ev", "models", "--model", "[link=http://evil]x[/link]"), "[link=http://evil]x[/link]"),
    (("plants", "--country", "[/]"), "[/]"),
])
def test_filters_match_hostile_names_exactly(hostile: Path, args: tuple[str, ...],
                                             name: str) -> None:
    r = run("--data", str(hostile), *args, "-f", "json")
    assert r.code == 0, r.err
    rows = json.loads(r.raw)
    assert rows
    assert all(any(name in s for s in strings([row])) for row in rows)  # "A + B" holders too


def test_hostile_text_in_errors_is_stripped(hostile: Path) -> None:
    r = run("--data", str(hostile), "sales", "--member", "zzz\x1b[2J\x07")
    assert r.code == 2
    assert r.err.count("\n") == 1 and r.err.startswith("alliance: error:")
    assert not FORBIDDEN.search(r.err.rstrip("\n")), repr(r.err)



@pytest.mark.parametrize("args,names", [
    (("sales", "--chart"), ["[bold]x[/bold]", "-2"]),
    (("plants", "--by", "country", "--chart"), ["=1+1", "[/]"]),
    (("ev", "pace", "--chart"), []),
], ids=["sales", "plants-by-country", "ev-pace"])
def test_chart_labels_are_literal_and_clean(hostile: Path, args: tuple[str, ...],
                                            names: list[str]) -> None:
    text = out(hostile, *args).decode("utf-8")
    bad = sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})
    assert not bad, bad
    for n in names:
        assert n in text, n


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize("cmd", [("timeline",), ("stakes",), ("sales", "--chart")],
                         ids=["timeline", "stakes", "sales-chart"])
def test_hostile_table_on_a_narrow_encoding(hostile: Path, cmd: tuple[str, ...],
                                            encoding: str) -> None:
    r = run("--data", str(hostile), *cmd, env=clean_env(PYTHONIOENCODING=encoding))
    assert r.code == 0, r.err
    assert r.err == ""
    text = r.raw.decode(encoding)  # nothing outside the stream's encoding was written
    bad = sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})
    assert not bad, bad
    assert "[/]" in text or "[bold]x[/bold]" in text
