"""Shell completion completes values (members, models, countries, tags, formats, columns)."""

from __future__ import annotations

import pytest

from conftest import clean_env, run


@pytest.mark.parametrize(("words", "expected"), [
    ("alliance sales --member n", ["nissan"]),
    ("alliance sales --member Mi", ["Mitsubishi", "Mitsubishi Motors"]),
    ("alliance ev models --model tw", ["twizy", "twitzy"]),
    ("alliance plants --country b", ["brazil"]),
    ("alliance stakes --holder daim", ["daimler", "daimler AG"]),
    ("alliance timeline --tag o", ["ownership"]),
    ("alliance sales -f gr", ["grid"]),
    ("alliance sales --sort yoy", ["yoy_units", "yoy_pct"]),
    ("alliance stakes --columns holder,ta", ["holder,target"]),
])
def test_completion_offers_values(words: str, expected: list[str]) -> None:
    env = clean_env(_ALLIANCE_COMPLETE="complete_bash", COMP_WORDS=words,
                    COMP_CWORD=str(len(words.split()) - 1))
    r = run(env=env)
    assert r.code == 0, r.err
    assert r.out.splitlines() == expected
