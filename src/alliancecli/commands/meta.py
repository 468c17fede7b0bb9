"""``alliance check``, ``sources``, ``about`` and ``init-data``: the dataset itself."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from ..areas import AREAS
from ..errors import RefusalError
from ..loader import bundled, read_source_texts
from ..options import State, with_output
from ..output import Options, emit
from ..queries import check as check_q
from ..queries import meta as meta_q


@with_output(columns=check_q.COLUMNS)
def check(
    sources: Annotated[Path | None, typer.Option(
        "--sources", envvar="ALLIANCE_SOURCES", metavar="DIR", show_default=False,
        exists=True, file_okay=False, dir_okay=True,
        help="A directory holding the source texts (e.g. the article), to check every quote "
             "against them.")] = None,
    *,
    opts: Options,
) -> None:
    """Validate the whole dataset and list every problem; exit 1 on any failure.

    Each check is a row with what it counted; each problem a row naming the file, the record,
    the field and the value. Conflicts the source itself contains are warnings, not failures.

    Examples:

      alliance check

      alliance --data ./my-data check --sources ../shared/seeds
    """
    where = State.data_dir()
    collected = {a.name: a.collect(where) for a in AREAS}
    texts = None
    if sources is not None:  # given but holding no source's text, it is a failed check
        texts = read_source_texts(sources, {s.id: s for c in collected.values()
                                            if c.records is not None
                                            for s in c.records.sources}.values())
    report, failures = check_q.check(collected, texts)
    emit(report, opts)
    if failures:
        for f in failures:
            print(f"alliance: check failed: {f}", file=sys.stderr)
        raise typer.Exit(1)


@with_output(columns=meta_q.SOURCE_COLUMNS)
def sources(*, opts: Options) -> None:
    """List the sources behind the data, with what each supports.

    Examples:

      alliance sources

      alliance sources -f json
    """
    where = State.data_dir()
    emit(meta_q.sources({a.name: a.load(where) for a in AREAS}), opts)


@with_output(columns=meta_q.ABOUT_COLUMNS)
def about(*, opts: Options) -> None:
    """What the dataset covers: records and years per area, the source, the version.

    Examples:

      alliance about
    """
    from importlib.metadata import version

    where = State.data_dir()
    emit(meta_q.about({a.name: a.load(where) for a in AREAS}, version("alliancecli"), where.label),
         opts)


def init_data(
    directory: Annotated[str, typer.Argument(
        metavar="DIR", help="Where to write the five JSON files (created if missing).")],
    force: Annotated[bool, typer.Option(
        "--force", help="Replace files that already exist (never links or devices).")] = False,
) -> None:
    """Write the bundled dataset to DIR, as a starting point for your own (use it with --data).

    The files are written in full beside their targets and then renamed into place: a failure
    or Ctrl-C leaves what was there before untouched.

    Examples:

      alliance init-data ./my-data

      alliance --data ./my-data check
    """
    from ..safefiles import output_path, replace_files

    folder = output_path(directory, "DIR")
    assert folder is not None
    src = bundled()

    def copy(area: str) -> Callable[[BinaryIO], None]:
        def write(stream: BinaryIO) -> None:
            stream.write(src.file(area).read_bytes())
        return write

    try:
        replace_files(folder, {a.file: copy(a.name) for a in AREAS}, force)
    except OSError as e:
        raise RefusalError(f"cannot write to {folder}: {e.strerror or e}; nothing was changed") \
            from None
    print(f"wrote {len(AREAS)} files to {folder}; use them with "
          f"`alliance --data {folder} ...`", file=sys.stderr)
