"""What describes an export: Datasette's metadata.json and a Frictionless data package.

Both are built from the same tables as the SQLite database (``database.dataset``), so a column's
description, type and key are written once, in the queries that make the column.
"""

from __future__ import annotations

import json
from typing import Any

from .database import PROVENANCE, SOURCES, Dataset, json_array
from .records import Source
from .report import Column, Value

TITLE = "Renault–Nissan–Mitsubishi Alliance"
DESCRIPTION = ("Sales per member and year, electric-vehicle milestones, cross-shareholdings, a "
               "dated timeline and manufacturing plants of the Renault–Nissan–Mitsubishi "
               "Alliance. Every figure links to the provenance table: the source, its section "
               "and the exact quote that states it. Derived figures (shares, growth) are "
               "computed by alliance, never stored in the source data.")
LICENCE = {"name": "CC-BY-SA-4.0", "title": "Creative Commons Attribution-ShareAlike 4.0",
           "path": "https://creativecommons.org/licenses/by-sa/4.0/"}

# Table Schema field types (https://specs.frictionlessdata.io/table-schema/#types-and-formats).
_FIELD_TYPES = {"year": "integer", "int": "integer", "delta": "integer", "num": "number",
                "pct": "number", "growth_pct": "number", "bool": "boolean", "list": "array"}
_DATE_DOC = " An ISO 8601 date at the precision the source gives: YYYY, YYYY-MM or YYYY-MM-DD."
_LIST_DOC = " A JSON array of texts."


def datasette_metadata(data: Dataset, database: str) -> dict[str, Any]:
    """Datasette's metadata.json for the database file named ``database`` (without .db)."""
    specs, main = data.tables, _main(data.sources)
    others = len(data.sources) - 1
    tables: dict[str, Any] = {}
    for name, spec in specs.items():
        table: dict[str, Any] = {
            "description": spec.contents,
            "columns": {c.name: c.doc for c in spec.report.columns if c.doc}}
        lists = [c.name for c in spec.report.columns if c.kind == "list"]
        if lists and name not in (PROVENANCE, SOURCES):
            table["facets"] = [{"array": c} for c in lists]
        if name == PROVENANCE:
            table["label_column"] = "section"
        elif name == SOURCES:
            table["label_column"] = "title"
        tables[name] = table
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "license": main.licence,
        "license_url": main.licence_url,
        "source": f"{main.publisher}: {main.title}" + (
            f", and {others} other source{'s' if others > 1 else ''} (the sources table)"
            if others else ""),
        "source_url": main.url,
        "databases": {database: {"title": TITLE, "tables": tables}},
    }


def field(col: Column) -> dict[str, Any]:
    """A Table Schema field for one column."""
    out: dict[str, Any] = {"name": col.name, "type": _FIELD_TYPES.get(col.kind, "string")}
    doc = col.doc
    if col.kind == "date":
        doc += _DATE_DOC
    elif col.kind == "list":
        doc += _LIST_DOC
    if doc.strip():
        out["description"] = doc.strip()
    if col.kind == "bool":
        out["trueValues"], out["falseValues"] = ["true"], ["false"]
    return out


def _main(sources: tuple[Source, ...]) -> Source:
    """The source whose licence the data is under: the first one quoted (the article)."""
    return next((s for s in sources if s.licence is not None), sources[0])


def datapackage(data: Dataset) -> dict[str, Any]:
    """A datapackage.json describing one CSV per table (``<table>.csv``)."""
    specs = data.tables
    resources = []
    for name, spec in specs.items():
        schema: dict[str, Any] = {
            "fields": [field(c) for c in spec.report.columns],
            "primaryKey": list(spec.key),
        }
        if spec.references:
            schema["foreignKeys"] = [
                {"fields": [c], "reference": {"resource": t, "fields": [k]}}
                for c, t, k in spec.references]
        resources.append({
            "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "title": spec.report.title, "description": spec.contents, "schema": schema})
    return {
        "profile": "tabular-data-package",
        "name": "renault-nissan-mitsubishi-alliance",
        "title": TITLE,
        "description": DESCRIPTION,
        "licenses": [LICENCE],
        "sources": [{"title": f"{s.publisher}: {s.title}", "path": s.url}
                    for s in data.sources],
        "resources": resources,
    }


def package_value(v: Value) -> Value:
    """A cell as the data package's CSV holds it: a list as its JSON array."""
    return json_array(v) if isinstance(v, tuple) else v


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
