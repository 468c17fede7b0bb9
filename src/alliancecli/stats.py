"""Derived figures, computed from stored ones at query time and never stored."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def _pct(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def growth_pct(previous: int | None, current: int | None) -> float | None:
    """Change from ``previous`` to ``current`` in per cent, to 2 decimals; None if undefined."""
    if previous is None or current is None or previous == 0:
        return None
    return _pct((Decimal(current) - previous) * 100 / previous)


def share_pct(part: int, whole: int) -> float | None:
    """``part`` as a per cent of ``whole``, to 2 decimals."""
    if whole == 0:
        return None
    return _pct(Decimal(part) * 100 / whole)


def cagr_pct(start: int, end: int, years: int) -> float | None:
    """Compound annual growth rate over ``years`` years, in per cent to 2 decimals."""
    if years <= 0 or start <= 0 or end < 0:
        return None
    ratio = (Decimal(end) / Decimal(start)) ** (Decimal(1) / Decimal(years))
    return _pct((ratio - 1) * 100)
