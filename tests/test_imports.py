"""Lazy imports: a csv run must not pay for rich or tabulate (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import clean_env

PROBE = """
import json, sys
from alliancecli.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
heavy = ["rich", "rich.table", "rich.console", "tabulate", "pydantic", "click", "sqlite3"]
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}),
      file=sys.stderr)
"""


def loaded_after(*args: str) -> list[str]:
    p = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                       env=clean_env(), timeout=60)
    report = json.loads(p.stderr.decode().strip().splitlines()[-1])
    assert report["code"] == 0
    return list(report["loaded"])


@pytest.mark.parametrize("args", [
    ("sales", "--year", "2017", "-f", "csv"),
    ("sales", "--by", "year", "-f", "json"),
    ("timeline", "-f", "jsonl"),
    ("stakes", "-f", "tsv"),
    ("ev", "pace", "-f", "csv"),
    ("plants", "-f", "csv"),
])
def test_machine_formats_load_neither_rich_nor_tabulate(args: tuple[str, ...]) -> None:
    assert loaded_after(*args) == []


def test_a_table_loads_neither_rich_nor_tabulate() -> None:
    """Tables are laid out by alliancecli.layout; rich is for charts."""
    assert loaded_after("sales", "--year", "2017") == []


def test_a_chart_loads_rich_but_not_tabulate() -> None:
    loaded = loaded_after("sales", "--chart")
    assert "rich.table" in loaded and "tabulate" not in loaded


def test_markdown_loads_tabulate_but_not_rich() -> None:
    loaded = loaded_after("sales", "--year", "2017", "-f", "markdown")
    assert "tabulate" in loaded and "rich.table" not in loaded
