"""One schema, two speeds: the loader's quick check of timeline events agrees with the full one.

A large timeline is validated by a quick check that hands any record it doubts to the full,
error-naming check. On generated valid and broken events alike, both accept and reject the same
records, and what the quick check accepts is exactly the record the full check builds.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from alliancecli import loader
from alliancecli.errors import DataError
from alliancecli.records import Event, Source
from alliancecli.vocab import EventKind, Flag, Tag

SOURCES = {"wikipedia": Source("wikipedia", "t", "p", "u", "l", "lu", None)}

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
                 st.just(""), st.just("   "), st.just([]), st.just({}), st.just([""]),
                 st.just(["ok", 3]), st.just({"a": 1}))
TEXT = st.text(min_size=1, max_size=12).filter(lambda t: bool(t.strip()))
BAD_DATES = st.sampled_from(["2019-02-30", "2019-13", "2019-1", "0000", "19999", "2019-00",
                             "٢٠١٩", "2019 ", "", "2019-12-32"])
VALID = st.fixed_dictionaries(
    {"date": st.sampled_from(["1999-03-27", "2016-10", "2018", "2019-02-28", "0001"]),
     "event": TEXT, "tags": st.lists(st.sampled_from(list(Tag)), min_size=1, max_size=3),
     "kind": st.sampled_from(list(EventKind)), "source": st.just("wikipedia"),
     "section": TEXT, "quote": st.lists(TEXT, min_size=1, max_size=2)},
    optional={"date_note": st.one_of(st.none(), TEXT), "members": st.lists(TEXT, max_size=2),
              "qualifier": st.one_of(st.none(), TEXT), "note": st.one_of(st.none(), TEXT),
              "flags": st.lists(st.sampled_from(list(Flag)), max_size=2)})
FIELDS = ["date", "event", "tags", "kind", "source", "section", "quote", "date_note",
          "members", "qualifier", "note", "flags"]


@st.composite
def events(draw: st.DrawFn) -> Any:
    """A valid event, then none, one or a few breakages of the kinds a data file can have."""
    item: Any = draw(VALID)
    for _ in range(draw(st.integers(0, 2))):
        how = draw(st.sampled_from(["junk", "drop", "unknown", "bad-item", "bad-date",
                                    "whole"]))
        key = draw(st.sampled_from(FIELDS))
        if how == "junk":
            item[key] = draw(JUNK)
        elif how == "drop":
            item.pop(key, None)
        elif how == "unknown":
            item["unknown_field"] = 1
        elif how == "bad-item" and key in ("tags", "quote", "members", "flags"):
            item[key] = [*item.get(key, []), draw(st.sampled_from(["", " ", "nope", 3, None]))]
        elif how == "bad-date":
            item["date"] = draw(BAD_DATES)
        elif how == "whole":
            item = draw(JUNK)
            break
    return item


def _full(item: Any) -> Event | None:
    try:
        return loader._event(item, 0, "timeline.json", SOURCES)
    except DataError:
        return None


@settings(max_examples=1500, deadline=None, derandomize=True, database=None)
@given(events())
def test_quick_and_full_checks_accept_and_reject_the_same_events(item: Any) -> None:
    # JSON objects only ever hold JSON values: round-trip so the generated item is one.
    item = json.loads(json.dumps(item))
    quick = loader._quick_event(item, SOURCES, {})
    full = _full(item)
    if quick is not None:
        assert full is not None, f"quick accepted what the full check rejects: {item!r}"
    # Both accept and reject the same records, and build the same Event from a valid one.
    assert quick == full, item


def test_quick_check_takes_the_plainly_valid_bundled_events() -> None:
    """It is worth having: every bundled event of the article passes the quick check as it is
    (an event with another source's fields, such as corroboration, takes the full check)."""
    doc = json.loads(loader.bundled().file("timeline").read_text("utf-8"))
    plain = [e for e in doc["events"]
             if e["source"] in SOURCES and loader.V2_PROV_KEYS.isdisjoint(e)]
    assert len(plain) > 100
    quick = [loader._quick_event(e, SOURCES, {}) for e in plain]
    assert all(e is not None for e in quick)
    assert quick == [loader._event(e, i, "timeline.json", SOURCES) for i, e in enumerate(plain)]
    fuller = [e for e in doc["events"] if not loader.V2_PROV_KEYS.isdisjoint(e)]
    assert fuller and all(loader._quick_event(e, SOURCES, {}) is None for e in fuller)


def test_made_keys_are_whole_words_unique_and_the_last_field() -> None:
    assert Event._fields[-1] == "id"  # the loader sets it as Event(*e[:-1], key)
    got = loader.keys(["2016-10 Nissan Leaf sales", "2016-10 Nissan Leaf sales",
                       "2019 Renault–Nissan Société générale élue", "",
                       "1999 " + "x" * 50 + " more", "2010 a b c d e f g h i j k l m n o p q"])
    assert got == ["2016-10-nissan-leaf-sales", "2016-10-nissan-leaf-sales-2",
                   "2019-renault-nissan-societe-generale", "record", "1999",
                   "2010-a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p"]
    assert all(len(k) <= loader.KEY_LENGTH for k in got)
    # a suffix already taken, by a repeat or by a key of its own, is skipped
    assert loader.keys(["x", "x", "x 2", "x"]) == ["x", "x-2", "x-2-2", "x-3"]
    assert loader.keys(["x 2", "x", "x", "x"]) == ["x-2", "x", "x-3", "x-4"]
    assert loader.keys(["a"] * 1000)[-1] == "a-1000"
