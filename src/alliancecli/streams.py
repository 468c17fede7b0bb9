"""Write to standard output so that every byte arrives, or the write fails loudly.

A plain ``write`` may write less than it was given: with ``PYTHONUNBUFFERED=1`` (common in
containers and CI) standard output is a raw file whose writes to a non-blocking pipe stop at
what the pipe can take, and the rest was silently dropped. Here every write loops until all of
it is written, waiting for the pipe when it is full; a reader that has gone raises
BrokenPipeError, which the CLI turns into its quiet exit.
"""

from __future__ import annotations

import io
import os
import select
import sys

from .errors import ReaderGone

CHUNK = 1 << 16
"""Characters gathered before one write: few system calls, and output starts at once."""


def write_all(data: bytes) -> None:
    """Write all of ``data`` to standard output (after anything its text layer still holds)."""
    out = sys.stdout
    out.flush()
    try:
        fd = out.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        fd = None
    if fd is None:  # an in-process caller's stream (tests, notebooks): it takes everything
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:
            out.write(data.decode("utf-8", "replace"))
        return
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:  # a non-blocking pipe is full: wait until it takes more
            select.select([], [fd], [])
            continue
        except BrokenPipeError:
            raise ReaderGone() from None
        view = view[written:]


class Stdout:
    """A text sink that encodes what it is given and writes every byte to standard output."""

    __slots__ = ("encoding", "errors", "_parts", "_size")

    def __init__(self, encoding: str = "utf-8", errors: str = "strict") -> None:
        self.encoding = encoding
        self.errors = errors
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> int:
        # Gathered as text and encoded once per chunk: csv writes a row at a time.
        self._parts.append(text)
        self._size += len(text)
        if self._size >= CHUNK:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._parts:
            data = "".join(self._parts).encode(self.encoding, self.errors)
            self._parts.clear()
            self._size = 0
            write_all(data)


def terminal_encoding() -> str:
    """The encoding standard output's text layer uses (a table on a latin-1 terminal)."""
    return getattr(sys.stdout, "encoding", None) or "utf-8"
