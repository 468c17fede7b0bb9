"""Helpers the queries share."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import QueryError
from ..records import Source


def caption(sources: Iterable[Source], period: str) -> str:
    """Name the source(s) and the period the figures cover; never an invented revision date."""
    listed = list(sources)
    quoted = [s for s in listed if s.licence is not None]
    names = "; ".join(f"{s.publisher}, \u201c{s.title}\u201d ({s.licence})" for s in quoted)
    others = len(listed) - len(quoted)
    if others:
        more = f"{others} other source{'s' if others > 1 else ''} (--cite names each row's)"
        names = f"{names}, and {more}" if names else more
    return f"Source{'s' if len(listed) > 1 else ''}: {names}. Figures cover {period}."


def span(years: Iterable[int]) -> str:
    ys = sorted(set(years))
    if not ys:
        return "no years"
    return str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}\u2013{ys[-1]}"


def year_range(available: Iterable[int], what: str, year: int | None, start: int | None,
               end: int | None) -> tuple[int, int]:
    """Check --year / --from / --to against the years an area covers; return the range asked.

    A range that overlaps the data is valid (it may match nothing); one that lies wholly
    outside it can never match and is a usage error.
    """
    ys = sorted(set(available))
    if not ys:  # an empty area: no filter can match, and asking for everything gives nothing
        if year is not None or start is not None or end is not None:
            raise QueryError(f"there is no {what} data, so no year can match")
        return 1, 0
    have = f"years available: {span(ys)}"
    if year is not None:
        if start is not None or end is not None:
            raise QueryError("--year cannot be combined with --from or --to")
        if not ys[0] <= year <= ys[-1]:
            raise QueryError(f"no {what} data for {year}; {have}")
        return year, year
    if start is not None and end is not None and start > end:
        raise QueryError(f"--from {start} is after --to {end}; {have}")
    if start is not None and start > ys[-1]:
        raise QueryError(f"no {what} data from {start} on; {have}")
    if end is not None and end < ys[0]:
        raise QueryError(f"no {what} data up to {end}; {have}")
    # Clipped to the data: a range reaching far beyond it means the same rows, and a loop over
    # --from -100000000000 must not take forever.
    return (ys[0] if start is None else max(start, ys[0])), \
        (ys[-1] if end is None else min(end, ys[-1]))


def sentences(*parts: tuple[str, str | None]) -> str | None:
    """Notes made of several parts, each read as a sentence.

    A part that is already a sentence stays as it is; a fragment ("early 2020", "annual; the
    article says ...") gets its label ("Date: early 2020."). Each ends with a full stop.
    """
    out = []
    for label, text in parts:
        if not text or not text.strip():
            continue
        t = " ".join(text.split())
        if t[0].islower():
            t = f"{label}: {t}" if label else t[0].upper() + t[1:]
        if not t.endswith((".", "!", "?", '."', ".'", ".)")):
            t += "."
        out.append(t)
    return " ".join(out) or None


def others_note(count: int, what: str, names: Iterable[str]) -> str:
    """Say which rows about non-members a listing leaves out, and how to see them."""
    listed = ", ".join(sorted(set(names)))
    return (f"Left out: {count} {what}{'' if count == 1 else 's'} about {listed}, outside the "
            "Alliance, which the source cites for comparison; --include-others shows them.")


def number(v: float) -> str:
    """A stored amount for a sentence: digits grouped, no exponent, nothing rounded."""
    if isinstance(v, int) or v.is_integer():
        return f"{int(v):,}"
    return f"{v:,}"
