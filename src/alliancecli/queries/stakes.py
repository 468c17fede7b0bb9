"""Cross-shareholdings in force at a date, their history, and the tree of control they form."""

from __future__ import annotations

from collections.abc import Sequence

from ..dates import PartialDate
from ..errors import QueryError
from ..records import Stake, StakesData
from ..report import Column, Node, Report, Value
from ..text import resolve_name
from .common import caption, span

COLUMNS = (
    Column("id", "code", "The stake's id in stakes.json (holder-target-year)."),
    Column("holder", "text", "Who holds the stake (' + ' joins holders stated together)."),
    Column("target", "text", "The company held."),
    Column("pct", "num", "Per cent of the target; empty where the article states no size."),
    Column("voting", "bool", "Whether the stake votes, where the article says."),
    Column("since", "date", "When the stake took effect."),
    Column("until", "date", "When it ended or was replaced; empty if still in force."),
    Column("qualifier", "text", "The article's hedge on the size."),
    Column("note", "note", "How the record reads the article."))
SEARCHED = ("holder", "target", "note")
VIEW = tuple(c.name for c in COLUMNS if c.name != "id")


def today() -> PartialDate:
    import datetime

    d = datetime.date.today()
    return PartialDate(d.year, d.month, d.day)


def parse_as_of(records: StakesData, text: str | None) -> PartialDate:
    """Check --as-of: any date from the first stake on; None means today."""
    if text is None:
        return today()
    try:
        when = PartialDate.parse(text.strip())
    except ValueError as e:
        raise QueryError(f"--as-of: {e}") from None
    if not records.stakes:
        raise QueryError("there are no stakes in the data, so --as-of cannot match")
    first = min(s.since for s in records.stakes)
    if when.end() < first.end():
        raise QueryError(f"no stakes before {first.iso}; --as-of takes a date from "
                         f"{first.iso} on")
    return when


def in_force(stake: Stake, when: PartialDate) -> bool:
    """True if ``stake`` holds at the end of ``when``."""
    at = when.end()
    return stake.since.end() <= at and (stake.until is None or at < stake.until.end())


def _names(records: StakesData, holder: Sequence[str], target: Sequence[str]) -> tuple[set[str],
                                                                                       set[str]]:
    known = {e.name: e.aliases for e in records.entities}
    return ({resolve_name(h, known, "holder") for h in holder},
            {resolve_name(t, known, "target") for t in target})


def _row(s: Stake) -> tuple[Value, ...]:
    notes = [n for n in (s.since_note, s.prov.note, s.until_note) if n]
    if "combined" in s.prov.flags:
        notes.insert(0, "Stated for the parties together; the source gives no split.")
    return (s.id, " + ".join(s.holder), " + ".join(s.target), s.pct, s.voting, s.since,
            s.until, s.prov.qualifier, " ".join(notes) or None)


def stakes(records: StakesData, as_of: str | None = None, holder: Sequence[str] = (),
           target: Sequence[str] = (), history: bool = False) -> Report:
    """Stakes in force at ``as_of`` (or every change with ``history``)."""
    when = parse_as_of(records, as_of)
    holders, targets = _names(records, holder, target)
    chosen = [s for s in records.stakes
              if (not holders or holders & set(s.holder))
              and (not targets or targets & set(s.target))
              and (history or in_force(s, when))]
    years = [y for s in records.stakes for y in (s.since.year, s.until.year if s.until else 0)
             if y]
    at = "today" if as_of is None else f"the end of {when.iso}"
    title = ("Alliance stakes: every change" if history else
             f"Alliance stakes in force {'' if as_of is None else 'at '}{at}")
    notes = []
    if any(s.prov.flags and "conflict" in s.prov.flags for s in chosen):
        notes.append("A flagged conflict: the source states one of these stakes with two "
                     "different figures; the note on the row gives both.")
    open_ended = [s for s in chosen if s.until is None and s.prov.unconfirmed]
    if not history and open_ended:
        notes.append(f"{len(open_ended)} of these stakes have no recorded end; what the "
                     "sources looked up could not confirm about them is in --cite's "
                     "unconfirmed column.")
    if not history and as_of is not None and len(when.iso) < 10:
        notes.append(f"--as-of {when.iso} means the state at {when.end().isoformat()}; a change "
                     "the source dates only by year or month counts as done by the end of it.")
    return Report(
        title=title, columns=COLUMNS, rows=[_row(s) for s in chosen],
        provenance=[s.prov for s in chosen], notes=notes, view=VIEW,
        caption=caption(records.sources, f"stakes {span(years)}"),
        tree=None if history else control_tree([s for s in records.stakes if in_force(s, when)],
                                               at))


def _edge_label(s: Stake) -> str:
    size = "size not stated" if s.pct is None else f"{s.pct:g} %"
    vote = "" if s.voting is None else " voting" if s.voting else " non-voting"
    joint = " (jointly)" if len(s.holder) > 1 else ""
    return f"{size}{vote}{joint}"


def control_tree(stakes_now: Sequence[Stake], at: str) -> Node:
    """Who holds whom, drawn from the stakes in force; cycles shown as cross-holdings."""
    edges: dict[str, list[tuple[str, Stake]]] = {}
    held: set[str] = set()
    for s in stakes_now:
        h, t = " + ".join(s.holder), " + ".join(s.target)
        edges.setdefault(h, []).append((t, s))
        held.add(t)
    nodes = sorted(set(edges) | held)
    roots = [n for n in nodes if n not in held and n in edges]
    seen: set[str] = set()

    def walk(name: str, path: tuple[str, ...]) -> tuple[Node, ...]:
        out = []
        for t, s in sorted(edges.get(name, []), key=lambda e: (-(e[1].pct or 0), e[0])):
            label = f"{t}: {_edge_label(s)}"
            if t in path:
                out.append(Node(f"{label} \u21c4 cross-holding with {t}"))
            elif t in seen:
                out.append(Node(f"{label} (its holdings are shown above)" if t in edges
                                else label))
            else:
                seen.add(t)
                out.append(Node(label, walk(t, (*path, t))))
        return tuple(out)

    children: list[Node] = []
    for r in roots:
        seen.add(r)
        children.append(Node(r, walk(r, (r,))))
    # Holders reachable only through a cycle (Renault and Nissan hold each other): start from
    # the one with the largest stake, so the tree reads Renault -> Nissan, not the reverse.
    def weight(n: str) -> tuple[float, str]:
        return (-max(((s.pct or 0) for t, s in edges[n] if t in edges), default=0), n)

    while rest := sorted((n for n in edges if n not in seen), key=weight):
        seen.add(rest[0])
        children.append(Node(rest[0], walk(rest[0], (rest[0],))))
    return Node(f"Control at {at}", tuple(children))
