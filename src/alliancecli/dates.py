"""Dates at the precision the source gives: a year, a month or a day."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True, slots=True, order=True)
class PartialDate:
    """A calendar date known to the year, the month or the day."""

    year: int
    month: int = 0
    """1-12, or 0 when only the year is known."""
    day: int = 0
    """1-31, or 0 when only the month or the year is known."""

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

    @property
    def iso(self) -> str:
        """The date in ISO 8601 at its own precision: ``2016``, ``2016-10``, ``2016-10-20``."""
        if not self.month:
            return f"{self.year:04d}"
        if not self.day:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def end(self) -> dt.date:
        """The last day of the period: a change dated by year or month counts as done by then."""
        if not self.month:
            return dt.date(self.year, 12, 31)
        if not self.day:
            return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return dt.date(self.year, self.month, self.day)

    def start(self) -> dt.date:
        """The first day of the period."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def months_since(self, other: PartialDate) -> int:
        """Whole calendar months from ``other`` to ``self`` (month precision)."""
        return (self.year - other.year) * 12 + (self.month or 1) - (other.month or 1)

    def __str__(self) -> str:
        return self.iso
