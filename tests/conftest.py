"""Shared fixtures: the installed ``alliance`` as a subprocess, and deterministic rendering."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import termios
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent / "alliance"


ARTICLE = frozenset({"wikipedia"})


def article_only(records: Any) -> Any:
    """An area's records from the article alone (as --source wikipedia gives them): the tests
    of the article's own figures hold whatever other sources add."""
    from alliancecli import loader

    return loader.restrict(records, ARTICLE)


def clean_env(**extra: str) -> dict[str, str]:
    """An environment without the developer's colour, format or data settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ALLIANCE_", "FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES",
                                "PYTHONIOENCODING", "CLICOLOR"))}
    env["TERM"] = "dumb"
    env.update(extra)
    return env


@dataclass
class Result:
    code: int
    out: str
    err: str
    raw: bytes


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
        timeout: float = 60) -> Result:
    """Run the installed ``alliance`` in a subprocess, from a directory outside the checkout."""
    p = subprocess.run([str(BIN), *args], capture_output=True, env=env or clean_env(),
                       cwd=cwd or Path("/"), timeout=timeout)
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"), p.stdout)


@pytest.fixture
def cli() -> type[Result]:
    if not BIN.exists():
        pytest.fail(f"the alliance command is not installed beside {sys.executable}")
    return Result


@pytest.fixture
def data_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the bundled dataset, to break one file at a time."""
    from importlib import resources

    src = resources.files("alliancecli.data")
    dest = tmp_path / "data"
    dest.mkdir()
    for name in ("sales", "ev", "stakes", "timeline", "plants"):
        (dest / f"{name}.json").write_bytes((src / f"{name}.json").read_bytes())
    yield dest
    shutil.rmtree(dest, ignore_errors=True)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run ``alliance`` in-process, as a pipe would see it (no terminal, no colour)."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from alliancecli.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env if env is not None else clean_env())
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
            out.flush()
            err.flush()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    raw = out.buffer.getvalue()
    return Result(code, raw.decode("utf-8"),
                  err.buffer.getvalue().decode("utf-8"), raw)


def csv_rows(raw: bytes) -> list[list[str]]:
    """Parse csv output with the csv module."""
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def csv_cell(v: Any) -> str:
    """What a JSON value must look like in the csv: raw, never grouped or localised."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ";".join(v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def tsv_unescape(field: str) -> str:
    """Undo the tsv format's escapes (\\t, \\n, \\r, \\\\)."""
    out: list[str] = []
    it = iter(field)
    for ch in it:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(it, "")
        out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
    return "".join(out)


def pty_run(args: Sequence[str], env: dict[str, str], cols: int = 200, rows: int = 50,
            program: Sequence[str] | None = None,
            terminal: str = "stdout") -> tuple[int, bytes, bytes]:
    """Run alliance (or ``program``) with stdout (or stderr, ``terminal="stderr"``) on a
    pseudo-terminal of the given size; return (exit, what the terminal got, the other stream).

    The other stream is a pipe; the terminal is read until the child closes it, so no output
    is lost and nothing waits for a guessed time.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    on_pty = terminal == "stderr"
    p = subprocess.Popen([*(program or [str(BIN)]), *args], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE if on_pty else slave,
                         stderr=slave if on_pty else subprocess.PIPE, env=env, cwd="/")
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    other = p.stdout if on_pty else p.stderr
    assert other is not None
    rest = other.read()
    other.close()
    return p.wait(timeout=60), b"".join(chunks), rest


def tty_env(**extra: str) -> dict[str, str]:
    """A colour terminal's environment, without the developer's settings."""
    return clean_env(**{"TERM": "xterm-256color", **extra})


def timeline_copy(dest: Path, events: int) -> Path:
    """A copy of the bundled dataset whose timeline has ``events`` events (the real ones,
    repeated)."""
    from importlib import resources

    src = resources.files("alliancecli.data")
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("sales", "ev", "stakes", "plants"):
        (dest / f"{name}.json").write_bytes((src / f"{name}.json").read_bytes())
    doc = json.loads((src / "timeline.json").read_text("utf-8"))
    base = doc["events"]
    doc["events"] = [dict(base[i % len(base)]) for i in range(events)]
    (dest / "timeline.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return dest


VIEWS: list[tuple[str, ...]] = [
    ("sales",),
    ("sales", "--year", "2017"),
    ("sales", "--by", "year"),
    ("sales", "--summary"),
    ("ev", "milestones"),
    ("ev", "models"),
    ("ev", "models", "--history"),
    ("ev", "pace"),
    ("stakes",),
    ("stakes", "--history"),
    ("stakes", "--as-of", "2010"),
    ("timeline",),
    ("plants",),
    ("plants", "--by", "country"),
]
"""Every command and view that answers from records, each giving rows with the bundled data."""


def edit(data: Path, area: str, change: Callable[[Any], None]) -> None:
    """Change one file of a data directory in place: ``change`` edits its parsed JSON."""
    path = data / f"{area}.json"
    doc = json.loads(path.read_text("utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")
