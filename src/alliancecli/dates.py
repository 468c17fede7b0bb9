"""Dates at the precision the source gives: a year, a month or a day."""

from __future__ import annotations

import datetime as dt
import re

# ASCII digits only: \d would take Arabic-Indic and other digits and rewrite them as ASCII.
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


class PartialDate:
    """A calendar date known to the year, the month or the day; immutable.

    A plain slotted class: defining a dataclass costs more at start-up than this whole module,
    and sorting many dates by ``key`` (a tuple) runs in C.
    """

    __slots__ = ("year", "month", "day", "iso")
    year: int
    month: int
    """1-12, or 0 when only the year is known."""
    day: int
    """1-31, or 0 when only the month or the year is known."""
    iso: str
    """The date in ISO 8601 at its own precision: ``2016``, ``2016-10``, ``2016-10-20``."""

    def __init__(self, year: int, month: int = 0, day: int = 0) -> None:
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "month", month)
        object.__setattr__(self, "day", day)
        iso = f"{year:04d}" if not month else f"{year:04d}-{month:02d}" if not day \
            else f"{year:04d}-{month:02d}-{day:02d}"
        object.__setattr__(self, "iso", iso)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"PartialDate is immutable; cannot set {name}")

    @property
    def key(self) -> tuple[int, int, int]:
        """Sort key: a year-only date sorts before the months of its year."""
        return (self.year, self.month, self.day)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialDate) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __lt__(self, other: PartialDate) -> bool:
        return self.key < other.key

    def __le__(self, other: PartialDate) -> bool:
        return self.key <= other.key

    def __gt__(self, other: PartialDate) -> bool:
        return self.key > other.key

    def __ge__(self, other: PartialDate) -> bool:
        return self.key >= other.key

    def __repr__(self) -> str:
        return f"PartialDate({self.iso!r})"

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise ValueError otherwise."""
        m = _DATE.fullmatch(text)
        if m is None:
            raise ValueError(f"'{text}' is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        year, month, day = int(m[1]), int(m[2] or 0), int(m[3] or 0)
        if m[2] is not None and not 1 <= month <= 12:
            raise ValueError(f"'{text}' has no month {month}")
        if m[3] is not None:
            dt.date(year, month, day)  # raises ValueError for 2019-02-30
        if year < 1:
            raise ValueError(f"'{text}' has no year 0")
        return cls(year, month, day)

    def end(self) -> dt.date:
        """The last day of the period: a change dated by year or month counts as done by then."""
        if not self.month or (self.month == 12 and not self.day):
            return dt.date(self.year, 12, 31)
        if not self.day:
            following = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(self.year, self.month, self.day)

    def months_since(self, other: PartialDate) -> int:
        """Whole calendar months from ``other`` to ``self`` (month precision)."""
        return (self.year - other.year) * 12 + (self.month or 1) - (other.month or 1)

    def __str__(self) -> str:
        return self.iso
