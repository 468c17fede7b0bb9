"""Derived figures, computed from stored ones at query time and never stored.

Percentages are rounded half away from zero to 2 decimals with integer arithmetic, so that
6.495 is 6.50 exactly, with no float or Decimal surprises (and no ``decimal`` import).
"""

from __future__ import annotations


def ratio_pct(numerator: int, denominator: int) -> float:
    """``numerator / denominator`` in per cent, rounded half away from zero to 2 decimals."""
    negative = (numerator < 0) != (denominator < 0)
    n, d = abs(numerator), abs(denominator)
    hundredths = (n * 10_000 * 2 + d) // (2 * d)
    return (-hundredths if negative else hundredths) / 100


def round_half_up(value: float, decimals: int = 2) -> float:
    """Round a float half away from zero (``round`` rounds half to even)."""
    scale: int = 10**decimals
    scaled = abs(value) * scale
    whole = int(scaled)
    if scaled - whole >= 0.5:
        whole += 1
    return (-whole if value < 0 else whole) / scale


def growth_pct(previous: int | None, current: int | None) -> float | None:
    """Change from ``previous`` to ``current`` in per cent, to 2 decimals; None if undefined."""
    if previous is None or current is None or previous == 0:
        return None
    return ratio_pct(current - previous, previous)


def share_pct(part: int, whole: int) -> float | None:
    """``part`` as a per cent of ``whole``, to 2 decimals."""
    if whole == 0:
        return None
    return ratio_pct(part, whole)


def cagr_pct(start: int, end: int, years: int) -> float | None:
    """Compound annual growth rate over ``years`` years, in per cent to 2 decimals."""
    if years <= 0 or start <= 0 or end < 0:
        return None
    return round_half_up(((end / start) ** (1 / years) - 1) * 100)


def per_month(added: int, months: int) -> int | None:
    """Whole units per month, rounded half away from zero; None over no time."""
    if months <= 0:
        return None
    negative = added < 0
    q = (abs(added) * 2 + months) // (2 * months)
    return -q if negative else q
