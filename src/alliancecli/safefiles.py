"""Write a user's files so that nothing is lost: all or nothing, and never through a link.

Every file is written in full to a temporary file beside its target, flushed to disk, and only
then renamed over the target, with Ctrl-C held back while the renames run; a failure or an
interrupt before that removes the temporary files and leaves the old output as it was. A target
that is a symbolic link, a device, a FIFO or a socket is refused, with or without ``--force``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import QueryError, RefusalError


def output_path(value: str | None, option: str) -> Path | None:
    """An output path option as given: ``''`` is a usage error, never the current directory."""
    if value is None:
        return None
    if not value.strip():
        raise QueryError(f"{option} needs a path; '' is not one")
    return Path(value)

PENDING: set[str] = set()
"""Temporary files and directories not yet renamed into place (removed on Ctrl-C)."""


def discard_pending() -> None:
    """Remove every temporary file or directory still pending; safe to call from a handler."""
    for path in list(PENDING):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass
        PENDING.discard(path)


def check_target(path: Path, force: bool, directory: bool = False) -> bool:
    """Refuse a target that must not be written; return True if it exists (and may be replaced).

    ``directory`` says the target is a directory to write into rather than a file.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as e:
        raise RefusalError(f"cannot use {path}: {e.strerror or e}") from None
    if stat.S_ISLNK(st.st_mode):
        raise RefusalError(f"{path} is a symbolic link; alliance never writes through a link "
                           "(give the path it points to, or remove the link)")
    if directory:
        if not stat.S_ISDIR(st.st_mode):
            raise RefusalError(f"{path} exists and is not a directory")
        return True
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise RefusalError(f"{path} is {kind}; alliance only replaces regular files")
    if not force:
        raise RefusalError(f"{path} already exists; use --force to overwrite it")
    return True


def _mode(existing: Path | None, directory: bool = False) -> int:
    """The permissions a new file gets (the umask's), or those of the file it replaces."""
    if existing is not None:
        try:
            return stat.S_IMODE(os.lstat(existing).st_mode)
        except OSError:
            pass
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


def _temp_file(target: Path) -> Path:
    with _sigint_held():  # a Ctrl-C now must not leave a file nobody knows to remove
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        PENDING.update((name, name + "-journal"))  # SQLite's rollback journal, if one is left
    try:
        os.fchmod(fd, _mode(target if os.path.lexists(target) else None))
    finally:
        os.close(fd)
    return Path(name)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold Ctrl-C back while renames run, so that they all happen or none does."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def replace_paths(writes: dict[Path, Callable[[Path], None]], force: bool) -> None:
    """Write each target through ``write(temporary_path)``; rename them all, or none, at the end.

    Every target is checked before anything is written, and again just before its rename.
    """
    for target in writes:
        check_target(target, force)
    try:
        staged = {}
        for target, write in writes.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            staged[target] = temp = _temp_file(target)
            write(temp)
            _fsync(temp)
        with _sigint_held():
            for target in staged:  # nothing has put a link or a device there meanwhile
                check_target(target, force)
            for target, temp in staged.items():
                os.replace(temp, target)
                PENDING.discard(str(temp))
    finally:
        discard_pending()


def replace_files(directory: Path, files: dict[str, Callable[[BinaryIO], None]],
                  force: bool) -> None:
    """Write each ``files[name](stream)`` into ``directory``: every file or none of them.

    A directory that does not exist yet is written whole beside it and renamed into place.
    In one that exists, each file is written beside its target and all are renamed at the end
    (``replace_paths``).
    """
    writes = {directory / name: _through_stream(write) for name, write in files.items()}
    if check_target(directory, force, directory=True):
        replace_paths(writes, force)
        return
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _sigint_held():
            where = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp",
                                          dir=directory.parent))
            PENDING.add(str(where))
        os.chmod(where, _mode(None, directory=True))
        for target, write in writes.items():
            staged = where / target.name
            staged.touch(_mode(None))  # files made in the new directory get the umask's
            write(staged)
            _fsync(staged)
        with _sigint_held():
            if os.path.lexists(directory):
                raise RefusalError(f"{directory} appeared while writing; nothing written")
            os.rename(where, directory)
            PENDING.discard(str(where))
    finally:
        discard_pending()


def _through_stream(write: Callable[[BinaryIO], None]) -> Callable[[Path], None]:
    """A writer of a stream as a writer of a path (what replace_paths takes)."""
    def to_path(path: Path) -> None:
        with open(path, "wb") as stream:
            write(stream)
    return to_path
