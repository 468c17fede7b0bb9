"""The console entry point: handle Ctrl-C before anything slow is imported."""

import os
import signal
import sys
from types import FrameType


def _interrupted(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C: a newline, exit 130, and no traceback wherever the program was."""
    files = sys.modules.get("alliancecli.safefiles")
    if files is not None:  # an export in progress: remove its half-written temporary files
        files.discard_pending()
    try:
        os.write(2, b"\n")
    except OSError:
        pass
    os._exit(130)


def run() -> None:
    """Run ``alliance`` as a command."""
    signal.signal(signal.SIGINT, _interrupted)
    # A stream closed by the shell (`>&-`, `2>&-`) is None here; writing to it would crash.
    no_stdout = sys.stdout is None
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    if no_stdout:
        print("alliance: error: standard output is closed; there is nowhere to write",
              file=sys.stderr)
        sys.exit(1)
    from .cli import main

    code = main()
    # Skip the interpreter's teardown: freeing a large loaded dataset object by object took
    # longer than writing it out. Nothing is left to clean up once the streams are flushed.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
