"""Help that teaches: every command has examples in its help and a README section, and every
``alliance ...`` example in the README runs."""

from __future__ import annotations

import enum
import re
import shlex
from pathlib import Path

import pytest

from alliancecli.cli import COMMANDS
from alliancecli.vocab import VOCABULARIES
from conftest import ROOT, invoke, run

README = (ROOT / "README.md").read_text("utf-8")
SUBCOMMANDS = [["ev", "milestones"], ["ev", "models"], ["ev", "pace"]]
ALL = [[c] for c in COMMANDS] + SUBCOMMANDS


@pytest.mark.parametrize("cmd", ALL, ids=" ".join)
def test_every_command_has_help_with_examples(cmd: list[str]) -> None:
    r = invoke(*cmd, "--help")
    assert r.code == 0, r.err
    assert "Examples:" in r.out
    assert f"alliance {' '.join(cmd)}" in r.out  # the examples use the command itself


def test_top_level_help_lists_every_command_with_one_line() -> None:
    r = run("--help")
    assert r.code == 0
    for name in COMMANDS:
        assert re.search(rf"│ {re.escape(name)}\s+\S", r.out), name


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_a_readme_section(name: str) -> None:
    headings = [line for line in README.splitlines() if line.startswith("### ")]
    assert any(re.search(rf"\b{re.escape(name)}\b", h) for h in headings), name


def readme_examples() -> list[str]:
    """Each ``alliance ...`` line in the README's sh/console blocks, up to its first pipe."""
    out = []
    for block in re.findall(r"```(?:sh|console)\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.removeprefix("$ ").strip()
            if line.startswith("alliance "):
                out.append(re.split(r"\s(?:\||>>?|&&|#)\s", line)[0])
    return out


def test_readme_has_examples_for_every_command() -> None:
    examples = readme_examples()
    for name in COMMANDS:
        assert any(e.split()[1:2] == [name] or f" {name} " in f" {e} " for e in examples), name


# Examples that change the user's own shell set-up are shown, not run.
NOT_RUN = ("--install-completion",)


def test_every_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in order, in one scratch directory (export and init-data write there); in-process,
    since the installed command is the same code (test_contract holds them equal)."""
    monkeypatch.chdir(tmp_path)
    failures = []
    for example in readme_examples():
        if any(flag in example for flag in NOT_RUN):
            continue
        r = invoke(*shlex.split(example)[1:])
        if r.code != 0:
            failures.append(f"{example}: exit {r.code}: {r.err.strip()}")
    assert failures == []


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_vocabulary_value_is_documented_in_data_readme(
        vocabulary: type[enum.StrEnum]) -> None:
    schema = (ROOT / "data" / "README.md").read_text("utf-8")
    missing = [m.value for m in vocabulary if f"`{m.value}`" not in schema]
    assert missing == []
