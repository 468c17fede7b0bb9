"""The console entry point: handle Ctrl-C before anything slow is imported."""

import os
import signal
import sys
from types import FrameType


def _interrupted(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C: a newline, exit 130, and no traceback wherever the program was."""
    try:
        os.write(2, b"\n")
    except OSError:
        pass
    os._exit(130)


def run() -> None:
    """Run ``alliance`` as a command."""
    signal.signal(signal.SIGINT, _interrupted)
    from .cli import main

    sys.exit(main())
