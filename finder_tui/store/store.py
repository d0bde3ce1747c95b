"""The store: one directory per account, owned by one thread at a time.

Layout (see README "Store layout" for the measurements behind it)::

    <dir>/head.json        TinyDB: recent messages, sessions, live streams, meta (keyBuff, ...)
    <dir>/seg-000001.json  TinyDB: sealed older messages grouped by session, written once
    <dir>/seg-000001.idx   its sidecar index (segments.py; rebuilt from the segment if lost)
    <dir>/contacts.json    peers' nicknames and the own identity (a cache, store/contacts.py)
    <dir>/glance.json      the first screen: the newest sessions, a hint for the UI (glance.py)
    <dir>/<name>.json      other side tables (sidetable.py): live_archive, other features' state
    <dir>/lock             flock: one process at a time

Sealed history stays on disk (catalog.py): opening reads the head, then the sidecars'
headers; a conversation reads its own slices of the segments, a search the text index.

Writes go to memory and reach disk on ``commit()``: one atomic rewrite of ``head.json`` that
carries the messages *and* the keyBuff that covers them, so a kill at any instant leaves the
previous commit intact and at worst makes the server re-deliver a page (which dedupes). When the
head holds more than ``seal_at`` messages they move into a new segment first: the segment is
written, then the head commit that lists it, so an unlisted segment (a kill between the two) is
ignored and the messages are still in the head. Commit cost stays O(seal_at), not O(history).
"""

