"""Lay out a table for people: every value whole at any width, one line at a time.

Pure text in, lines out; no rich. Numbers, dates and codes keep their full width; text wraps at
word boundaries (inside a word only when one word is wider than its column); when the columns
cannot all fit, the table becomes a record layout, one block per row, as psql's expanded-auto
mode does. Lines are produced lazily, so a table of any size starts printing at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import NamedTuple

GAP = 2
"""Spaces between two columns."""
TEXT_MIN = 8
"""A text column is never made narrower than this (unless all its text is shorter)."""
WORD_CAP = 20
"""Words longer than this may be broken rather than widen their column further."""
STACK_BELOW = 16
"""In the record layout, values go under their labels when less than this is left beside them."""


# --- styles: plain SGR codes, only when colour is on -------------------------------------------


class Paint:
    """Wrap text in SGR codes, or leave it as it is when colour is off."""

    __slots__ = ("on",)

    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, text: str, style: str) -> str:
        if not self.on or not style or not text:
            return text
        return f"\x1b[{_SGR[style]}m{text}\x1b[0m"


_SGR = {"bold": "1", "dim": "2", "green": "32", "red": "31"}


# --- measuring and wrapping --------------------------------------------------------------------


def width(text: str) -> int:
    """Terminal cells ``text`` takes: wide East Asian characters count 2, combining marks 0."""
    if text.isascii():
        return len(text)
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


_DASHED = re.compile(r"[^\-\u2013]+[\-\u2013]*|[\-\u2013]+")


def dashed(word: str) -> list[str]:
    """A word's pieces after each hyphen or en dash ("Nissan–", "Dongfeng"): where a word
    wider than its column breaks first."""
    return _DASHED.findall(word) or [word]


def _cut(word: str, limit: int) -> list[str]:
    """Break one word that is wider than ``limit`` into pieces that fit: after a hyphen or an
    en dash where it has one, else anywhere."""
    lines: list[str] = []
    for part in dashed(word):
        if lines and width(lines[-1]) + width(part) <= limit:
            lines[-1] += part
        elif width(part) <= limit:
            lines.append(part)
        else:
            lines.extend(_cut_anywhere(part, limit))
    return lines


def _cut_anywhere(word: str, limit: int) -> list[str]:
    pieces: list[str] = []
    piece, used = "", 0
    for ch in word:
        w = width(ch)
        if used + w > limit and piece:
            pieces.append(piece)
            piece, used = "", 0
        piece += ch
        used += w
    if piece:
        pieces.append(piece)
    return pieces


def wrap(text: str, limit: int | None) -> list[str]:
    """Lines of at most ``limit`` cells, broken at spaces; ``None`` means no limit."""
    if limit is None or width(text) <= limit:
        return [text]
    lines: list[str] = []
    line, used = "", 0
    for word in text.split():
        w = width(word)
        if w > limit:
            if line:
                lines.append(line)
            *full, line = _cut(word, limit)
            lines.extend(full)
            used = width(line)
            continue
        if line and used + 1 + w > limit:
            lines.append(line)
            line, used = word, w
        elif line:
            line, used = f"{line} {word}", used + 1 + w
        else:
            line, used = word, w
    if line or not lines:
        lines.append(line)
    return lines


def hanging(text: str, lead: str, limit: int | None) -> list[str]:
    """``lead`` + ``text`` wrapped to ``limit``, continuation lines indented under the text."""
    if limit is None:
        return [lead + text]
    indent = " " * width(lead)
    body = wrap(text, max(limit - len(indent), 10))
    return [lead + body[0], *(indent + line for line in body[1:])]


def _header_pieces(name: str, limit: int) -> list[str]:
    """A column name on as many lines as it needs, broken only after an underscore."""
    if width(name) <= limit:
        return [name]
    parts = [p + "_" for p in name.split("_")]
    parts[-1] = parts[-1][:-1]
    lines: list[str] = []
    for part in parts:
        if lines and width(lines[-1]) + width(part) <= limit:
            lines[-1] += part
        else:
            lines.append(part)
    return lines


def _header_min(name: str) -> int:
    return max(width(p) for p in _header_pieces(name, 1))


# --- the layout --------------------------------------------------------------------------------


class Col(NamedTuple):
    """A column as the layout sees it."""

    name: str
    right: bool
    """Right-aligned (numbers)."""
    fixed: bool
    """Never wrapped: numbers, dates, codes, footnote markers."""


class Cell(NamedTuple):
    text: str
    style: str = ""


def _widths(cols: Sequence[Col], cells: Sequence[Sequence[Cell]],
            footer: Sequence[Cell] | None, limit: int | None,
            gap: int = GAP) -> list[int] | None:
    """Each column's width, or None when the columns cannot all fit ``limit``."""
    rows = [*cells, footer] if footer is not None else cells
    columns = [[r[i].text for r in rows] for i in range(len(cols))]
    natural = [max(max(map(width, texts), default=0), width(c.name))
               for c, texts in zip(cols, columns, strict=True)]
    gaps = gap * (len(cols) - 1)
    if limit is None or sum(natural) + gaps <= limit:
        return natural
    least, whole_words = [], []
    for c, texts, nat in zip(cols, columns, natural, strict=True):
        widest = max(map(width, texts), default=0)
        if c.fixed:
            low = words = max(widest, _header_min(c.name))
        else:
            longest = max((width(p) for t in texts for w in t.split() for p in dashed(w)),
                          default=0)
            low = max(min(widest, max(TEXT_MIN, min(longest, WORD_CAP))), _header_min(c.name))
            words = max(low, min(longest, nat))
        least.append(min(low, nat))
        whole_words.append(words)
    spare = limit - gaps - sum(least)
    if spare < 0:
        return None
    out = list(least)
    # First room for every word of a text column to stay whole, the smallest needs first.
    for i in sorted(range(len(cols)), key=lambda i: whole_words[i] - out[i]):
        need = whole_words[i] - out[i]
        if 0 < need <= spare:
            out[i] += need
            spare -= need
    # Then wrapped text costs a line on every row; a wrapped header costs one line once.
    for group in ([i for i, c in enumerate(cols) if not c.fixed],
                  [i for i, c in enumerate(cols) if c.fixed]):
        wants = {i: natural[i] - out[i] for i in group if natural[i] > out[i]}
        total = sum(wants.values())
        if not total or spare <= 0:
            continue
        if total <= spare:
            for i, w in wants.items():
                out[i] += w
            spare -= total
            continue
        given = {i: spare * w // total for i, w in wants.items()}
        left = spare - sum(given.values())
        for i in sorted(wants, key=lambda i: -wants[i]):
            if left <= 0:
                break
            if given[i] < wants[i]:
                given[i] += 1
                left -= 1
        for i, g in given.items():
            out[i] += g
        spare = 0
    return out


def _pad(text: str, size: int, right: bool) -> str:
    room = size - width(text)
    return (" " * room + text) if right else (text + " " * room)


def _line(parts: list[str], gap: int = GAP) -> str:
    return (" " * gap).join(parts).rstrip()


def table(title: str, cols: Sequence[Col], rows: Iterable[Sequence[Cell]], count: int,
          footer: Sequence[Cell] | None, limit: int | None, paint: Paint, rule: str,
          header: bool = True, expanded: bool = False,
          sample: int | None = None) -> Iterator[str]:
    """The lines of a table, or of the record layout when it cannot fit (or ``expanded``).

    ``rows`` is consumed lazily. With ``sample``, the column widths come from the first
    ``sample`` rows only, so a large table starts at once; a later value wider than its column
    is never cut, it pushes its row out of line instead.
    """
    it = iter(rows)
    head = list(it if sample is None else islice(it, sample))
    sizes, gap = None, GAP
    if not expanded:
        # Two spaces between columns; one when that is what keeps every word whole in a table
        # rather than the record layout.
        sizes = _widths(cols, head, footer, limit)
        if sizes is None:
            sizes, gap = _widths(cols, head, footer, limit, 1), 1
    if sizes is None:
        yield from records(title, cols, chain(head, it), count, footer, limit, paint, rule)
        return
    total = sum(sizes) + gap * (len(sizes) - 1)
    if title:
        yield from (paint(t.center(total).rstrip() if width(t) < total else t, "bold")
                    for t in wrap(title, limit))
        yield ""
    if header:
        pieces = [_header_pieces(c.name, s) for c, s in zip(cols, sizes, strict=True)]
        height = max((len(p) for p in pieces), default=1)
        for k in range(height):
            parts = []
            for p, c, s in zip(pieces, cols, sizes, strict=True):
                text = p[k - (height - len(p))] if k >= height - len(p) else ""
                parts.append(paint(_pad(text, s, c.right), "bold"))
            yield _line(parts, gap)
        yield rule * total
    for row in chain(head, it):
        yield from _row_lines(row, cols, sizes, paint, gap)
    if footer is not None:
        yield rule * total
        yield from _row_lines(footer, cols, sizes, paint, gap)


def _row_lines(row: Sequence[Cell], cols: Sequence[Col], sizes: Sequence[int],
               paint: Paint, gap: int = GAP) -> Iterator[str]:
    blocks = [[cell.text] if col.fixed else wrap(cell.text, size)
              for cell, col, size in zip(row, cols, sizes, strict=True)]
    for k in range(max(len(b) for b in blocks)):
        yield _line([paint(_pad(b[k] if k < len(b) else "", s, c.right), cell.style)
                     for b, c, s, cell in zip(blocks, cols, sizes, row, strict=True)], gap)


def records(title: str, cols: Sequence[Col], rows: Iterable[Sequence[Cell]], count: int,
            footer: Sequence[Cell] | None, limit: int | None, paint: Paint,
            rule: str) -> Iterator[str]:
    """One block per row, a ``column  value`` line per column (psql's expanded layout)."""
    if title:
        yield from (paint(t, "bold") for t in wrap(title, limit))
        yield ""
    label = max((width(c.name) for c in cols), default=0)
    room = None if limit is None else limit - label - GAP
    stacked = room is not None and room < STACK_BELOW
    blocks = chain(((f"{i} of {count}", row) for i, row in enumerate(rows, 1)),
                   [("Total", footer)] if footer is not None else [])
    for name, row in blocks:
        head = f"{rule * 2} {name} "
        yield paint(head + rule * (2 if limit is None else max(2, limit - width(head))), "bold")
        for c, cell in zip(cols, row, strict=True):
            if stacked:
                yield paint(c.name, "bold")
                yield from ("  " + paint(t, cell.style)
                            for t in wrap(cell.text, None if limit is None else limit - 2))
                continue
            if c.fixed and room is not None and width(cell.text) > room:
                # A number wider than the room beside the labels goes whole under its label.
                yield paint(c.name, "bold")
                yield "  " + paint(cell.text, cell.style)
                continue
            if room is not None and not c.fixed and limit is not None and any(
                    width(w) > room for w in cell.text.split()):
                # A word wider than the room beside the labels: the text goes under its label.
                yield paint(c.name, "bold")
                yield from ("  " + paint(t, cell.style) for t in wrap(cell.text, limit - 2))
                continue
            lines = [cell.text] if c.fixed else wrap(cell.text, room)
            first = paint(_pad(c.name, label, False), "bold")
            yield (first + " " * GAP + paint(lines[0], cell.style)).rstrip()
            yield from (" " * (label + GAP) + paint(t, cell.style) for t in lines[1:])
