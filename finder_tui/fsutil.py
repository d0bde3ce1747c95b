"""Crash-safe file writes and the single-process store lock."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(
    path: Path, mode: int = PRIVATE_FILE, *, binary: bool = True, durable: bool = True
) -> Iterator[IO]:
    """Write to a temp file beside ``path``; fsync and rename it over ``path`` on success.

    On any error the temp file is removed and ``path`` is untouched: a reader sees either the
    old file or the new one, never half of one, even after a kill -9 or a full disk.
    ``durable=False`` skips the fsyncs, for a file that is only a hint (after a power loss it
    may be empty or old; a kill -9 still leaves the old or the new one).
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def atomic_write_bytes(
    path: Path, data: bytes, mode: int = PRIVATE_FILE, *, durable: bool = True
) -> None:
    with atomic_writer(path, mode, durable=durable) as fh:
        fh.write(data)


class LockHeldError(OSError):
    pass


class DirLock:
    """An exclusive advisory lock on ``<dir>/lock``, released when the process dies."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / "lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise LockHeldError(str(self.path)) from None
            raise
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