from __future__ import annotations

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
from .catalog import BadSegment, SealedHistory
from .contacts import Contact, ContactBook, Profile
from .errors import (
    StoreCorruptError,
    StoreError,
    StoreInUseError,
    StoreVersionError,
)
from .glance import NAME as GLANCE_FILE
from .glance import GlanceKeeper
from .index import AddResult, Index, LiveChange, LiveStream, SessionSummary
from .livearchive import LiveArchive
from .segments import write_segment
from .sidetable import SideTable
from .storage import CommitStorage

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
        self._side: dict[str, SideTable] = {}
        self._live_archive = LiveArchive(self.directory)
        self._keys_loaded = False
        self._glance = GlanceKeeper(self.directory)

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
        if not lazy_history:
            store.load_segments()
            store.load_live_archive()
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
        self._remove_orphan_temp_files()
        try:
            self._load_head()
            self.contacts = ContactBook.open(self.directory)
            self.index.set_nicknames(self.contacts.nicknames())
        except BaseException:
            self._lock.release()
            raise
        self._glance.opened(self.index)

    def _remove_orphan_temp_files(self) -> None:
        """Temp files of a head or segment write cut by a kill (never renamed into place, so
        never part of the store): a few MB each, removed under the lock."""
        for orphan in self.directory.glob(".*.tmp"):
            if orphan.name.startswith((".seg-", f".{HEAD_FILE}.", f".{GLANCE_FILE}.")):
                orphan.unlink(missing_ok=True)

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
        counts = self._meta.get("segment_counts")
        self._segment_counts: dict[str, list[int]] = counts if isinstance(counts, dict) else {}
        # The raw tables, not Table.all(): no Document wrapper per row on every open.
        tables = self._db.storage.read() or {}
        sessions = [SessionSummary.from_doc(d) for d in tables.get("sessions", {}).values()]
        live = [LiveStream.from_doc(d) for d in tables.get("live", {}).values()]
        self.index.restore(sessions, live, int(self._meta.get("live_seen_seq", 0)))
        owners = self._meta.get("feed_owners")
        self.index.restore_feed_owners(owners if isinstance(owners, list) else [])
        recalled = self._meta.get("recalled")
        self.index.restore_recalled(recalled if isinstance(recalled, list) else [])
        head_docs = self._head_table_docs()
        self._head_count = len(head_docs)
        self.index.load(_messages_from(path, head_docs))
        known = [self._segment_counts.get(name, [0, 0]) for name in self._segments]
        self.index.set_sealed_counts(sum(c[0] for c in known), sum(c[1] for c in known))
        self.index.complete = not self._segments
        if not self._segments:
            self.index.attach(SealedHistory(self.directory))
            self._keys_loaded = True
            self.load_live_archive()
            self.index.finish_load()

    def _head_table_docs(self) -> list[dict[str, Any]]:
        assert self._db is not None
        tables = self._db.storage.read() or {}
        return list(tables.get("messages", {}).values())

    def load_segments(self, after_each: Callable[[], None] | None = None) -> int:
        """Catalogue sealed history (call from the owning thread after ``open``): read every
        segment's sidecar (not its messages); returns how many sealed messages are available.
        A missing or corrupt segment is listed in ``bad_segments``, the rest stays usable.
        ``after_each`` runs once at the end (the service settles the heap there)."""
        if self.index.sealed is not None and self.index.complete:
            return self.index.sealed.count
        history = SealedHistory(self.directory)
        counts = {name: c[0] for name, c in self._segment_counts.items() if c}
        history.open_segments(self._segments, counts)
        self.index.attach(history)
        self._keys_loaded = False
        self.index.finish_load()
        if after_each is not None:
            after_each()
        return history.count

    def load_live_archive(self) -> None:
        """Ended streams kept out of the head: read by what lists streams (the inbox after
        its first paint, ``stats``), not by what reads conversations."""
        if not self._live_archive.loaded:
            self.index.restore_archived(self._live_archive.load())

    def load_keys(self) -> None:
        """Sealed history's dedupe keys, read once before the first ingest (only a sync needs
        them: reading a conversation or searching does not)."""
        if not self.index.complete:
            self.load_segments()
        if not self._keys_loaded and self.index.sealed is not None:
            self.index.add_sealed_keys(self.index.sealed.keys())
            self._keys_loaded = True

    def forget_segments(self, names: list[str]) -> None:
        """Drop segments (set aside by ``check --repair``) from the head and recount every
        session from what is left; committed by the next ``commit``."""
        self._segments = [s for s in self._segments if s not in names]
        self._segment_counts = {k: v for k, v in self._segment_counts.items() if k not in names}
        self.index.sealed = None
        self.index.complete = False
        self.load_segments()
        self.index.recount()
        self._meta_dirty = True

    @property
    def sealed_counts_known(self) -> bool:
        """Whether the head says how many messages every segment holds (stats need no more)."""
        return all(name in self._segment_counts for name in self._segments)

    @property
    def bad_segments(self) -> list[BadSegment]:
        sealed = self.index.sealed
        return list(sealed.bad) if sealed is not None else []

    def side_table(self, name: str) -> SideTable:
        """A small table of its own file in the store directory (see ``sidetable``); opened
        once, committed by its owner, and again when the store closes."""
        table = self._side.get(name)
        if table is None:
            table = self._side[name] = SideTable(self.directory, name)
        return table

    def close(self) -> None:
        if self._db is None:
            return
        try:
            for table in self._side.values():
                table.commit()
            self.commit()
            self._glance.refresh(self.index, force=True)
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
        self.load_keys()
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
            self._glance.refresh(self.index)  # a name may have changed
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
        self._glance.refresh(self.index)

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
        archive = self._live_archive
        live = archive.for_head(self.index.live_for_store(skip=archive.archived))
        self._write_table("live", (s.to_doc() for s in live))
        self._meta.update(
            schema=SCHEMA_VERSION,
            segments=self._segments,
            segment_counts=self._segment_counts,
            live_seen_seq=self.index.live_seen_seq,
            recalled=self.index.recalled_for_store(),
            feed_owners=self.index.feed_owners_for_store(),
        )
        self._db.table("meta").upsert(Document(self._meta, doc_id=1))
        self._meta_dirty = False

    def _write_table(self, name: str, docs: Iterable[dict[str, Any]]) -> None:
        """Replace a table's rows with ``docs`` (fresh dicts), ids from 1, as TinyDB's
        ``truncate`` + ``insert_multiple`` store them. Written into the storage directly: every
        commit rewrites thousands of summaries and streams, and TinyDB's round trip copies
        each row and converts every id twice. Nothing inserts into these tables through
        TinyDB, so no cached next id goes stale."""
        assert self._db is not None
        storage = self._db.storage
        tables = storage.read() or {}
        tables[name] = {str(doc_id): doc for doc_id, doc in enumerate(docs, 1)}
        storage.write(tables)
        self._db.table(name).clear_cache()

    def _seal(self, docs: list[dict[str, Any]]) -> None:
        if not self.index.complete:
            self.load_segments()
        number = 1 + max((int(_SEGMENT.match(s).group(1)) for s in self._segments), default=0)  # type: ignore[union-attr]
        name = f"seg-{number:06d}.json"
        segment = write_segment(self.directory / name, docs)
        self._segments = [*self._segments, name]
        self._segment_counts = {**self._segment_counts, name: [segment.count, segment.notices]}
        moved = self.index.on_sealed()
        assert self.index.sealed is not None
        self.index.sealed.sealed(segment, moved)


def _messages_from(path: Path, docs: Iterable[dict[str, Any]]) -> Iterator[Message]:
    for doc in docs:
        try:
            yield Message.from_doc(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StoreCorruptError(
                f"store file {path} holds an unreadable message document ({type(exc).__name__}: "
                f"{exc}); it was left untouched"
            ) from None
