"""A TinyDB ``Storage`` that parses its file once and persists only on an explicit commit.

Stock ``JSONStorage`` re-serialises the whole file in place on every write (not atomic; a cut
write leaves an unreadable file) and ``CachingMiddleware`` loses cached writes on a kill. Here
TinyDB's writes only swap the in-memory tables; ``commit()`` writes the file atomically (temp
file, fsync, rename, fsync the directory), so the file on disk is always one committed state.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from ..fsutil import atomic_write_bytes
from .errors import StoreCorruptError, StoreWriteError


class CommitStorage(Storage):
    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        self._data: dict[str, dict[str, Any]] | None = None
        self.dirty = False
        if self.path.exists():
            self._data = load_tables(self.path)
        elif not create:
            raise StoreCorruptError(f"store file {self.path} is missing")

    def read(self) -> dict[str, dict[str, Any]] | None:
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._data = data
        self.dirty = True

    def commit(self) -> float:
        """Persist the tables; returns the seconds the write took."""
        import time

        started = time.perf_counter()
        payload = orjson.dumps(self._data or {})
        try:
            atomic_write_bytes(self.path, payload)
        except OSError as exc:
            raise StoreWriteError(
                f"could not write {self.path}: {exc.strerror or exc}; the previous committed "
                "state is intact and the write will be retried"
            ) from exc
        self.dirty = False
        return time.perf_counter() - started

    def close(self) -> None:
        pass


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StoreCorruptError(f"cannot read store file {path}: {exc.strerror or exc}") from exc


def load_tables(path: Path, raw: bytes | None = None) -> dict[str, dict[str, Any]]:
    """Read a store file (or parse its bytes ``raw``), or raise ``StoreCorruptError`` naming
    it (the file is left as is)."""
    if raw is None:
        raw = read_bytes(path)
    try:
        data = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError as exc:
        raise StoreCorruptError(
            f"store file {path} is corrupt ({exc}); it was left untouched — move it aside "
            "to start afresh, or restore a backup"
        ) from exc
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise StoreCorruptError(f"store file {path} is not a TinyDB store; it was left untouched")
    return data
