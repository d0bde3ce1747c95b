"""The image cache in the store directory (``media/``): content-addressed files
(``<sha256>.<ext>``, mode 0600, directory 0700), a tiny link per message
(``by-msg/<NewMsgId>`` holding the file name), and a total budget kept by evicting the least
recently used files (their mtime is touched on every read).

Everything is plain files, so a crash leaves at worst a link to a missing file, which reads
as a miss; nothing is an index to corrupt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import time
from pathlib import Path

from ..fsutil import PRIVATE_DIR, atomic_write_bytes
from .download import ImageBytes

MEDIA_DIR = "media"
DEFAULT_BUDGET = 512 * 1024 * 1024
_OBJECT = re.compile(r"^[0-9a-f]{64}\.(png|jpg|gif|webp|bmp)$")


class MediaCache:
    def __init__(self, store_dir: Path, *, budget: int = DEFAULT_BUDGET) -> None:
        self.directory = Path(store_dir) / MEDIA_DIR
        self._links = self.directory / "by-msg"
        self.budget = budget
        self._lock = threading.Lock()

    def _ensure(self) -> None:
        for directory in (self.directory, self._links):
            directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                directory.chmod(PRIVATE_DIR)

    def get(self, new_msg_id: int) -> Path | None:
        """The cached image of a message, or None; a hit counts as a use (LRU)."""
        link = self._links / str(new_msg_id)
        try:
            name = link.read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        if not _OBJECT.match(name):
            return None
        path = self.directory / name
        try:
            os.utime(path)
        except OSError:
            with contextlib.suppress(OSError):
                link.unlink()
            return None
        return path

    def put(self, new_msg_id: int, image: ImageBytes) -> Path:
        """Store the bytes (once per content) and link the message to them."""
        name = f"{hashlib.sha256(image.data).hexdigest()}.{image.ext}"
        path = self.directory / name
        with self._lock:
            self._ensure()
            if not path.exists():
                atomic_write_bytes(path, image.data)
            else:
                os.utime(path)
            atomic_write_bytes(self._links / str(new_msg_id), name.encode("ascii"))
            self._evict(keep=path)
        return path

    def usage(self) -> int:
        return sum(size for _path, size, _used in self._objects())

    def _objects(self) -> list[tuple[Path, int, float]]:
        found = []
        try:
            entries = list(os.scandir(self.directory))
        except OSError:
            return []
        for entry in entries:
            if entry.is_file() and _OBJECT.match(entry.name):
                with contextlib.suppress(OSError):
                    stat = entry.stat()
                    found.append((Path(entry.path), stat.st_size, stat.st_mtime))
        return found

    def _evict(self, *, keep: Path) -> None:
        objects = sorted(self._objects(), key=lambda o: o[2])  # least recently used first
        total = sum(size for _path, size, _used in objects)
        for path, size, _used in objects:
            if total <= self.budget:
                break
            if path == keep:
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
        self._prune_links()

    def _prune_links(self) -> None:
        """Links whose file was evicted are dropped (cheap: only on a put that evicted)."""
        now = time.time()
        with contextlib.suppress(OSError):
            for entry in os.scandir(self._links):
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    target = Path(entry.path).read_text("ascii").strip()
                    if not (self.directory / target).exists() and now - entry.stat().st_mtime > 1:
                        os.unlink(entry.path)
