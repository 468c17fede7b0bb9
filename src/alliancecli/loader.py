"""Read each data file once, validate it, and return typed records.

Every problem becomes a DataError naming the file, the record and the field, so a person
editing a data file can fix it without reading this code.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from .dates import PartialDate
from .errors import DataError

if TYPE_CHECKING:  # importlib.abc pulls in tempfile and random: ~3 ms at every start
    from importlib.abc import Traversable
from .records import (
    Aggregate,
    Corroboration,
    Entity,
    EvData,
    Event,
    Maker,
    Member,
    Milestone,
    Model,
    Omission,
    Plant,
    PlantsData,
    Provenance,
    Sale,
    SalesData,
    Source,
    Stake,
    StakesData,
    Statement,
    TimelineData,
    Total,
)
from .vocab import (
    CapacityUnit,
    EntityKind,
    EventKind,
    EvMetric,
    FacilityType,
    Flag,
    OmissionReason,
    Origin,
    SalesMetric,
    SourceKind,
    SubjectType,
    Tag,
    values,
)

SCHEMA_VERSION = 2
"""The version this release writes; it reads every version in SCHEMA_VERSIONS."""
SCHEMA_VERSIONS = (1, 2)
MAX_BYTES = 256 * 1024 * 1024
"""A data file larger than this is refused before it is read."""
MAX_INT_DIGITS = 20
INT_RANGE = range(-(2**63), 2**63)
"""Integers SQLite can store (64-bit): every output can write them."""
YEARS = range(1850, 2101)
"""Years a record may be about or dated in: wide of the Alliance's history, and bounded so that
a year cannot make a query loop over centuries."""
PLAIN_SPACES = str.maketrans(dict.fromkeys(
    "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
    " "))
"""No-break, thin and other odd spaces, read as a plain space in every text but a quote, so
that `LIKE '%1 million%'`, --search, csvkit and spreadsheets find what people type."""


def plain_spaces(text: str) -> str:
    """``text`` with PLAIN_SPACES read as spaces (ASCII, which has none of them, as it is: a
    str knows whether it is ASCII without a scan)."""
    return text if text.isascii() else text.translate(PLAIN_SPACES)
SEPARATOR = ";"
"""Joins list items in csv, tsv and tables, so no item of a list field may contain it."""

# The vocabularies of vocab.py as sets of plain strings, for fast checks of raw JSON values.
TAGS, KINDS, FLAGS, SUBJECT_TYPES, EV_METRICS, SALES_METRICS, ORIGINS, CAPACITY_UNITS, \
    FACILITY_TYPES, ENTITY_KINDS, OMISSION_REASONS, SOURCE_KINDS = map(values, (
        Tag, EventKind, Flag, SubjectType, EvMetric, SalesMetric, Origin, CapacityUnit,
        FacilityType, EntityKind, OmissionReason, SourceKind))

T = TypeVar("T")

# The checks of `alliance check` that the loader itself performs; each problem names its rule.
SCHEMA = "schema"
TOTALS = "totals reconcile"
PERCENTAGES = "percentages within 0-100"
DATES = "dates valid"
POSITIVE = "figures positive"
QUOTED = "every record has a quote"
SOURCED = "other sources pointed to, never quoted"
UNIQUE = "ids unique"
RULES = (SCHEMA, UNIQUE, TOTALS, PERCENTAGES, DATES, POSITIVE, QUOTED, SOURCED)


class Collected(NamedTuple):
    """What validating one file found: its records (if the file could be read at all), every
    problem, and how many values each rule looked at."""

    file: str
    """The file as messages name it (``sales.json (bundled)``, ``my-data/sales.json``)."""
    records: Any
    problems: list[DataError]
    checked: dict[str, int]


class _Collector:
    def __init__(self) -> None:
        self.problems: list[DataError] = []
        self.checked: dict[str, int] = dict.fromkeys(RULES, 0)


_collecting: _Collector | None = None
"""Set while `collect` runs: problems are recorded instead of stopping at the first."""


def _problem(e: DataError) -> None:
    """Stop at this problem, or record it and go on when collecting every problem."""
    if _collecting is None:
        raise e
    _collecting.problems.append(e)


def _checked(rule: str, n: int = 1) -> None:
    if _collecting is not None:
        _collecting.checked[rule] += n


def collect(area: str, where: DataDir | None, build: Callable[[DataDir], T]) -> Collected:
    """Validate one file completely: every problem, not just the first (for alliance check)."""
    global _collecting
    where = where or bundled()
    _collecting = _Collector()
    try:
        records = build(where)
    except DataError as e:  # the file as a whole cannot be read: nothing else can be checked
        _collecting.problems.append(e)
        records = None
    finally:
        found, _collecting = _collecting, None
    return Collected(where.name(area), records, found.problems, found.checked)


# --- where the data lives ---------------------------------------------------------------


class DataDir(NamedTuple):
    """A directory laid out like ``data/``: the bundled one or a user's (``--data``)."""

    root: Traversable
    label: str
    """How errors name the directory."""
    bundled: bool
    only: frozenset[str] | None = None
    """--source: the sources whose records to keep (None: every source)."""

    def file(self, area: str) -> Traversable:
        return self.root / f"{area}.json"

    def name(self, area: str) -> str:
        if self.bundled:
            return f"{area}.json (bundled)"
        return os.path.join(self.label, f"{area}.json")


def bundled() -> DataDir:
    """The dataset shipped inside the package."""
    here = Path(__file__).with_name("data")
    if (here / "sales.json").is_file():  # an installed wheel: skip importlib.resources' import
        return DataDir(here, "bundled data", True)
    from importlib import resources  # an editable install maps the package elsewhere

    return DataDir(resources.files("alliancecli.data"), "bundled data", True)


