"""What a command hands to the output layer: a title, typed columns, rows and notes."""

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from .dates import PartialDate
from .records import Provenance

ColumnKind = Literal["text", "code", "year", "int", "num", "pct", "growth_pct", "delta", "bool",
                     "date", "list", "note"]
"""How a column's values look in a table: ``growth_pct`` and ``delta`` carry a sign and colour;
``code`` is text never wrapped (an id); ``note`` is prose that a table prints once under it, as
a numbered footnote."""

Value = str | int | float | bool | PartialDate | tuple[str, ...] | None


def json_value(v: Value) -> Any:
    """A cell as JSON has it: dates as ISO text, lists as arrays, the rest as they are."""
    if isinstance(v, PartialDate):
        return v.iso
    if isinstance(v, tuple):
        return list(v)
    return v


class Column(NamedTuple):
    """One output column; ``name`` is the stable snake_case key of csv and json."""

    name: str
    kind: ColumnKind = "text"
    doc: str = ""
    """What the column holds: Datasette's metadata and the data package describe it so."""


class Node(NamedTuple):
    """A node of a tree drawn under a table (the stakes' tree of control)."""

    label: str
    children: tuple["Node", ...] = ()


class Bar(NamedTuple):
    """One bar of a chart: a label and stacked (segment, value) parts."""

    label: str
    parts: tuple[tuple[str, float], ...]


class Report(NamedTuple):
    """Everything one command shows; the output layer decides how."""

    title: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Value, ...]]
    caption: str = ""
    """Source and the period the figures cover."""
    notes: Sequence[str] = ()
    """Printed under a table; on stderr (if a terminal) with machine formats."""
    footer: tuple[Value, ...] | None = None
    """A totals row, for tables only."""
    provenance: Sequence[Provenance | None] | None = None
    """One per row, for ``--cite``."""
    view: tuple[str, ...] | None = None
    """The columns a table shows by default (None: all); ``--wide`` shows all, machine formats
    always carry all."""
    tree: Node | None = None
    chart: tuple[Bar, ...] | None = None
    chart_unit: str = ""
    chart_note: str = ""
    """What the chart leaves out, and why."""
    empty_note: str = "No rows match these filters."

    def json_rows(self) -> list[dict[str, Any]]:
        """The rows as ``-f json`` prints them: one dict per row, keyed by column name."""
        names = [c.name for c in self.columns]
        return [{n: json_value(v) for n, v in zip(names, r, strict=True)} for r in self.rows]
