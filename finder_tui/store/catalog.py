"""Sealed history kept on disk: a per-session catalog of segments, loaded on demand with an LRU.

Memory per sealed message: its 8-byte key (``keyset``), its casefolded text in UTF-8 plus a
4-byte end offset (the search index), and a share of one catalog row per (segment, session)
pair. Message objects exist only for the sessions a reader asked for, bounded by
``cache_messages`` (least recently used sessions are dropped first).
"""

from __future__ import annotations

import bisect
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..wire.models import Message
from .errors import StoreCorruptError
from .keyset import key_hash
from .recall import mark
from .segments import SegmentIndex, SessionSlice, load_index, read_slice, segment_keys


@dataclass(frozen=True, slots=True)
class BadSegment:
    """A sealed segment whose messages are unavailable (missing, truncated, unreadable)."""

    name: str
    messages: int | None  # how many it held, when the head or its index still says so
    reason: str


def _order(message: Message) -> tuple[int, int]:
    return (message.create_time, message.seq)


class SealedHistory:
    def __init__(self, directory: Path, *, cache_messages: int = 30_000) -> None:
        self.directory = directory
        self.cache_messages = cache_messages
        self.segments: list[SegmentIndex] = []
        self.bad: list[BadSegment] = []
        self._refs: dict[str, list[tuple[int, int]]] = {}  # sid -> (segment number, its slot)
        self._cache: OrderedDict[str, list[Message]] = OrderedDict()
        self._cached = 0
        self.text_wanted = False  # the search text is read on the first search, then kept
        self.on_bad: Callable[[BadSegment], None] | None = None
        self.recalled: set[str] = set()  # keys of recalled messages (the index's, shared)

    # ---- building ----------------------------------------------------------------------

    def open_segments(self, names: list[str], counts: dict[str, int]) -> None:
        """Read every listed segment's sidecar header (not its keys or text)."""
        for name in names:
            try:
                index = load_index(self.directory / name)
            except StoreCorruptError as exc:
                self.bad.append(BadSegment(name, counts.get(name), str(exc)))
                continue
            self.add(index)

    def keys(self) -> list[bytes]:
        """Every sealed segment's packed dedupe keys (read from the sidecars)."""
        out = []
        for index in self.segments:
            if index.count:
                try:
                    out.append(index.read_keys())
                except (OSError, ValueError):
                    # An unreadable key blob: read the keys from the segment, or a re-delivered
                    # page would store its messages twice.
                    try:
                        out.append(segment_keys(self.directory / index.name))
                    except StoreCorruptError:
                        pass  # the segment is bad too: its messages are unavailable anyway
        return out

    def ensure_text(self) -> None:
        """Read the search text of every segment (once; kept for later searches)."""
        self.text_wanted = True
        for index in self.segments:
            if index.count and not index.text_loaded:
                try:
                    index.load_text()
                except (OSError, ValueError):
                    index.text, index.text_loaded = b"", True  # unsearchable, not fatal

    def add(self, index: SegmentIndex) -> None:
        if not self.text_wanted:
            index.drop_blobs()
        else:
            index.keys = b"" if index.path is not None else index.keys
        number = len(self.segments)
        self.segments.append(index)
        for slot, row in enumerate(index.rows):
            self._refs.setdefault(row[0], []).append((number, slot))

    def sealed(self, index: SegmentIndex, messages: list[Message]) -> None:
        """A segment was just written from ``messages``: list it, and extend cached sessions."""
        self.add(index)
        for message in messages:
            cached = self._cache.get(message.session_id)
            if cached is not None:
                _insert(cached, message)
                self._cached += 1
        self._trim()

    # ---- reads -------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return sum(s.count for s in self.segments)

    @property
    def notices(self) -> int:
        return sum(s.notices for s in self.segments)

    def session_count(self, session_id: str) -> int:
        return sum(self.segments[n].rows[slot][3] for n, slot in self._refs.get(session_id, ()))

    def live_seqs(self) -> list[int]:
        return [seq for s in self.segments for seq in s.live]

    def messages(self, session_id: str) -> list[Message]:
        """All sealed messages of one session, oldest first (cached, LRU)."""
        cached = self._cache.get(session_id)
        if cached is not None:
            self._cache.move_to_end(session_id)
            return cached
        out: list[Message] = []
        for number, slot in self._refs.get(session_id, ()):
            out.extend(self._load(number, self.segments[number].slice(slot)))
        out.sort(key=_order)
        self._cache[session_id] = out
        self._cached += len(out)
        self._trim()
        return out

    def newest(self, session_id: str) -> tuple[int, int] | None:
        """The (time, seq) of the session's newest sealed message, from the catalog alone."""
        lasts = [self.segments[n].rows[slot][6:8] for n, slot in self._refs.get(session_id, ())]
        return max((int(t), int(s)) for t, s in lasts) if lasts else None

    def messages_before(
        self, session_id: str, before: tuple[int, int] | None, limit: int
    ) -> list[Message]:
        """Up to ``limit`` sealed messages of a session ordered before ``before``, oldest first,
        reading only the newest slices needed (the cache is used when it holds the session)."""
        if session_id in self._cache:
            pool = self.messages(session_id)
            end = len(pool) if before is None else bisect.bisect_left(pool, before, key=_order)
            return pool[max(0, end - limit) : end]
        refs = [(n, self.segments[n].slice(slot)) for n, slot in self._refs.get(session_id, [])]
        # Latest "last" among refs[: i + 1]: segments are in write order, which is not
        # (time, seq) order when messages arrived late, so an older file may hold newer ones.
        newest_before: list[tuple[int, int]] = []
        for _, piece in refs:
            newest_before.append(
                max(newest_before[-1], piece.last) if newest_before else piece.last
            )
        found: list[Message] = []
        for i in range(len(refs) - 1, -1, -1):
            number, piece = refs[i]
            if before is not None and piece.first >= before:
                continue
            found.extend(
                m for m in self._load(number, piece) if before is None or _order(m) < before
            )
            if len(found) >= limit > 0:
                found.sort(key=_order)
                if i == 0 or newest_before[i - 1] < _order(found[-limit]):
                    break  # no older slice can hold anything newer than what we have
        found.sort(key=_order)
        return found[-limit:] if limit > 0 else []

    def entries(self, number: int, entries: list[int]) -> list[Message]:
        """The messages at text-index ``entries`` (ascending) of segment ``number``."""
        index = self.segments[number]
        out: list[Message] = []
        loaded: dict[int, list[Message]] = {}
        for entry in entries:
            slot = bisect.bisect_right(index.starts, entry) - 1
            if slot not in loaded:
                loaded[slot] = self._load(number, index.slice(slot))
            messages = loaded[slot]
            at = entry - index.starts[slot]
            if at < len(messages):
                out.append(messages[at])
        return out

    def find(self, key: str) -> Message | None:
        """The sealed message whose dedupe key is ``key``: its segment is found by the packed
        keys of the sidecars (newest first), then only its session's slice is read."""
        needle = array("Q", [key_hash(key)]).tobytes()
        for number in reversed(range(len(self.segments))):
            try:
                keys = self.segments[number].read_keys()
            except (OSError, ValueError):
                continue  # an unreadable sidecar: what it indexes cannot be read either
            at = keys.find(needle)
            while at >= 0 and at % 8:  # only whole 8-byte keys count
                at = keys.find(needle, at + 1)
            if at >= 0:
                found = [m for m in self.entries(number, [at // 8]) if m.key == key]
                if found:
                    return found[0]
        return None

    def _load(self, number: int, piece: SessionSlice) -> list[Message]:
        index = self.segments[number]
        if index.count == 0:
            return []
        path = self.directory / index.name
        try:
            messages = [Message.from_doc(doc) for doc in read_slice(path, piece)]
        except (StoreCorruptError, KeyError, TypeError, ValueError, AttributeError) as exc:
            self._mark_bad(number, str(exc))
            return []
        if self.recalled:
            for message in messages:
                if message.key in self.recalled:
                    mark(message)
        return messages

    def mark_recalled(self, session_id: str, key: str) -> None:
        """A recall arrived for a sealed message: mark its cached copy (later reads mark it
        from ``recalled``)."""
        for message in self._cache.get(session_id, ()):
            if message.key == key:
                mark(message)

    def _mark_bad(self, number: int, reason: str) -> None:
        index = self.segments[number]
        bad = BadSegment(index.name, index.count, reason)
        self.bad.append(bad)
        for row in index.rows:
            self._refs[row[0]] = [ref for ref in self._refs.get(row[0], []) if ref[0] != number]
        # Kept in place (numbers are positions) but emptied: its messages are unavailable.
        self.segments[number] = SegmentIndex(index.name, index.size, 0, [])
        if self.on_bad is not None:
            self.on_bad(bad)

    def _trim(self) -> None:
        while self._cached > self.cache_messages and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._cached -= len(dropped)

    def drop_cache(self) -> None:
        self._cache.clear()
        self._cached = 0

    def text_bytes(self) -> int:
        return sum(len(s.text) + 4 * len(s.ends) for s in self.segments)


def _insert(target: list[Message], message: Message) -> None:
    if target and _order(target[-1]) > _order(message):
        bisect.insort(target, message, key=_order)
    else:
        target.append(message)