def resolve(path: str | None) -> DataDir:
    """``--data DIR``, else ``$ALLIANCE_DATA``, else the bundled dataset."""
    chosen = path if path else os.environ.get("ALLIANCE_DATA") or None
    if chosen is None:
        return bundled()
    p = Path(chosen)
    if not p.exists():
        raise DataError(chosen, "no such directory")
    if not p.is_dir():
        raise DataError(chosen, "not a directory (--data takes a directory laid out like data/)")
    return DataDir(p, chosen, False)


# --- safe JSON -------------------------------------------------------------------------


class _Reject(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Reject(f"duplicate key '{key}'")
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise _Reject(f"{name} is not a number JSON allows")


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Reject(f"number {text[:20]} is out of range")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Reject(f"integer with {len(text)} digits is out of range")
    value = int(text)
    if value not in INT_RANGE:
        raise _Reject(f"integer {text} does not fit in 64 bits (SQLite's limit)")
    return value


# A lone surrogate can only come from a \uD800-\uDFFF escape (UTF-8 itself cannot hold one).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _lone_surrogate(node: Any, where: str) -> str | None:
    """The path of the first string (or key) that holds a lone surrogate, if any."""
    stack = [(node, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(item, dict):
            for k, v in item.items():
                stack.append((k, f"{path} (a key)"))
                stack.append((v, f"{path}.{k}"))
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(item))
    return None


def read_json(where: DataDir, area: str) -> Any:
    """Parse one file strictly: UTF-8, no NaN or Infinity, no duplicate keys, bounded size."""
    name = where.name(area)
    f = where.file(area)
    try:
        if isinstance(f, Path):
            if not f.exists():
                raise DataError(name, "missing (a data directory holds every file of the "
                                "bundled data/: alliance init-data DIR writes them)")
            if f.is_dir():
                raise DataError(name, "is a directory, not a file")
            if not f.is_file():  # a FIFO or a device would block or never end
                raise DataError(name, "is not a regular file")
            size = f.stat().st_size
            if size > MAX_BYTES:
                raise DataError(name, f"is {size:,} bytes; the limit is {MAX_BYTES:,} (256 MiB)")
        raw = f.read_bytes()
    except OSError as e:
        raise DataError(name, f"cannot be read: {e.strerror or e}") from None
    if len(raw) > MAX_BYTES:
        raise DataError(name, f"is over the limit of {MAX_BYTES:,} bytes (256 MiB)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(name, f"is not UTF-8 (byte {e.start} is 0x{raw[e.start]:02x})") from None
    try:
        doc = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant,
                         parse_float=_float, parse_int=_int)
    except json.JSONDecodeError as e:
        raise DataError(name, f"is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") \
            from None
    except _Reject as e:
        raise DataError(name, f"is not valid data: {e}") from None
    except RecursionError:
        raise DataError(name, "is nested too deeply to be this dataset") from None
    except ValueError as e:  # e.g. a float literal Python refuses
        raise DataError(name, f"is not valid JSON: {str(e)[:120]}") from None
    if _SURROGATE_ESCAPE.search(text):
        path = _lone_surrogate(doc, area)
        if path is not None:
            raise DataError(name, "holds text that is not valid Unicode (a lone surrogate "
                            f"escape such as \\ud800) at {path}")
    return doc


# --- typed field access ----------------------------------------------------------------


class Fields:
    """Typed access to one JSON object; every failure names file, record and field."""

    __slots__ = ("obj", "file", "_record")

    def __init__(self, obj: Any, file: str, record: str | Callable[[], str],
                 allowed: AbstractSet[str]) -> None:
        self.file = file
        self._record = record
        if not isinstance(obj, dict):
            raise DataError(file, f"expected an object, found {_kind(obj)}", self.record)
        self.obj: dict[str, Any] = obj
        if not obj.keys() <= allowed:
            raise DataError(file, "unknown field (see data/README.md for the schema)",
                            self.record, sorted(obj.keys() - allowed)[0])

    @property
    def record(self) -> str:
        """The record's name for an error message, worked out only when one is needed."""
        if not isinstance(self._record, str):
            self._record = self._record()
        return self._record

    def fail(self, key: str, message: str, rule: str = SCHEMA) -> DataError:
        return DataError(self.file, message, self.record, key, rule, self.obj.get(key))

    def get(self, key: str) -> Any:
        try:
            return self.obj[key]
        except KeyError:
            raise self.fail(key, "missing") from None

    def text(self, key: str) -> str:
        v = self.get(key)
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, f"expected non-empty text, found {_kind(v)}")
        return plain_spaces(v)

    def opt_text(self, key: str) -> str | None:
        v = self.obj.get(key)
        return None if v is None else self.text(key)

    def whole(self, key: str) -> int:
        v = self.get(key)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(key, f"expected a whole number, found {_kind(v)}")
        return v

    def opt_whole(self, key: str) -> int | None:
        return None if self.obj.get(key) is None else self.whole(key)

    def num(self, key: str) -> float:
        v = self.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(key, f"expected a number, found {_kind(v)}")
        return v

    def opt_num(self, key: str) -> float | None:
        return None if self.obj.get(key) is None else self.num(key)

    def flag(self, key: str) -> bool:
        v = self.get(key)
        if not isinstance(v, bool):
            raise self.fail(key, f"expected true or false, found {_kind(v)}")
        return v

    def opt_flag(self, key: str) -> bool | None:
        return None if self.obj.get(key) is None else self.flag(key)

    def year(self, key: str) -> int:
        v = self.whole(key)
        _checked(DATES)
        if v not in YEARS:
            raise self.fail(key, f"{v} is not a year from {YEARS[0]} to {YEARS[-1]}", DATES)
        return v

    def opt_year(self, key: str) -> int | None:
        return None if self.obj.get(key) is None else self.year(key)

    def joined(self, key: str) -> tuple[str, ...]:
        """A list shown joined by ';' in csv, tsv and tables: no item may contain one."""
        items = self.strs(key)
        for item in items:
            if SEPARATOR in item:
                raise self.fail(key, f"item '{item}' contains '{SEPARATOR}', which separates "
                                "list items in csv and tsv")
        return items

    def strs(self, key: str, allowed: AbstractSet[str] | None = None,
             nonempty: bool = False, verbatim: bool = False) -> tuple[str, ...]:
        """A list of texts; ``verbatim`` (quotes) keeps the source's own spaces."""
        v = self.obj.get(key, [])
        if not isinstance(v, list) or not all(isinstance(s, str) and s.strip() for s in v):
            raise self.fail(key, f"expected a list of non-empty texts, found {_kind(v)}")
        if nonempty and not v:
            raise self.fail(key, "must not be empty")
        items = tuple(v) if verbatim else tuple(plain_spaces(s) for s in v)
        if allowed is not None:
            for s in items:
                if s not in allowed:
                    raise self.fail(key, f"'{s}' is not one of: {', '.join(sorted(allowed))}")
        return items

    def enum(self, key: str, allowed: Iterable[str]) -> str:
        v = self.text(key)
        if v not in allowed:
            raise self.fail(key, f"'{v}' is not one of: {', '.join(sorted(allowed))}")
        return str(v)

    def opt_enum(self, key: str, allowed: Iterable[str]) -> str | None:
        return None if self.obj.get(key) is None else self.enum(key, allowed)

    def date(self, key: str) -> PartialDate:
        v = self.text(key)
        _checked(DATES)
        try:
            d = PartialDate.parse(v)
        except ValueError as e:
            raise self.fail(key, str(e), DATES) from None
        if d.year not in YEARS:
            raise self.fail(key, f"{v} is not in the years {YEARS[0]} to {YEARS[-1]}", DATES)
        return d

    def opt_date(self, key: str) -> PartialDate | None:
        return None if self.obj.get(key) is None else self.date(key)

    def pct(self, key: str) -> float | None:
        v = self.opt_num(key)
        if v is not None:
            _checked(PERCENTAGES)
            if not 0 <= v <= 100:
                raise self.fail(key, f"{v} is not a percentage between 0 and 100", PERCENTAGES)
        return v

    def positive(self, key: str) -> int | None:
        v = self.opt_whole(key)
        if v is not None:
            _checked(POSITIVE)
            if v <= 0:
                raise self.fail(key, f"{v} is not a positive number", POSITIVE)
        return v

    def not_negative(self, key: str) -> int:
        v = self.whole(key)
        _checked(POSITIVE)
        if v < 0:
            raise self.fail(key, f"{v} is negative", POSITIVE)
        return v

    def amount(self, key: str) -> float | None:
        """An optional positive amount of money."""
        v = self.opt_num(key)
        if v is not None:
            _checked(POSITIVE)
            if v <= 0:
                raise self.fail(key, f"{v} is not a positive amount", POSITIVE)
        return v


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "empty text" if not v.strip() else "text"
    if isinstance(v, list):
        return "a list"
    return "an object"


PROV_KEYS = ("source", "section", "quote", "qualifier", "flags", "note", "locator",
             "description", "corroboration", "evidence", "unconfirmed")
V2_PROV_KEYS = frozenset(("locator", "description", "corroboration", "evidence", "unconfirmed"))
"""Provenance fields new in schema_version 2."""
SOURCE_KEYS = frozenset(("title", "publisher", "url", "licence", "licence_url", "seed", "kind",
                         "published", "language"))
CORROBORATION_KEYS = frozenset(("source", "value", "agrees", "locator", "description", "field"))
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def _listed(names: Iterable[str], most: int = 6) -> str:
    """A few names for an error message, and how many there are in all."""
    items = list(names)
    shown = ", ".join(items[:most])
    return shown if len(items) <= most else f"{shown}, ... {len(items)} in all"


class Sources(dict[str, Source]):
    """A file's sources by id, and the schema_version of the file that lists them."""

    version: int = SCHEMA_VERSION


def _prov(f: Fields, sources: dict[str, Source]) -> Provenance:
    """Where a record comes from: a quote of a source whose licence allows copying it (the
    article), or a locator and a description in this project's words (any other source)."""
    src = f.text("source")
    if src not in sources:
        raise f.fail("source", f"'{src}' is not in the file's sources ({_listed(sources)})")
    version = getattr(sources, "version", SCHEMA_VERSION)
    if version < 2:
        for key in V2_PROV_KEYS & f.obj.keys():
            raise f.fail(key, "is new in schema_version 2: set the file's schema_version to 2")
    quotable = sources[src].licence is not None
    if quotable:
        _checked(QUOTED)
        try:
            quote = f.strs("quote", nonempty=True, verbatim=True)
        except DataError as e:
            e.rule = QUOTED
            raise
        section: str | None = f.text("section")
        locator, description = f.opt_text("locator"), f.opt_text("description")
    else:
        _checked(SOURCED)
        if f.obj.get("quote"):
            raise f.fail("quote", f"source '{src}' has no licence that allows copying its "
                         "words: give locator and description (in your own words) instead",
                         SOURCED)
        quote, section = (), f.opt_text("section")
        locator, description = f.text("locator"), f.text("description")
    corroboration = _corroboration(f, src, sources)
    evidence = f.opt_text("evidence")
    if evidence is None and any(not c.agrees for c in corroboration):
        raise f.fail("evidence", "missing: a source disagrees, so say which value the weight of "
                     "evidence favours and why")
    return Provenance(
        source=src,
        section=section,
        quote=quote,
        qualifier=f.opt_text("qualifier"),
        flags=f.strs("flags", FLAGS),
        note=f.opt_text("note"),
        locator=locator,
        description=description,
        corroboration=corroboration,
        evidence=evidence,
        unconfirmed=f.opt_text("unconfirmed"),
    )


def _corroboration(f: Fields, own: str, sources: dict[str, Source]
                   ) -> tuple[Corroboration, ...]:
    raw = f.obj.get("corroboration")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise f.fail("corroboration", f"expected a list, found {_kind(raw)}")
    out = []
    for i, item in enumerate(raw):
        c = Fields(item, f.file, f"{f.record}, corroboration[{i}]", CORROBORATION_KEYS)
        src = c.text("source")
        if src not in sources:
            raise c.fail("source", f"'{src}' is not in the file's sources "
                         f"({_listed(sources)})")
        if src == own:
            raise c.fail("source", "is the record's own source; corroboration is another's")
        value = c.get("value")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise c.fail("value", f"expected text or a number, found {_kind(value)}")
        if isinstance(value, str):
            value = c.text("value")
            if SEPARATOR in value:
                raise c.fail("value", f"contains '{SEPARATOR}', which separates the items of "
                             "--cite's corroboration list in csv and tsv")
        out.append(Corroboration(src, value, c.flag("agrees"), c.text("locator"),
                                 c.text("description"), c.opt_text("field")))
    return tuple(out)


def _list(doc: Fields, key: str) -> list[Any]:
    v = doc.get(key)
    if not isinstance(v, list):
        raise doc.fail(key, f"expected a list, found {_kind(v)}")
    return v


def _each(doc: Fields, key: str, label: Callable[[Any, int], str], keys: Iterable[str],
          build: Callable[[Fields], T]) -> list[T]:
    allowed = frozenset(keys)
    items = _list(doc, key)
    if _collecting is None:
        return [build(Fields(item, doc.file, functools.partial(label, item, i), allowed))
                for i, item in enumerate(items)]
    out = []
    for i, item in enumerate(items):  # every record checked; a broken one is left out
        _checked(SCHEMA)
        try:
            out.append(build(Fields(item, doc.file, functools.partial(label, item, i),
                                    allowed)))
        except DataError as e:
            _problem(e)
    return out


def _label(key: str, *fields: str) -> Callable[[Any, int], str]:
    """Name a record by its position and, where present, its identifying fields."""
    def label(item: Any, i: int) -> str:
        parts = []
        if isinstance(item, dict):
            parts = [str(item[f])[:60] for f in fields if isinstance(item.get(f), str | int)]
        return f"{key}[{i}]" + (f" ({', '.join(parts)})" if parts else "")
    return label


def _document(where: DataDir, area: str, keys: tuple[str, ...]) -> tuple[Fields, Sources]:
    name = where.name(area)
    doc = Fields(read_json(where, area), name, "top level",
                 frozenset(("schema_version", "area", "sources", "omissions", *keys)))
    version = doc.get("schema_version")
    if type(version) is not int or version not in SCHEMA_VERSIONS:  # not true, not 1.0
        raise doc.fail("schema_version", f"is {version!r}; this version of alliance reads "
                       f"schema_version {' or '.join(map(str, SCHEMA_VERSIONS))}")
    if doc.text("area") != area:
        raise doc.fail("area", f"says '{doc.obj['area']}', expected '{area}'")
    raw = doc.get("sources")
    if not isinstance(raw, dict) or not raw:
        raise doc.fail("sources", "expected a non-empty object of sources")
    sources = Sources()
    sources.version = version
    for key, item in raw.items():
        sid = plain_spaces(key)  # as every record's `source` is read
        s = Fields(item, name, f"sources.{key}", SOURCE_KEYS)
        sources[sid] = _source(s, sid, version)
    return doc, sources


def _source(s: Fields, sid: str, version: int) -> Source:
    if version < 2:
        for key in ("kind", "published", "language") & s.obj.keys():
            raise s.fail(key, "is new in schema_version 2: set the file's schema_version to 2")
        return Source(sid, s.text("title"), s.text("publisher"), s.text("url"),
                      s.text("licence"), s.text("licence_url"), s.opt_text("seed"))
    language = s.text("language")
    if not _LANGUAGE.fullmatch(language):
        raise s.fail("language", f"'{language}' is not a language tag such as en, fr or ja")
    licence = s.opt_text("licence")
    if (licence is None) != (s.obj.get("licence_url") is None):
        raise s.fail("licence_url", "licence and licence_url go together (both, or neither)")
    if s.obj.get("seed") is not None and licence is None:
        raise s.fail("seed", "a seed holds a source's words: it needs the licence that allows "
                     "copying them")
    return Source(sid, s.text("title"), s.text("publisher"), s.text("url"), licence,
                  s.opt_text("licence_url"), s.opt_text("seed"), s.enum("kind", SOURCE_KINDS),
                  s.opt_date("published"), language)


def _named(records: Iterable[Any], doc: Fields, key: str, field: str) -> set[str]:
    """The names records are known by: with every problem being collected, those of records
    left out as broken too, so that one broken record is one problem, not a cascade."""
    names = {getattr(r, field) for r in records}
    if _collecting is not None:
        names |= {item[field] for item in doc.obj.get(key) or []
                  if isinstance(item, dict) and isinstance(item.get(field), str)}
    return names


def _omissions(doc: Fields, sources: dict[str, Source]) -> tuple[Omission, ...]:
    """Statements of a source left out on purpose (optional in every file)."""
    if "omissions" not in doc.obj:
        return ()

    def omission(f: Fields) -> Omission:
        src = f.text("source")
        if src not in sources:
            raise f.fail("source", f"'{src}' is not in the file's sources ({_listed(sources)})")
        return Omission(src, f.text("section"), f.strs("quote", nonempty=True, verbatim=True),
                        f.enum("reason", OMISSION_REASONS), f.text("note"))

    return tuple(_each(doc, "omissions", _label("omissions", "reason"),
                       ("source", "section", "quote", "reason", "note"), omission))


KEY_LENGTH = 36
"""Characters a made key keeps (whole words): short enough for a 40-column screen."""
_WORD = re.compile(r"[a-z0-9]+")


def keys(texts: Iterable[str]) -> list[str]:
    """Stable, unique, URL-safe keys for records that have no id of their own.

    ``2016-10 Nissan Leaf sales`` becomes ``2016-10-nissan-leaf-sales``; a key that repeats
    gets ``-2``, ``-3`` in record order.
    """
    import unicodedata

    out, seen = [], set()
    tried: dict[str, int] = {}  # the last suffix given to each key: a key repeated 1,000 times
    # costs 1,000 steps, not 500,000 (every suffix below it is taken, and stays taken)
    for text in texts:
        # Accents go (é is e), every other character outside a-z0-9 separates words
        # (Daimler–Chrysler is daimler-chrysler).
        plain = text.casefold()
        if not plain.isascii():  # ASCII is its own NFKD form, with nothing to drop
            plain = "".join(c for c in unicodedata.normalize("NFKD", plain)
                            if not unicodedata.combining(c))
        words = _WORD.findall(plain)
        if words:
            size, n = len(words[0]), 1
            for word in words[1:]:
                size += 1 + len(word)
                if size > KEY_LENGTH:
                    break
                n += 1
            key = "-".join(words[:n])
        else:
            key = "record"
        candidate = key
        if candidate in seen:
            n = tried.get(key, 1)
            while candidate in seen:
                n += 1
                candidate = f"{key}-{n}"
            tried[key] = n
        seen.add(candidate)
        out.append(candidate)
    return out


def _unique(doc: Fields, key: str, values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for v in values:
        _checked(UNIQUE)
        if v in seen:
            _problem(DataError(doc.file, f"{what} '{v}' appears twice", key, None, UNIQUE, v))
        seen.add(v)


# --- one loader per area ---------------------------------------------------------------

_cache: dict[tuple[Any, ...], Any] = {}


def cached(area: str, where: DataDir | None, build: Callable[[DataDir], T]) -> T:
    d = where or bundled()
    f = d.file(area)
    # A user's file may change between two calls of the Python API: its size and time are part
    # of the key, so an edited file is read again.
    stamp = None
    if isinstance(f, Path) and f.is_file():
        st = f.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    key = (str(d.root), area, stamp)
    if d.only is not None:
        chosen = (*key, d.only)
        if chosen not in _cache:
            _cache[chosen] = restrict(cached(area, d._replace(only=None), build), d.only)
        restricted: T = _cache[chosen]
        return restricted
    if key not in _cache:
        # Parsing and validating builds many small containers and no cycles; pausing the cyclic
        # garbage collector meanwhile makes a 200,000-event timeline load ~40 % faster.
        enabled = gc.isenabled()
        gc.disable()
        try:
            _cache[key] = build(d)
        finally:
            if enabled:
                gc.enable()
    result: T = _cache[key]
    return result


def restrict(records: T, only: frozenset[str]) -> T:
    """An area's records from the sources in ``only`` (--source): every record whose source is
    not chosen is left out, and so is what an unchosen source adds to a chosen one's record
    (its corroboration, the end date it gives a stake). ``--source wikipedia`` is the article
    alone, exactly.
    """
    sources = getattr(records, "sources", ())
    changes: dict[str, Any] = {"sources": tuple(s for s in sources if s.id in only)}
    for name, value in records._asdict().items():  # type: ignore[attr-defined]
        if name == "sources" or not isinstance(value, tuple) or not value:
            continue
        first = value[0]
        if hasattr(first, "prov"):
            changes[name] = tuple(_restricted(r, only) for r in value if r.prov.source in only)
        elif hasattr(first, "reason"):  # omissions
            changes[name] = tuple(o for o in value if o.source in only)
    out: T = records._replace(**changes)  # type: ignore[attr-defined]
    return out


def _restricted(record: Any, only: frozenset[str]) -> Any:
    p = record.prov
    if p.corroboration and any(c.source not in only for c in p.corroboration):
        record = record._replace(prov=p._replace(corroboration=tuple(
            c for c in p.corroboration if c.source in only)))
    if getattr(record, "until_source", None) not in (None, *only):
        record = record._replace(until=None, until_note=None, until_source=None)
    return record


def load_sales(where: DataDir | None = None) -> SalesData:
    """sales.json: members, reported units per member and year, totals that must reconcile."""
    return cached("sales", where, build_sales)


def build_sales(where: DataDir) -> SalesData:
    doc, sources = _document(where, "sales", ("members", "totals", "records", "statements"))
    members = _each(doc, "members", _label("members", "name"),
                    ("name", "aliases", "merged_into", "merged_from", "note", "quote"),
                    lambda f: Member(f.text("name"), f.strs("aliases"), f.opt_text("merged_into"),
                                     f.opt_year("merged_from"), f.opt_text("note"),
                                     f.strs("quote")))
    _unique(doc, "members", (m.name for m in members), "member")
    names = _named(members, doc, "members", "name")
    for m in members:
        if m.merged_into is not None and m.merged_into not in names:
            _problem(DataError(doc.file, f"merged_into '{m.merged_into}' is not a member",
                               f"members ({m.name})", "merged_into", value=m.merged_into))

    def column(f: Fields, prov: Provenance) -> str | None:
        """A figure read from the article's table names its column; one from elsewhere has
        none."""
        return f.text("column") if prov.quote else f.opt_text("column")

    def sale(f: Fields) -> Sale:
        prov = _prov(f, sources)
        s = Sale(f.year("year"), f.text("member"), f.not_negative("units"),
                 f.enum("metric", SALES_METRICS), column(f, prov), prov)
        if s.member not in names:
            raise f.fail("member", f"'{s.member}' is not in members ({', '.join(sorted(names))})")
        return s

    def total(f: Fields) -> Total:
        prov = _prov(f, sources)
        return Total(f.year("year"), f.whole("units"), column(f, prov), prov)

    sales = _each(doc, "records", _label("records", "member", "year"),
                  ("year", "member", "units", "metric", "column", *PROV_KEYS), sale)
    sales.sort(key=lambda s: (s.year, s.member))
    seen: set[tuple[int, str]] = set()
    for s in sales:
        _checked(UNIQUE)
        if (s.year, s.member) in seen:
            _problem(DataError(doc.file, "appears twice", f"records ({s.member}, {s.year})",
                               "year", UNIQUE, s.year))
        seen.add((s.year, s.member))
    totals = _each(doc, "totals", _label("totals", "year"),
                   ("year", "units", "column", *PROV_KEYS),
                   total)
    totals.sort(key=lambda t: t.year)
    _unique(doc, "totals", (str(t.year) for t in totals), "total for year")
    sums: dict[int, int] = {}
    for s in sales:
        sums[s.year] = sums.get(s.year, 0) + s.units
    broken: set[Any] = set()
    if _collecting is not None:  # a year with a record left out as broken cannot be summed
        written = Counter(item.get("year") for item in doc.obj.get("records") or []
                          if isinstance(item, dict))
        kept: Counter[Any] = Counter(s.year for s in sales)
        broken = {y for y, n in written.items() if kept[y] != n}
    for t in totals:
        if t.year in broken:
            continue
        _checked(TOTALS)
        if sums.get(t.year, 0) != t.units:
            _problem(DataError(doc.file, f"totals do not reconcile: the {t.year} total is "
                               f"{t.units:,} but the members reported sum to "
                               f"{sums.get(t.year, 0):,}", f"totals ({t.year})", "units",
                               TOTALS, t.units))
    statements = _each(doc, "statements", _label("statements", "id"),
                       ("id", "year", "subject", "metric", "value", "kind", *PROV_KEYS),
                       lambda f: Statement(f.text("id"), f.year("year"), f.text("subject"),
                                           f.text("metric"), f.num("value"), f.enum("kind", KINDS),
                                           _prov(f, sources)))
    _unique(doc, "statements", (st.id for st in statements), "statement id")
    return SalesData(tuple(sources.values()), tuple(members), tuple(totals), tuple(sales),
                     tuple(statements), _omissions(doc, sources))


def load_ev(where: DataDir | None = None) -> EvData:
    """ev.json: the model catalogue and dated EV milestones."""
    return cached("ev", where, build_ev)


def build_ev(where: DataDir) -> EvData:
    doc, sources = _document(where, "ev", ("makers", "models", "milestones"))
    makers = _each(doc, "makers", _label("makers", "name"),
                   ("name", "aliases", "includes", "in_alliance", "note"),
                   lambda f: Maker(f.text("name"), f.strs("aliases"), f.strs("includes"),
                                   f.opt_flag("in_alliance") is not False, f.opt_text("note"))
                   ) if "makers" in doc.obj else []
    _unique(doc, "makers", (m.name for m in makers), "maker")
    known_makers = {n for m in makers for n in (m.name, *m.includes)}
    models = _each(doc, "models", _label("models", "name"),
                   ("name", "maker", "aliases", "note", "in_alliance"),
                   lambda f: _model(f, known_makers))
    _unique(doc, "models", (m.name for m in models), "model")
    names = _named(models, doc, "models", "name")

    def milestone(f: Fields) -> Milestone:
        m = Milestone(
            date=f.date("date"), date_note=f.opt_text("date_note"), alt_date=f.opt_date("alt_date"),
            subject=f.text("subject"), subject_type=f.enum("subject_type", SUBJECT_TYPES),
            metric=f.enum("metric", EV_METRICS), units=f.positive("units"),
            cumulative=f.flag("cumulative"), covers=f.joined("covers"),
            shares=_shares(f, names), text=f.text("text"),
            origin=f.enum("origin", ORIGINS), prov=_prov(f, sources))
        if m.subject_type == "model" and m.subject not in names:
            raise f.fail("subject", f"model '{m.subject}' is not in the models catalogue")
        for c in m.covers:
            if c not in names:
                raise f.fail("covers", f"model '{c}' is not in the models catalogue")
        return m

    milestones = _each(doc, "milestones", _label("milestones", "date", "subject"),
                       ("date", "date_note", "alt_date", "subject", "subject_type", "metric",
                        "units", "cumulative", "covers", "shares", "text", "origin", *PROV_KEYS),
                       milestone)
    milestones.sort(key=lambda m: m.date.key)
    milestones = [m._replace(id=k) for m, k in zip(milestones, keys(
        f"{m.date.iso} {m.subject} {m.metric}" for m in milestones), strict=True)]
    return EvData(tuple(sources.values()), tuple(models), tuple(milestones), tuple(makers),
                  _omissions(doc, sources))


def _model(f: Fields, makers: AbstractSet[str]) -> Model:
    m = Model(f.text("name"), f.text("maker"), f.strs("aliases"), f.opt_text("note"),
              f.opt_flag("in_alliance") is not False)
    if makers and m.maker not in makers:
        raise f.fail("maker", f"'{m.maker}' is not in makers ({', '.join(sorted(makers))})")
    return m


def _shares(f: Fields, models: AbstractSet[str]) -> tuple[tuple[str, float], ...]:
    """A figure's split by model as the source states it, in per cent."""
    raw = f.obj.get("shares") or []
    if not isinstance(raw, list):
        raise f.fail("shares", f"expected a list, found {_kind(raw)}")
    out = []
    for i, item in enumerate(raw):
        e = Fields(item, f.file, f"{f.record}: shares[{i}]", frozenset({"model", "pct"}))
        pct = e.pct("pct")
        if pct is None:
            raise e.fail("pct", "missing")
        model = e.text("model")
        if model not in models:
            raise e.fail("model", f"model '{model}' is not in the models catalogue")
        out.append((model, pct))
    return tuple(out)


def load_stakes(where: DataDir | None = None) -> StakesData:
    """stakes.json: entities and every holding with the period it was in force."""
    return cached("stakes", where, build_stakes)


def build_stakes(where: DataDir) -> StakesData:
    doc, sources = _document(where, "stakes", ("entities", "stakes"))
    entities = _each(doc, "entities", _label("entities", "name"),
                     ("name", "aliases", "kind", "note"),
                     lambda f: Entity(f.text("name"), f.strs("aliases"),
                                      f.enum("kind", ENTITY_KINDS), f.opt_text("note")))
    _unique(doc, "entities", (e.name for e in entities), "entity")
    names = _named(entities, doc, "entities", "name")

    def stake(f: Fields) -> Stake:
        s = Stake(id=f.text("id"), holder=f.strs("holder", names, nonempty=True),
                  target=f.strs("target", names, nonempty=True), pct=f.pct("pct"),
                  voting=f.opt_flag("voting"), since=f.date("since"),
                  since_note=f.opt_text("since_note"), until=f.opt_date("until"),
                  until_note=f.opt_text("until_note"), prov=_prov(f, sources),
                  until_source=f.opt_text("until_source"))
        if s.until is not None and s.until.end() < s.since.end():
            raise f.fail("until", f"{s.until} is before since {s.since}")
        if s.until_source is not None:
            if sources.version < 2:
                raise f.fail("until_source", "is new in schema_version 2: set the file's "
                             "schema_version to 2")
            if s.until_source not in sources:
                raise f.fail("until_source", f"'{s.until_source}' is not in the file's sources "
                             f"({_listed(sources)})")
            if s.until is None:
                raise f.fail("until_source", "names the source of an end date, but until is "
                             "null")
        return s

    stakes = _each(doc, "stakes", _label("stakes", "id"),
                   ("id", "holder", "target", "pct", "voting", "since", "since_note", "until",
                    "until_note", "until_source", *PROV_KEYS), stake)
    _unique(doc, "stakes", (s.id for s in stakes), "stake id")
    stakes.sort(key=lambda s: (s.since.end(), s.holder, s.target))
    return StakesData(tuple(sources.values()), tuple(entities), tuple(stakes),
                      _omissions(doc, sources))


def load_timeline(where: DataDir | None = None) -> TimelineData:
    """timeline.json: dated events and plans."""
    return cached("timeline", where, build_timeline)


def _by_date(e: Event) -> tuple[int, str]:
    """ISO text at mixed precision sorts like the date itself ("2010" < "2010-02" <
    "2010-02-26"); events the source does not date come last."""
    return (0, e.date.iso) if e.date is not None else (1, "")
EVENT_KEYS = frozenset(("date", "date_note", "event", "tags", "kind", "members", *PROV_KEYS))


def build_timeline(where: DataDir) -> TimelineData:
    doc, sources = _document(where, "timeline", ("events", "aliases"))
    raw_aliases = doc.obj.get("aliases", {})
    if not isinstance(raw_aliases, dict):
        raise doc.fail("aliases", f"expected an object of name: [aliases], found "
                                  f"{_kind(raw_aliases)}")
    alias_doc = Fields(raw_aliases, doc.file, "aliases", frozenset(raw_aliases))
    aliases = {name: alias_doc.strs(name) for name in raw_aliases}

    # A timeline may hold hundreds of thousands of events: try the quick check first and
    # run the full one (which names the file, record and field) only for a record it doubts.
    if _collecting is None:
        dates: dict[str, PartialDate] = {}
        events = [_quick_event(item, sources, dates) or _event(item, i, doc.file, sources)
                  for i, item in enumerate(_list(doc, "events"))]
    else:  # alliance check: every record through the full check, every problem recorded
        events = _each(doc, "events", _label("events", "date"), EVENT_KEYS,
                       lambda f: _event_from(f, sources))
    events.sort(key=_by_date)
    # Event(*e[:-1], k) is e._replace(id=k) (id is the last field) at half the cost.
    events = [Event(*e[:-1], k) for e, k in zip(events, keys(
        f"{e.date.iso if e.date else 'undated'} {' '.join(e.event.split(None, 6)[:6])}"
        for e in events), strict=True)]
    return TimelineData(tuple(sources.values()), tuple(events), aliases,
                        _omissions(doc, sources))


def _event(item: Any, i: int, file: str, sources: dict[str, Source]) -> Event:
    """The full check of one event: every problem names the file, the record and the field."""
    return _event_from(Fields(item, file, functools.partial(_label("events", "date"), item, i),
                              EVENT_KEYS), sources)


def _event_from(f: Fields, sources: dict[str, Source]) -> Event:
    e = Event(f.opt_date("date"), f.opt_text("date_note"), f.text("event"),
              f.strs("tags", TAGS, nonempty=True), f.enum("kind", KINDS),
              f.joined("members"), _prov(f, sources))
    if e.date is None and e.date_note is None:
        raise f.fail("date_note", "missing: an event the source does not date (date null) "
                     "needs a date_note saying so", DATES)
    return e


def _texts(v: Any) -> bool:
    # str.strip raises TypeError for a non-text item, which sends the record to the full check.
    return type(v) is list and all(map(str.strip, v))


def _opt_text(v: Any) -> bool:
    return v is None or (type(v) is str and bool(v.strip()))


def _opt_plain(v: str | None) -> str | None:
    return None if v is None else plain_spaces(v)


def _quick_prov(item: dict[str, Any], sources: dict[str, Source]) -> Provenance | None:
    """Provenance for a record that is plainly valid; None means "check it field by field"."""
    section, quote, flags = item.get("section"), item.get("quote"), item.get("flags", [])
    qualifier, note, src = item.get("qualifier"), item.get("note"), item.get("source")
    if not V2_PROV_KEYS.isdisjoint(item):
        return None
    if type(src) is str:
        src = plain_spaces(src)
    if (type(src) is str and src in sources and sources[src].licence is not None
            and type(section) is str and section.strip()
            and quote and _texts(quote) and _opt_text(qualifier) and _opt_text(note)
            and type(flags) is list and FLAGS.issuperset(flags)):
        return Provenance(src, plain_spaces(section), tuple(quote), _opt_plain(qualifier),
                          tuple(flags), _opt_plain(note))
    return None


def _quick_event(item: Any, sources: dict[str, Source],
                 dates: dict[str, PartialDate]) -> Event | None:
    """The Event for a plainly valid record, or None to send it to the full check."""
    try:
        if type(item) is not dict or not item.keys() <= EVENT_KEYS:
            return None
        text, tags, kind = item["event"], item["tags"], item["kind"]
        members, note, raw = item.get("members", []), item.get("date_note"), item.get("date")
        if not (type(text) is str and text.strip() and type(tags) is list and tags
                and TAGS.issuperset(tags) and kind in KINDS and _texts(members)
                and SEPARATOR not in "".join(members)
                and _opt_text(note) and (type(raw) is str or (raw is None and note))):
            return None
        date = None
        if raw is not None:
            date = dates.get(raw)
            if date is None:
                date = dates[raw] = PartialDate.parse(raw)
            if date.year not in YEARS:
                return None
        prov = _quick_prov(item, sources)
        if prov is None:
            return None
        return Event(date, _opt_plain(note), plain_spaces(text), tuple(tags), kind,
                     tuple(map(plain_spaces, members)), prov)
    except (KeyError, TypeError, ValueError):
        return None


def _equivalents(f: Fields) -> tuple[tuple[float, str], ...]:
    """The investment in other currencies the source states beside it (never computed)."""
    raw = f.obj.get("investment_equivalents") or []
    if not isinstance(raw, list):
        raise f.fail("investment_equivalents", f"expected a list, found {_kind(raw)}")
    out = []
    for i, item in enumerate(raw):
        e = Fields(item, f.file, f"{f.record}: investment_equivalents[{i}]",
                   frozenset({"amount", "currency"}))
        amount = e.amount("amount")
        if amount is None:
            raise e.fail("amount", "missing")
        out.append((amount, e.text("currency")))
    if out and f.obj.get("investment") is None:
        raise f.fail("investment_equivalents", "equivalents of an investment that is not stated")
    return tuple(out)


def load_plants(where: DataDir | None = None) -> PlantsData:
    """plants.json: sites, and figures the source gives for several sites together."""
    return cached("plants", where, build_plants)


def build_plants(where: DataDir) -> PlantsData:
    doc, sources = _document(where, "plants", ("plants", "aggregates"))

    def plant(f: Fields) -> Plant:
        p = Plant(
            id=f.text("id"), name=f.text("name"), city=f.opt_text("city"),
            region=f.opt_text("region"), country=f.text("country"), aliases=f.strs("aliases"),
            operator=f.opt_text("operator"), opened=f.opt_date("opened"),
            opened_note=f.opt_text("opened_note"), capacity=f.positive("capacity"),
            capacity_unit=f.opt_enum("capacity_unit", CAPACITY_UNITS),
            capacity_qualifier=f.opt_text("capacity_qualifier"),
            initial_capacity=f.positive("initial_capacity"),
            capacity_note=f.opt_text("capacity_note"), products=f.joined("products"),
            investment=f.amount("investment"), currency=f.opt_text("currency"),
            investment_qualifier=f.opt_text("investment_qualifier"),
            investment_note=f.opt_text("investment_note"),
            investment_equivalents=_equivalents(f),
            facility_type=f.enum("facility_type", FACILITY_TYPES), prov=_prov(f, sources))
        if p.capacity is not None and p.capacity_unit is None:
            raise f.fail("capacity_unit", "missing: a capacity needs its unit")
        if p.investment is not None and p.currency is None:
            raise f.fail("currency", "missing: an investment needs its currency")
        return p

    plants = _each(doc, "plants", _label("plants", "id"),
                   ("id", "name", "city", "region", "country", "aliases", "operator", "opened",
                    "opened_note", "capacity", "capacity_unit", "capacity_qualifier",
                    "initial_capacity", "capacity_note", "products", "investment", "currency",
                    "investment_qualifier", "investment_note", "investment_equivalents",
                    "facility_type", *PROV_KEYS), plant)
    _unique(doc, "plants", (p.id for p in plants), "plant id")
    ids = _named(plants, doc, "plants", "id")

    def aggregate(f: Fields) -> Aggregate:
        a = Aggregate(
            id=f.text("id"), name=f.text("name"), country=f.opt_text("country"),
            plants=f.strs("plants", frozenset(ids)), capacity=f.positive("capacity"),
            capacity_unit=f.opt_enum("capacity_unit", CAPACITY_UNITS), kind=f.enum("kind", KINDS),
            date=f.opt_date("date"), investment=f.amount("investment"),
            currency=f.opt_text("currency"), prov=_prov(f, sources))
        if a.capacity is not None and a.capacity_unit is None:
            raise f.fail("capacity_unit", "missing: a capacity needs its unit")
        if a.investment is not None and a.currency is None:
            raise f.fail("currency", "missing: an investment needs its currency")
        return a

    aggregates = _each(doc, "aggregates", _label("aggregates", "id"),
                       ("id", "name", "country", "plants", "capacity", "capacity_unit", "kind",
                        "date", "investment", "currency", *PROV_KEYS), aggregate)
    _unique(doc, "aggregates", (a.id for a in aggregates), "aggregate id")
    plants.sort(key=lambda p: (p.country, p.city or "", p.name))
    return PlantsData(tuple(sources.values()), tuple(plants), tuple(aggregates),
                      _omissions(doc, sources))


def read_source_texts(directory: Path, sources: Iterable[Source]) -> dict[str, str]:
    """The text of each source that has a copy (``seed``) in ``directory``, whitespace folded."""
    texts: dict[str, str] = {}
    for src in sources:
        if src.seed and (directory / src.seed).is_file():
            texts[src.id] = " ".join((directory / src.seed).read_text("utf-8", "replace").split())
    return texts

