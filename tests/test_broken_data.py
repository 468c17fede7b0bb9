"""Every class of broken data file: exit 1, one short line naming the file, never a traceback.

Each test breaks one file of a writable copy of the bundled dataset (``data_copy``) and runs the
command that reads it through the installed ``alliance --data DIR``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import BIN, Result, clean_env, invoke, run

AREAS = ("sales", "ev", "stakes", "timeline", "plants")
COMMAND: dict[str, tuple[str, ...]] = {
    "sales": ("sales",),
    "ev": ("ev", "milestones"),
    "stakes": ("stakes",),
    "timeline": ("timeline",),
    "plants": ("plants",),
}
MIB = 1024 * 1024


def load(data: Path, area: str) -> Any:
    return json.loads((data / f"{area}.json").read_text("utf-8"))


def save(data: Path, area: str, doc: Any, **dump: Any) -> str:
    text = json.dumps(doc, ensure_ascii=False, indent=1, **dump)
    (data / f"{area}.json").write_text(text, "utf-8")
    return text


def edit(data: Path, area: str, change: Callable[[Any], None]) -> None:
    doc = load(data, area)
    change(doc)
    save(data, area, doc)


def assert_data_error(r: Result, area: str, *needles: str) -> None:
    """Exit 1, nothing on stdout, one or two lines on stderr naming the file; no traceback."""
    assert "Traceback" not in r.err, r.err[-1500:]
    assert r.code == 1, f"exit {r.code}: {r.err[:500]}"
    assert r.out == "", r.out[:200]
    lines = r.err.strip("\n").splitlines()
    assert 1 <= len(lines) <= 2, r.err[:1000]
    assert len(r.err) < 600, f"{len(r.err)} characters of error: {r.err[:300]}..."
    assert lines[0].startswith("alliance: error:"), r.err
    assert f"{area}.json" in r.err, r.err
    assert "internal error" not in r.err, r.err
    for n in needles:
        assert n in r.err, (n, r.err)


def alliance(data: Path, area: str) -> Result:
    """The area's command over ``data``, in-process (the same result as the installed command:
    test_missing_file and test_not_json hold the two equal)."""
    return invoke("--data", str(data), *COMMAND[area])


def installed(data: Path, area: str) -> Result:
    return run("--data", str(data), *COMMAND[area])


# --- the file itself -----------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_missing_file(data_copy: Path, area: str) -> None:
    (data_copy / f"{area}.json").unlink()
    r = alliance(data_copy, area)
    assert_data_error(r, area)
    sub = installed(data_copy, area)
    assert (sub.code, sub.out, sub.err) == (r.code, r.out, r.err)


@pytest.mark.parametrize("area", AREAS)
def test_other_areas_still_work_when_one_file_is_broken(data_copy: Path, area: str) -> None:
    (data_copy / f"{area}.json").write_text("{", "utf-8")
    for other in AREAS:
        r = alliance(data_copy, other)
        if other == area:
            assert_data_error(r, area)
        else:
            assert r.code == 0, (other, r.err)


@functools.cache
def _unshare() -> list[str] | None:
    """How to run without root's power to read anything, when we are root.

    In a new user namespace with no uid mapping, root keeps uid 0 but loses CAP_DAC_OVERRIDE,
    so a chmod 000 file is unreadable to it like to anyone else.
    """
    if os.geteuid() != 0:
        return []
    tool = shutil.which("unshare")
    if tool is None:
        return None
    probe = subprocess.run([tool, "--user", "true"], capture_output=True, check=False)
    return [tool, "--user"] if probe.returncode == 0 else None


def run_unprivileged(*args: str) -> Result:
    prefix = _unshare()
    if prefix is None:
        pytest.skip("running as root, and no user namespace to drop the power to read all")
    p = subprocess.run([*prefix, str(BIN), *args], capture_output=True, env=clean_env(),
                       cwd="/", timeout=30)
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"), p.stdout)


def test_unreadable_file(data_copy: Path) -> None:
    f = data_copy / "sales.json"
    f.chmod(0)
    try:
        r = run_unprivileged("--data", str(data_copy), "sales")
    finally:
        f.chmod(0o644)
    assert_data_error(r, "sales")


def test_unreadable_directory(data_copy: Path) -> None:
    data_copy.chmod(0)
    try:
        r = run_unprivileged("--data", str(data_copy), "sales")
    finally:
        data_copy.chmod(0o755)
    assert_data_error(r, "sales")


def test_unprivileged_run_reads_a_readable_copy(data_copy: Path) -> None:
    """The check above is meaningful: the same way of running works on a readable copy."""
    r = run_unprivileged("--data", str(data_copy), "sales", "--year", "2017", "-f", "csv")
    assert r.code == 0, r.err
    assert "3761634" in r.out


def test_directory_in_place_of_a_file(data_copy: Path) -> None:
    (data_copy / "stakes.json").unlink()
    (data_copy / "stakes.json").mkdir()
    assert_data_error(alliance(data_copy, "stakes"), "stakes")


def test_dangling_symlink(data_copy: Path) -> None:
    (data_copy / "ev.json").unlink()
    (data_copy / "ev.json").symlink_to(data_copy / "nowhere.json")
    assert_data_error(alliance(data_copy, "ev"), "ev")


def test_symlink_loop(data_copy: Path) -> None:
    (data_copy / "ev.json").unlink()
    (data_copy / "ev.json").symlink_to("ev.json")
    assert_data_error(alliance(data_copy, "ev"), "ev")


def test_fifo_is_refused_not_waited_on(data_copy: Path) -> None:
    """A named pipe (or a device) is not a data file: refuse it instead of blocking forever."""
    (data_copy / "timeline.json").unlink()
    os.mkfifo(data_copy / "timeline.json")
    try:
        r = run("--data", str(data_copy), *COMMAND["timeline"], timeout=5)  # a process: it
        # can be stopped if it blocks
    except subprocess.TimeoutExpired:
        pytest.fail("alliance --data DIR timeline blocks forever on a FIFO timeline.json")
    assert_data_error(r, "timeline")


@pytest.mark.parametrize("area", AREAS)
def test_empty_file(data_copy: Path, area: str) -> None:
    (data_copy / f"{area}.json").write_bytes(b"")
    assert_data_error(alliance(data_copy, area), area)


# --- encoding ------------------------------------------------------------------------------


def test_latin1_file_is_not_utf8(data_copy: Path) -> None:
    text = (data_copy / "plants.json").read_text("utf-8")
    assert "São" in text
    (data_copy / "plants.json").write_bytes(text.encode("latin-1", "replace"))
    assert_data_error(alliance(data_copy, "plants"), "plants", "UTF-8")


@pytest.mark.parametrize("area", AREAS)
def test_one_latin1_byte_is_not_utf8(data_copy: Path, area: str) -> None:
    raw = (data_copy / f"{area}.json").read_bytes()
    at = raw.index(b'"schema_version"')
    (data_copy / f"{area}.json").write_bytes(raw[:at] + b'"caf\xe9": 1, ' + raw[at:])
    assert_data_error(alliance(data_copy, area), area)


def test_utf16_file_is_not_utf8(data_copy: Path) -> None:
    text = (data_copy / "sales.json").read_text("utf-8")
    (data_copy / "sales.json").write_bytes(text.encode("utf-16"))
    assert_data_error(alliance(data_copy, "sales"), "sales")


@pytest.mark.parametrize("area", AREAS)
def test_utf8_bom_is_accepted(data_copy: Path, area: str) -> None:
    plain = alliance(data_copy, area)
    f = data_copy / f"{area}.json"
    f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes())
    r = alliance(data_copy, area)
    assert r.code == 0, r.err
    assert r.err == ""
    assert r.raw == plain.raw  # the same output as without the BOM


# --- not JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("kind", ["garbage", "truncated", "trailing", "array", "null",
                                  "python-literal"])
def test_not_json(data_copy: Path, area: str, kind: str) -> None:
    f = data_copy / f"{area}.json"
    raw = f.read_bytes()
    f.write_bytes({
        "garbage": b"{not json at all",
        "truncated": raw[: len(raw) // 2],
        "trailing": raw + b"\n}",
        "array": b"[]",
        "null": b"null",
        "python-literal": raw.replace(b"null", b"None", 1),
    }[kind])
    r = alliance(data_copy, area)
    assert_data_error(r, area)
    if kind == "garbage":
        sub = installed(data_copy, area)
        assert (sub.code, sub.out, sub.err) == (r.code, r.out, r.err)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_non_finite_numbers(data_copy: Path, literal: str) -> None:
    doc = load(data_copy, "sales")
    doc["records"][0]["units"] = "__NUMBER__"
    text = save(data_copy, "sales", doc)
    (data_copy / "sales.json").write_text(text.replace('"__NUMBER__"', literal), "utf-8")
    assert_data_error(alliance(data_copy, "sales"), "sales")


def test_nan_in_a_float_field(data_copy: Path) -> None:
    doc = load(data_copy, "stakes")
    doc["stakes"][1]["pct"] = float("nan")
    save(data_copy, "stakes", doc, allow_nan=True)
    assert "NaN" in (data_copy / "stakes.json").read_text("utf-8")
    assert_data_error(alliance(data_copy, "stakes"), "stakes")


@pytest.mark.parametrize("where", ["top-level", "record"])
def test_duplicate_keys(data_copy: Path, where: str) -> None:
    text = (data_copy / "sales.json").read_text("utf-8")
    doc = json.loads(text)
    if where == "top-level":
        text = text.replace('"schema_version": 2', '"schema_version": 2, "schema_version": 2', 1)
    else:
        first = doc["records"][0]["units"]
        text = text.replace(f'"units": {first}', f'"units": {first}, "units": {first + 1}', 1)
    assert text != (data_copy / "sales.json").read_text("utf-8")
    (data_copy / "sales.json").write_text(text, "utf-8")
    assert_data_error(alliance(data_copy, "sales"), "sales", "duplicate")


@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")], ids=["list", "object"])
def test_deep_nesting(data_copy: Path, opener: str, closer: str) -> None:
    (data_copy / "timeline.json").write_text(opener * 100_000, "utf-8")
    assert_data_error(alliance(data_copy, "timeline"), "timeline")
    (data_copy / "timeline.json").write_text(opener * 100_000 + "1" + closer * 100_000,
                                             "utf-8")
    assert_data_error(alliance(data_copy, "timeline"), "timeline")


def test_deep_nesting_inside_a_record(data_copy: Path) -> None:
    text = (data_copy / "ev.json").read_text("utf-8")
    text = text.replace('"note": null', '"note": ' + "[" * 50_000 + "]" * 50_000, 1)
    (data_copy / "ev.json").write_text(text, "utf-8")
    assert_data_error(alliance(data_copy, "ev"), "ev")


@pytest.mark.parametrize("number", ["1" * 5000, "-" + "9" * 5000, "1" * 5000 + ".5",
                                    "0." + "1" * 5000 + "e5000"],
                         ids=["int", "negative-int", "float", "float-exponent"])
def test_five_thousand_digit_number(data_copy: Path, number: str) -> None:
    doc = load(data_copy, "sales")
    doc["records"][3]["units"] = "__NUMBER__"
    text = save(data_copy, "sales", doc)
    (data_copy / "sales.json").write_text(text.replace('"__NUMBER__"', number), "utf-8")
    assert_data_error(alliance(data_copy, "sales"), "sales")


def _spawn(data: Path, area: str) -> tuple[Result, float, int]:
    """Run one command; return its result, its wall time and its peak memory (KiB)."""
    start = time.monotonic()
    p = subprocess.Popen([str(BIN), "--data", str(data), *COMMAND[area]],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
                         cwd="/")
    assert p.stdout is not None and p.stderr is not None
    out = p.stdout.read()
    err = p.stderr.read()
    p.stdout.close()
    p.stderr.close()
    _, status, usage = os.wait4(p.pid, 0)  # wait4, for the child's own peak memory
    p.returncode = os.waitstatus_to_exitcode(status)
    r = Result(p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
               out)
    return r, time.monotonic() - start, usage.ru_maxrss


def test_file_over_256_mib_is_refused_before_reading(data_copy: Path) -> None:
    # A child's peak memory includes what it shared with this (forking) process, so compare
    # against the same command on the intact file rather than against a fixed number.
    base, _, base_rss = _spawn(data_copy, "timeline")
    assert base.code == 0, base.err
    f = data_copy / "timeline.json"
    with f.open("r+b") as fh:
        fh.truncate(257 * MIB)  # sparse: costs no disk, but a reader would get 257 MiB
    assert f.stat().st_size == 257 * MIB
    r, elapsed, rss = _spawn(data_copy, "timeline")
    assert_data_error(r, "timeline")
    assert elapsed < 5, f"took {elapsed:.1f} s: the file was read"
    grew = (rss - base_rss) // 1024
    assert grew < 64, f"peak memory {grew} MiB above an intact run: the file was read"


def test_file_just_under_the_limit_is_parsed(data_copy: Path) -> None:
    """Size alone is no error: padding whitespace to 1 MiB still loads."""
    f = data_copy / "ev.json"
    f.write_bytes(f.read_bytes() + b" " * MIB)
    r = alliance(data_copy, "ev")
    assert r.code == 0, r.err


# --- off the schema -----------------------------------------------------------------------


def _del(path: tuple[Any, ...], key: str) -> Callable[[Any], None]:
    def change(doc: Any) -> None:
        obj = doc
        for p in path:
            obj = obj[p]
        del obj[key]
    return change


def _set(path: tuple[Any, ...], key: str | int, value: Any) -> Callable[[Any], None]:
    def change(doc: Any) -> None:
        obj = doc
        for p in path:
            obj = obj[p]
        obj[key] = value
    return change


def _reconcile(doc: Any) -> None:
    for rec in doc["records"]:
        if rec["member"] == "Renault" and rec["year"] == 2017:
            rec["units"] += 1


def _duplicate_record(doc: Any) -> None:
    doc["records"].append(dict(doc["records"][0]))


SCHEMA: dict[str, tuple[str, Callable[[Any], None], tuple[str, ...]]] = {
    "missing-field": ("sales", _del(("records", 0), "units"), ("units",)),
    "wrong-type-text": ("sales", _set(("records", 0), "units", "many"), ("units",)),
    "wrong-type-float": ("sales", _set(("records", 0), "units", 1.5), ("units",)),
    "wrong-type-bool": ("sales", _set(("records", 0), "units", True), ("units",)),
    "wrong-type-null": ("sales", _set(("records", 0), "units", None), ("units",)),
    "negative-units": ("sales", _set(("records", 0), "units", -5), ("units",)),
    "unknown-field": ("sales", _set(("records", 0), "colour", "red"), ("colour",)),
    "unknown-member": ("sales", _set(("records", 0), "member", "Toyota"), ("member",)),
    "totals-do-not-reconcile": ("sales", _reconcile, ("2017", "units")),
    "duplicate-record": ("sales", _duplicate_record, ()),
    "schema-version": ("sales", _set((), "schema_version", 3), ("schema_version",)),
    "area-mismatch": ("sales", _set((), "area", "plants"), ("area",)),
    "records-not-a-list": ("sales", _set((), "records", {"a": 1}), ("records",)),
    "record-not-an-object": ("timeline", _set(("events",), 0, "text"), ("events[0]",)),
    "bad-date": ("timeline", _set(("events", 0), "date", "2019-02-30"), ("date",)),
    "bad-date-month": ("timeline", _set(("events", 0), "date", "2019-13"), ("date",)),
    "bad-date-text": ("timeline", _set(("events", 0), "date", "yesterday"), ("date",)),
    "bad-date-year-0": ("timeline", _set(("events", 0), "date", "0000"), ("date",)),
    "bad-enum": ("timeline", _set(("events", 0), "kind", "rumour"), ("kind",)),
    "bad-tag": ("timeline", _set(("events", 0), "tags", ["gossip"]), ("tags",)),
    "empty-text": ("timeline", _set(("events", 0), "event", "  "), ("event",)),
    "unknown-source": ("timeline", _set(("events", 0), "source", "blog"), ("source",)),
    "pct-150": ("stakes", _set(("stakes", 0), "pct", 150), ("pct",)),
    "pct-negative": ("stakes", _set(("stakes", 0), "pct", -1), ("pct",)),
    "pct-text": ("stakes", _set(("stakes", 0), "pct", "36.8 %"), ("pct",)),
    "unknown-holder": ("stakes", _set(("stakes", 0), "holder", ["Toyota"]), ("holder",)),
    "until-before-since": ("stakes", _set(("stakes", 0), "until", "1990"), ("until",)),
    "model-not-in-catalogue": ("ev", _set(("milestones", 0), "subject", "Cybertruck"),
                               ("subject",)),
    "ev-bad-metric": ("ev", _set(("milestones", 0), "metric", "vibes"), ("metric",)),
    "ev-units-zero": ("ev", _set(("milestones", 0), "units", 0), ("units",)),
    "capacity-without-unit": ("plants", _set(("plants", 0), "capacity_unit", None),
                              ("capacity_unit",)),
    "plants-bad-facility": ("plants", _set(("plants", 0), "facility_type", "castle"),
                            ("facility_type",)),
}


@pytest.mark.parametrize("case", list(SCHEMA))
def test_off_the_schema(data_copy: Path, case: str) -> None:
    area, change, needles = SCHEMA[case]
    edit(data_copy, area, change)
    assert_data_error(alliance(data_copy, area), area, *needles)


def test_schema_error_names_the_record(data_copy: Path) -> None:
    edit(data_copy, "plants", _set(("plants", 0), "facility_type", "castle"))
    r = alliance(data_copy, "plants")
    assert_data_error(r, "plants", "facility_type")
    assert "plants[0]" in r.err or "resende" in r.err, r.err


def test_reconcile_error_says_both_sums(data_copy: Path) -> None:
    edit(data_copy, "sales", _reconcile)
    r = alliance(data_copy, "sales")
    assert_data_error(r, "sales", "2017")
    assert "10,608,366" in r.err or "10608366" in r.err, r.err
    assert "10,608,367" in r.err or "10608367" in r.err, r.err


def test_reconcile_error_stops_every_sales_view(data_copy: Path) -> None:
    edit(data_copy, "sales", _reconcile)
    for extra in ([], ["--by", "year"], ["--summary"], ["--year", "2012"], ["-f", "json"]):
        r = run("--data", str(data_copy), "sales", *extra)
        assert_data_error(r, "sales")


# --- where --data points ------------------------------------------------------------------


def test_data_dir_missing(tmp_path: Path) -> None:
    r = run("--data", str(tmp_path / "nope"), "sales")
    assert r.code == 1 and "Traceback" not in r.err
    assert r.err.count("\n") == 1 and "nope" in r.err


def test_data_is_a_file(data_copy: Path) -> None:
    r = run("--data", str(data_copy / "sales.json"), "sales")
    assert r.code == 1 and "Traceback" not in r.err
    assert r.err.count("\n") == 1 and "sales.json" in r.err


def test_data_dir_empty(tmp_path: Path) -> None:
    r = run("--data", str(tmp_path), "timeline")
    assert_data_error(r, "timeline")


def test_alliance_data_env_missing(tmp_path: Path) -> None:
    r = run("sales", env=clean_env(ALLIANCE_DATA=str(tmp_path / "nope")))
    assert r.code == 1 and "Traceback" not in r.err
    assert r.err.count("\n") == 1 and "nope" in r.err


def test_data_option_beats_environment(data_copy: Path, tmp_path: Path) -> None:
    r = run("--data", str(data_copy), "sales", "--year", "2017", "-f", "csv",
            env=clean_env(ALLIANCE_DATA=str(tmp_path / "nope")))
    assert r.code == 0, r.err
    assert "3761634" in r.out


def test_data_path_with_undecodable_bytes(tmp_path: Path) -> None:
    weird = os.fsdecode(bytes(tmp_path) + b"/\xff\xfe")
    r = run("--data", weird, "sales")
    assert r.code == 1 and "Traceback" not in r.err
    assert r.err.count("\n") == 1


def test_debug_may_show_a_traceback_but_still_exits_1(data_copy: Path) -> None:
    (data_copy / "sales.json").write_text("{", "utf-8")
    r = run("--debug", "--data", str(data_copy), "sales")
    assert r.code == 1
    assert "sales.json" in r.err
