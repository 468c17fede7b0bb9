"""Where a table for people goes: straight to stdout, or through a pager when it is tall.

On a terminal, output taller than the screen goes through ``$ALLIANCE_PAGER``, else ``$PAGER``,
else ``less -FRX``, as git and gh do; an empty value or ``cat`` means no pager. Never on a pipe.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import NamedTuple

from .streams import Stdout, terminal_encoding

CHUNK = 2_000
"""Lines written at once: a large table streams instead of waiting to be laid out."""


class Size(NamedTuple):
    columns: int
    lines: int


def size() -> Size:
    """The terminal's size (``$COLUMNS`` and ``$LINES`` win, as for other tools)."""
    got = shutil.get_terminal_size()
    return Size(max(got.columns, 20), max(got.lines, 5))


def pager_command() -> list[str] | None:
    """The pager to use, or None for none: $ALLIANCE_PAGER, else $PAGER, else less -FRX."""
    for var in ("ALLIANCE_PAGER", "PAGER"):
        if var in os.environ:
            value = os.environ[var].strip()
            break
    else:
        value = "less -FRX"
    try:
        words = shlex.split(value)
    except ValueError:
        return None
    if not words or words == ["cat"]:
        return None
    return words


def deliver(lines: Iterable[str], paged: bool = True) -> None:
    """Write ``lines``; on a terminal, page them when they are taller than the screen."""
    it = iter(lines)
    if not (paged and sys.stdout.isatty()):
        _write(it)
        return
    command = pager_command()
    room = size().lines - 1  # the pager's prompt, or the shell's, takes the last line
    head = list(islice(it, room + 1))
    if command is None or len(head) <= room:
        _write(_chain(head, it))
        return
    _page(command, _chain(head, it))


def _chain(head: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from head
    yield from rest


def _write(lines: Iterator[str]) -> None:
    # A terminal that cannot show a character gets '?', never a crash.
    sink = Stdout(terminal_encoding(), "replace")
    while chunk := list(islice(lines, CHUNK)):
        sink.write("\n".join(chunk) + "\n")
    sink.flush()


def _page(command: list[str], lines: Iterator[str]) -> None:
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # as git does: quit if one screen, keep colour, no clearing
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        pager = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:  # not installed, not executable: print directly instead
        _write(lines)
        return
    assert pager.stdin is not None
    encoding = terminal_encoding()
    # Ctrl-C belongs to the pager while it runs (less uses it); it must not kill this process
    # and leave the pager behind on the terminal.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while chunk := list(islice(lines, CHUNK)):
            pager.stdin.write(("\n".join(chunk) + "\n").encode(encoding, "replace"))
        pager.stdin.close()
    except (BrokenPipeError, ValueError):
        pass  # the user quit the pager early: that is a normal end
    finally:
        try:
            pager.stdin.close()
        except OSError:
            pass
        pager.wait()
        signal.signal(signal.SIGINT, previous)
