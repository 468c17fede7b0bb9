"""The least a timeline export can do: json.load a timeline.json and write its events as CSV
(the columns of ``alliance timeline -f csv``).

    python benchmarks/bare_timeline.py DATA_DIR/timeline.json > out.csv

No validation, no sorting, no dependency: bench.py's baseline for the cost of reading and
writing the data itself, so that ``alliance timeline -f csv`` is judged against it.
"""

import csv
import json
import sys


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["date", "year", "event", "tags", "kind", "members", "date_note"])
    w.writerows(
        [e["date"], e["date"][:4], e["event"], ";".join(e["tags"]), e["kind"],
         ";".join(e["members"]), e["date_note"] or ""]
        for e in doc["events"]
    )


if __name__ == "__main__":
    main(sys.argv[1])
