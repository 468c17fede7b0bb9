"""Derived figures, checked against hand-computed values."""

from __future__ import annotations

import pytest

from alliancecli.stats import cagr_pct, growth_pct, share_pct


def test_growth_matches_the_article_headline() -> None:
    # 10,608,366 / 9,961,347 - 1 = 6.4953...% ; the article says "an increase of 6.5%".
    assert growth_pct(9_961_347, 10_608_366) == 6.5


def test_growth_is_signed_and_rounded_half_up() -> None:
    assert growth_pct(2_722_062, 2_550_286) == -6.31
    assert growth_pct(200, 201) == 0.5
    assert growth_pct(8, 9) == 12.5
    assert growth_pct(1000, 1000) == 0.0


@pytest.mark.parametrize(("previous", "current"), [(None, 5), (5, None), (0, 5)])
def test_growth_is_undefined_without_a_base(previous: int | None, current: int | None) -> None:
    assert growth_pct(previous, current) is None


def test_share() -> None:
    assert share_pct(3_761_634, 10_608_366) == 35.46
    assert share_pct(1, 3) == 33.33
    assert share_pct(2, 3) == 66.67
    assert share_pct(5, 0) is None


def test_cagr() -> None:
    # (10,756,875 / 8,029,222) ** (1/7) - 1 = 4.2667...%
    assert cagr_pct(8_029_222, 10_756_875, 7) == 4.27
    assert cagr_pct(100, 121, 2) == 10.0
    assert cagr_pct(100, 100, 3) == 0.0
    assert cagr_pct(100, 50, 1) == -50.0
    assert cagr_pct(100, 200, 0) is None
    assert cagr_pct(0, 200, 3) is None


def test_rounding_is_half_away_from_zero_and_exact() -> None:
    from alliancecli.stats import per_month, ratio_pct, round_half_up

    assert ratio_pct(6495, 100_000) == 6.5  # 6.495 % exactly: half rounds up
    assert ratio_pct(-6495, 100_000) == -6.5
    assert ratio_pct(1, 3) == 33.33 and ratio_pct(-2, 3) == -66.67
    assert round_half_up(2.345) == 2.35 and round_half_up(-2.345) == -2.35
    assert per_month(100_000, 15) == 6667 and per_month(50_000, 8) == 6250
    assert per_month(5, 2) == 3 and per_month(-5, 2) == -3 and per_month(10, 0) is None


def test_partial_dates_end_at_the_end_of_their_period() -> None:
    from datetime import date

    from alliancecli.dates import PartialDate

    assert PartialDate.parse("2016-02").end() == date(2016, 2, 29)
    assert PartialDate.parse("2015-12").end() == date(2015, 12, 31)
    assert PartialDate.parse("9999-12").end() == date(9999, 12, 31)  # no year 10000
    assert PartialDate.parse("2016").end() == date(2016, 12, 31)
    assert PartialDate.parse("2016-10-20").end() == date(2016, 10, 20)
    assert sorted(PartialDate.parse(d) for d in ("2016-10", "2016", "2015-12-31")) == [
        PartialDate.parse("2015-12-31"), PartialDate.parse("2016"), PartialDate.parse("2016-10")]
