"""Name matching that forgives case, accents, punctuation and unambiguous prefixes."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping

from .errors import QueryError

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """Remove C0/C1 control characters and bidi overrides; tabs and newlines become spaces."""
    return _CONTROL.sub("", text.replace("\t", " ").replace("\n", " ").replace("\r", " "))


def fold(text: str) -> str:
    """Fold a name for matching: ``São José-dos Pinhais`` -> ``sao jose dos pinhais``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed
                   if not unicodedata.combining(c))
    return " ".join(kept.split())


def resolve_name(query: str, names: Mapping[str, Iterable[str]], what: str) -> str:
    """Return the canonical name that ``query`` means, or raise QueryError saying what is valid.

    ``names`` maps each canonical name to its aliases. An exact (folded) match of a name or
    alias wins; otherwise a prefix that only one canonical name has.
    """
    q = fold(query)
    keys: dict[str, str] = {}
    for name, aliases in names.items():
        for n in (name, *aliases):
            keys.setdefault(fold(n), name)
    if q in keys:
        return keys[q]
    hits = {name for k, name in keys.items() if q and (k.startswith(q) or
                                                        any(w.startswith(q) for w in k.split()))}
    if len(hits) == 1:
        return hits.pop()
    valid = ", ".join(sorted(names))
    if len(hits) > 1:
        raise QueryError(f"{what} '{query}' is ambiguous: it could be {', '.join(sorted(hits))}")
    close = difflib.get_close_matches(q, list(keys), n=1, cutoff=0.6)
    hint = f"; did you mean '{keys[close[0]]}'?" if close else ""
    raise QueryError(f"unknown {what} '{query}'{hint} (valid: {valid})")


def complete(incomplete: str, names: Iterable[str]) -> list[str]:
    """Shell completions for ``incomplete``: names it prefixes, ignoring case, in the case typed.

    The shell keeps only candidates that start with what was typed, so 'nis' completes to
    'nissan' rather than 'Nissan'.
    """
    low = incomplete.casefold()
    out = [incomplete + n[len(incomplete):] for n in names if n.casefold().startswith(low)]
    return list(dict.fromkeys(out))
