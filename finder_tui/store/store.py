"""The store: one directory per account, owned by one thread at a time.

Layout (see README "Store layout" for the measurements behind it)::

    <dir>/head.json        TinyDB: recent messages, sessions, live streams, meta (keyBuff, ...)
    <dir>/seg-000001.json  TinyDB: sealed older messages, written once, never rewritten
    <dir>/contacts.json    peers' nicknames and the own identity (a cache, store/contacts.py)
    <dir>/lock             flock: one process at a time

Writes go to memory and reach disk on ``commit()``: one atomic rewrite of ``head.json`` that
carries the messages *and* the keyBuff that covers them, so a kill at any instant leaves the
previous commit intact and at worst makes the server re-deliver a page (which dedupes). When the
head holds more than ``seal_at`` messages they move into a new segment first: the segment is
written, then the head commit that lists it, so an unlisted segment (a kill between the two) is
ignored and the messages are still in the head. Commit cost stays O(seal_at), not O(history).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from ..fsutil import PRIVATE_DIR, DirLock, LockHeldError
from ..wire.models import Message
from .contacts import Contact, ContactBook, Profile
from .errors import (
    StoreCorruptError,
    StoreError,
    StoreInUseError,
    StoreVersionError,
    StoreWriteError,
)
from .index import AddResult, Index, LiveChange, LiveStream, SessionSummary
from .storage import CommitStorage, load_tables

SCHEMA_VERSION = 1
HEAD_FILE = "head.json"
_SEGMENT = re.compile(r"^seg-(\d{6})\.json$")


@dataclass(slots=True)
class IngestResult:
    new: list[Message] = field(default_factory=list)
    duplicates: int = 0
    live_changes: list[LiveChange] = field(default_factory=list)


class Store:
    # Small enough that the head (parsed before the first paint, rewritten on every commit)
    # stays ~3 MB; big enough that 1M messages are ~500 files.
    SEAL_AT = 2_000
    COMMIT_EVERY_ITEMS = 5_000
    COMMIT_EVERY_SECONDS = 1.5

    def __init__(self, directory: Path, *, seal_at: int | None = None) -> None:
        self.directory = Path(directory)
        self.seal_at = seal_at or self.SEAL_AT
        self.index = Index()
        self._lock = DirLock(self.directory)
        self._db: TinyDB | None = None
        self.contacts = ContactBook(self.directory / "contacts.json")
        self._pending: list[dict[str, Any]] = []
        self._meta: dict[str, Any] = {}
        self._meta_dirty = False
        self._last_commit = time.monotonic()
        self._segments: list[str] = []
        self._head_count = 0
        self.last_commit_seconds = 0.0
        self.commits = 0

    # ---- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(
        cls, directory: Path | str, *, seal_at: int | None = None, lazy_history: bool = False
    ) -> Store:
        """Open (creating if needed) and lock a store.

        With ``lazy_history`` only the head is read (enough for a first paint); the caller then
        runs ``load_segments`` on the same thread. ``ingest`` loads them first if it has to:
        dedupe needs every key.
        """
        store = cls(Path(directory), seal_at=seal_at)
        store._open()
        if not lazy_history and not store.index.complete:
            store.load_segments()
        return store

    def _open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        except OSError as exc:
            raise StoreError(
                f"cannot create store directory {self.directory}: {exc.strerror or exc}"
            ) from exc
        try:
            self._lock.acquire()
        except LockHeldError:
            raise StoreInUseError(
                f"store {self.directory} is in use by another finder-tui process",
                "close it, or pass a different --store",
            ) from None
        except OSError as exc:
            raise StoreError(
                f"cannot lock store {self.directory}: {exc.strerror or exc} "
                "(is the directory read-only?)"
            ) from exc
        try:
            self._load_head()
            self.contacts = ContactBook.open(self.directory)
            self.index.set_nicknames(self.contacts.nicknames())
        except BaseException:
            self._lock.release()
            raise

    def _load_head(self) -> None:
        path = self.directory / HEAD_FILE
        try:
            self._read_head(path)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StoreCorruptError(
                f"store file {path} has unreadable tables ({type(exc).__name__}: {exc}); "
                "it was left untouched"
            ) from None

    def _read_head(self, path: Path) -> None:
        self._db = TinyDB(str(path), storage=CommitStorage)
        meta = self._db.table("meta").get(doc_id=1)
        self._meta = dict(meta) if meta else {"schema": SCHEMA_VERSION, "key_buff": ""}
        schema = self._meta.get("schema", SCHEMA_VERSION)
        if not isinstance(schema, int) or schema > SCHEMA_VERSION:
            raise StoreVersionError(
                f"store {path} has schema version {schema}, newer than this finder-tui "
                f"understands ({SCHEMA_VERSION}); upgrade finder-tui. Nothing was changed."
            )
        self._segments = [s for s in self._meta.get("segments", []) if _SEGMENT.match(s)]
        # The raw tables, not Table.all(): no Document wrapper per row on every open.
        tables = self._db.storage.read() or {}
        sessions = [SessionSummary.from_doc(d) for d in tables.get("sessions", {}).values()]
        live = [LiveStream.from_doc(d) for d in tables.get("live", {}).values()]
        self.index.restore(sessions, live, int(self._meta.get("live_seen_seq", 0)))
        head_docs = self._head_table_docs()
        self._head_count = len(head_docs)
        self.index.load(_messages_from(path, head_docs))
        self.index.complete = not self._segments
        if not self._segments:
            self.index.finish_load()

    def _head_table_docs(self) -> list[dict[str, Any]]:
        assert self._db is not None
        tables = self._db.storage.read() or {}
        return list(tables.get("messages", {}).values())

    def load_segments(self, after_each: Callable[[], None] | None = None) -> int:
        """Load sealed history into the index (call from the owning thread after ``open``).
        ``after_each`` runs after every segment (the service settles the heap there)."""
        loaded = 0
        for name in self._segments:
            path = self.directory / name
            docs = load_tables(path).get("messages", {})
            self.index.load(_messages_from(path, docs.values()))
            loaded += len(docs)
            del docs
            if after_each is not None:
                after_each()
        self.index.finish_load()
        return loaded

    def close(self) -> None:
        if self._db is None:
            return
        try:
            self.commit()
        finally:
            self._db = None
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- state -----------------------------------------------------------------------------

    @property
    def key_buff(self) -> str:
        return str(self._meta.get("key_buff", ""))

    @property
    def last_success(self) -> float | None:
        value = self._meta.get("last_success")
        return float(value) if value is not None else None

    @property
    def segments(self) -> list[str]:
        return list(self._segments)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def ingest(self, messages: Iterable[Message]) -> IngestResult:
        """Dedupe and index messages now; they reach disk at the next commit."""
        if not self.index.complete:
            self.load_segments()
        added: AddResult = self.index.add(messages)
        self._pending.extend(m.to_doc() for m in added.new)
        return IngestResult(added.new, added.duplicates, added.live_changes)

    def set_key_buff(self, key_buff: str, *, synced_at: float | None = None) -> None:
        """Record the cursor covering everything ingested so far (committed with it)."""
        self._meta["key_buff"] = key_buff
        if synced_at is not None:
            self._meta["last_success"] = synced_at
        self._meta_dirty = True

    def mark_synced(self, synced_at: float) -> None:
        self._meta["last_success"] = synced_at
        self._meta_dirty = True

    def mark_read(self, session_id: str) -> bool:
        changed = self.index.mark_read(session_id)
        self._meta_dirty |= changed
        return changed

    def mark_unread(self, session_id: str) -> bool:
        changed = self.index.mark_unread(session_id)
        self._meta_dirty |= changed
        return changed

    def restore_read_marker(self, session_id: str, read_time: int, read_seq: int) -> bool:
        changed = self.index.restore_read_marker(session_id, read_time, read_seq)
        self._meta_dirty |= changed
        return changed

    def set_alias(self, session_id: str, alias: str) -> bool:
        changed = self.index.set_alias(session_id, alias)
        self._meta_dirty |= changed
        return changed

    def set_contact(self, contact: Contact) -> None:
        """Cache what the vendor said about a peer (written at the next commit)."""
        self.contacts.put(contact)
        self.index.set_nicknames(self.contacts.nicknames())

    def set_profile(self, profile: Profile) -> None:
        self.contacts.set_profile(profile)

    def mark_live_seen(self) -> bool:
        changed = self.index.mark_live_seen()
        self._meta_dirty |= changed
        return changed

    # ---- persistence -----------------------------------------------------------------------

    def commit_due(self) -> bool:
        storage = self._db.storage if self._db is not None else None
        dirty = isinstance(storage, CommitStorage) and storage.dirty
        if not self._pending and not self._meta_dirty and not dirty and not self.contacts.dirty:
            return False
        return (
            len(self._pending) >= self.COMMIT_EVERY_ITEMS
            or time.monotonic() - self._last_commit >= self.COMMIT_EVERY_SECONDS
        )

    def maybe_commit(self) -> bool:
        if self.commit_due():
            self.commit()
            return True
        return False

    def commit(self) -> None:
        """Write pending messages, summaries and the cursor in one atomic head rewrite.

        The in-memory tables are updated first and ``_pending`` cleared; if the disk write then
        fails, the storage stays dirty and the next commit writes the same state again (never
        the same messages twice).
        """
        if self._db is None:
            return
        storage = self._db.storage
        assert isinstance(storage, CommitStorage)
        if not self._pending and not self._meta_dirty and not storage.dirty:
            self.contacts.commit()
            return
        started = time.perf_counter()
        if self._pending or self._meta_dirty:
            self._apply_pending()
        storage.commit()
        self._last_commit = time.monotonic()
        self.last_commit_seconds = time.perf_counter() - started
        self.commits += 1
        # Its own file, after the messages: a failing names cache never holds up messages.
        self.contacts.commit()

    def _apply_pending(self) -> None:
        assert self._db is not None
        messages = self._db.table("messages")
        if self._head_count + len(self._pending) > self.seal_at:
            self._seal(self._head_table_docs() + self._pending)  # raises before any change
            messages.truncate()
            self._head_count = 0
        elif self._pending:
            messages.insert_multiple(self._pending)
            self._head_count += len(self._pending)
        self._pending = []
        self._write_table("sessions", (s.to_doc() for s in self.index.summaries_for_store()))
        self._write_table("live", (s.to_doc() for s in self.index.live_for_store()))
        self._meta.update(
            schema=SCHEMA_VERSION,
            segments=self._segments,
            live_seen_seq=self.index.live_seen_seq,
        )
        self._db.table("meta").upsert(Document(self._meta, doc_id=1))
        self._meta_dirty = False

    def _write_table(self, name: str, docs: Iterable[dict[str, Any]]) -> None:
        assert self._db is not None
        table = self._db.table(name)
        table.truncate()
        table.insert_multiple(docs)

    def _seal(self, docs: list[dict[str, Any]]) -> None:
        number = 1 + max((int(_SEGMENT.match(s).group(1)) for s in self._segments), default=0)  # type: ignore[union-attr]
        name = f"seg-{number:06d}.json"
        path = self.directory / name
        if path.exists():
            os.unlink(path)  # an orphan from a kill between seal and head commit: not listed
        try:
            segment = TinyDB(str(path), storage=CommitStorage)
            segment.table("messages").insert_multiple(docs)
            storage = segment.storage
            assert isinstance(storage, CommitStorage)
            storage.commit()
        except OSError as exc:
            raise StoreWriteError(f"could not write segment {path}: {exc}") from exc
        self._segments = [*self._segments, name]


def _messages_from(path: Path, docs: Iterable[dict[str, Any]]) -> Iterator[Message]:
    for doc in docs:
        try:
            yield Message.from_doc(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StoreCorruptError(
                f"store file {path} holds an unreadable message document ({type(exc).__name__}: "
                f"{exc}); it was left untouched"
            ) from None
