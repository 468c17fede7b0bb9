"""The benchmark's generated datasets are valid data: CI's quick run measures real work."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

from conftest import invoke

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench", module)
    spec.loader.exec_module(module)
    return module


def test_the_generated_timeline_loads_and_answers(tmp_path: Path) -> None:
    d = _bench().make_data_dir(tmp_path, 300)
    r = invoke("--data", str(d), "timeline", "-f", "csv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert len(rows) == 300
    assert all("(synthetic event " in row["event"] for row in rows)
    # the other areas are the bundled files, unchanged
    assert invoke("--data", str(d), "sales", "-f", "csv").out == invoke("sales", "-f", "csv").out
