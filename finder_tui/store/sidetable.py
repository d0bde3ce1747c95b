"""Small side tables of their own in the store directory: a contacts cache, an outbox, drafts.

The head is rewritten on every commit and must stay small (it is parsed before the first
paint), so features with their own state keep it in ``<store>/<name>.json``: a TinyDB file with
the same ``CommitStorage`` (parsed once, written atomically on ``commit()``), owned like the
rest of the store by the store thread. A corrupt side table raises ``StoreCorruptError``
naming the file; ``finder-tui check`` parses every side table too.

    drafts = store.side_table("drafts")
    drafts.table("drafts").upsert({"sid": session_id, "text": text}, Query().sid == session_id)
    drafts.commit()  # atomic: temp file, fsync, rename
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Table

from .errors import StoreError
from .storage import CommitStorage

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
RESERVED = frozenset({"head"})
# Files of the store directory with a format and recovery of their own (not TinyDB tables):
# contacts.json is a cache that sets itself aside when unreadable (store/contacts.py);
# glance.json is the first screen, a hint rewritten with each commit (store/glance.py).
SELF_MANAGED = frozenset({"contacts", "glance"})


class SideTable:
    def __init__(self, directory: Path, name: str) -> None:
        if not _NAME.match(name) or name in RESERVED | SELF_MANAGED:
            raise StoreError(f"invalid side table name {name!r}")
        self.path = directory / f"{name}.json"
        self._db = TinyDB(str(self.path), storage=CommitStorage)

    def table(self, name: str = "_default") -> Table:
        return self._db.table(name)

    def rows(self, name: str = "_default") -> list[dict[str, Any]]:
        """A table's documents as plain dicts (no TinyDB ``Document`` wrapper per row)."""
        tables = self._db.storage.read() or {}
        return list(tables.get(name, {}).values())

    @property
    def dirty(self) -> bool:
        storage = self._db.storage
        return isinstance(storage, CommitStorage) and storage.dirty

    def commit(self) -> None:
        """Write the file atomically if anything changed (raises StoreWriteError)."""
        storage = self._db.storage
        if isinstance(storage, CommitStorage) and storage.dirty:
            storage.commit()


def side_table_files(directory: Path) -> list[Path]:
    """The side tables present in a store directory (for ``check``)."""
    return sorted(
        p
        for p in directory.glob("*.json")
        if _NAME.match(p.stem)
        and p.stem not in RESERVED | SELF_MANAGED
        and not p.name.startswith("seg-")
    )
