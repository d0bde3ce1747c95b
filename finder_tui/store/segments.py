"""Sealed segment files and their sidecar indexes.

A sealed segment ``seg-NNNNNN.json`` is a TinyDB file (``{"messages": {"1": doc, ...}}``)
written once with its documents grouped by session and ordered by (time, seq) inside a
session, so one session's documents are one contiguous byte range. Its sidecar
``seg-NNNNNN.idx`` (written before the head commit that lists the segment, like the segment)
records what the store needs without parsing the segment:

- ``size``: the segment's byte size (a cheap check at open: truncation is seen at once);
- ``sessions``: per session ``[sid, offset, length, count, t0, s0, t1, s1]``: where its
  documents are, how many, and the (time, seq) of its first and last one; ``""`` is the
  account-level notices; an offset of -1 means "parse the whole file" (a segment written by
  an older version, not grouped by session: it is indexed in place, never rewritten);
- ``keys``: the dedupe keys as hashed uint64s (see ``keyset.key_hash``);
- ``live``: the seqs of the live notices (the unseen-live badge needs them, not the notices);
- ``text`` / ``ends``: the searchable texts, casefolded UTF-8 joined by NUL, one entry per
  document in segment order (empty for system items), and each entry's end offset.

A sidecar is derived data: a missing or unreadable one is rebuilt from its segment.
"""

from __future__ import annotations

import os
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

import orjson

from ..wire.content import LIVE_ENDED, LIVE_STARTED, SYSTEM_KINDS
from . import storage
from .errors import StoreCorruptError, StoreWriteError
from .keyset import key_hash

SIDECAR_VERSION = 2
_LIVE_KINDS = (LIVE_STARTED, LIVE_ENDED)
WHOLE_FILE = -1


@dataclass(slots=True)
class SessionSlice:
    session_id: str
    offset: int  # WHOLE_FILE for a legacy segment
    length: int
    count: int
    first: tuple[int, int]  # (create_time, seq) of its oldest document
    last: tuple[int, int]

    def to_list(self) -> list[Any]:
        return [self.session_id, self.offset, self.length, self.count, *self.first, *self.last]

    @classmethod
    def from_list(cls, row: list[Any]) -> SessionSlice:
        sid, off, length, count, t0, s0, t1, s1 = row  # as written by to_list (checked
        return cls(sid, off, length, count, (t0, s0), (t1, s1))  # by the header's counts)


_MAGIC = b"FTSIDX2\n"
_BLOBS = ("keys", "text", "ends")


@dataclass(slots=True)
class SegmentIndex:
    """What the store keeps in memory of one sealed segment (no message documents).

    On disk: a magic line, the length of a JSON header, the header (sizes, per-session slices,
    live seqs, where each blob is), then the blobs. Opening reads only the header; the keys
    are read when a sync first needs dedupe, the search text when a search first runs.
    """

    name: str
    size: int
    count: int
    rows: list[list[Any]]  # per session slice, as ``SessionSlice.to_list`` (objects on demand)
    keys: bytes = b""  # array('Q') bytes, when read; handed to the key set, then dropped
    live: list[int] = field(default_factory=list)
    text: bytes = b""
    ends: array[int] = field(default_factory=lambda: array("I"))
    starts: list[int] = field(default_factory=list)  # first entry index of each session slice
    path: Path | None = None  # the sidecar, for blobs read later
    blobs: dict[str, list[int]] = field(default_factory=dict)  # name -> [offset, length]
    text_loaded: bool = False
    _slices: dict[int, SessionSlice] = field(default_factory=dict)

    def __post_init__(self) -> None:
        at, self.starts = 0, []
        for row in self.rows:
            self.starts.append(at)
            at += row[3]

    def slice(self, slot: int) -> SessionSlice:
        piece = self._slices.get(slot)
        if piece is None:
            piece = self._slices[slot] = SessionSlice.from_list(self.rows[slot])
        return piece

    @property
    def sessions(self) -> list[SessionSlice]:
        return [self.slice(slot) for slot in range(len(self.rows))]

    @property
    def notices(self) -> int:
        return sum(row[3] for row in self.rows if row[0] == "")

    def to_bytes(self) -> bytes:
        header: dict[str, Any] = {
            "v": SIDECAR_VERSION,
            "segment": self.name,
            "size": self.size,
            "count": self.count,
            "sessions": self.rows,
            "live": self.live,
        }
        blobs = {"keys": self.keys, "text": self.text, "ends": self.ends.tobytes()}
        # Two passes: the offsets depend on the header's own length.
        header["blobs"] = {name: [0, len(blobs[name])] for name in _BLOBS}
        for _ in range(2):
            head = orjson.dumps(header)
            at = len(_MAGIC) + 8 + len(head)
            for name in _BLOBS:
                header["blobs"][name] = [at, len(blobs[name])]
                at += len(blobs[name])
        head = orjson.dumps(header)
        self.blobs = header["blobs"]
        parts = [_MAGIC, len(head).to_bytes(8, "little"), head]
        return b"".join(parts + [blobs[name] for name in _BLOBS])

    @classmethod
    def read_header(cls, name: str, path: Path) -> SegmentIndex:
        with open(path, "rb") as handle:
            if handle.read(len(_MAGIC)) != _MAGIC:
                raise ValueError("not a sidecar of this version")
            length = int.from_bytes(handle.read(8), "little")
            data = orjson.loads(handle.read(length))
        if data.get("segment") != name:
            raise ValueError(f"sidecar describes {data.get('segment')!r}")
        for row in data["sessions"]:
            row[0] = sys.intern(row[0])  # one string per session, not one per segment
        index = cls(
            name,
            int(data["size"]),
            int(data["count"]),
            data["sessions"],
            live=[int(s) for s in data["live"]],
            path=path,
            blobs={k: [int(v[0]), int(v[1])] for k, v in data["blobs"].items()},
        )
        if sum(row[3] for row in index.rows) != index.count:
            raise ValueError("sidecar counts disagree")
        if index.blobs["ends"][1] != 4 * index.count or index.blobs["keys"][1] != 8 * index.count:
            raise ValueError("sidecar blobs disagree with its counts")
        return index

    def _blob(self, name: str) -> bytes:
        if self.path is None:
            return b""
        offset, length = self.blobs[name]
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
        if len(data) != length:
            raise ValueError(f"sidecar {self.path} is truncated")
        return data

    def read_keys(self) -> bytes:
        return self._blob("keys") if self.path is not None else self.keys

    def load_text(self) -> None:
        if self.text_loaded:
            return
        self.text = self._blob("text")
        self.ends = array("I")
        self.ends.frombytes(self._blob("ends"))
        self.text_loaded = True

    def drop_blobs(self) -> None:
        """Forget what can be read again from the sidecar (keys; text unless ``text_loaded``
        is wanted by the caller)."""
        if self.path is not None:
            self.keys = b""
            self.text, self.ends, self.text_loaded = b"", array("I"), False


def sidecar_path(segment: Path) -> Path:
    return segment.with_suffix(".idx")


def _order(doc: dict[str, Any]) -> tuple[int, int]:
    return (int(doc.get("t", 0)), int(doc.get("seq", 0)))


def _searchable(doc: dict[str, Any]) -> bytes:
    if not doc.get("sid") or doc.get("kind") in SYSTEM_KINDS:
        return b""
    return str(doc.get("text", "")).casefold().encode("utf-8", "replace").replace(b"\x00", b" ")


def _entry_ends(entries: list[bytes]) -> Iterator[int]:
    """Where each entry ends in the text blob (entries joined by NUL)."""
    for number, end in enumerate(accumulate(map(len, entries))):
        yield end + number  # the NULs before this entry


def _index_docs(
    name: str, size: int, groups: list[tuple[str, list[dict[str, Any]], int, int]]
) -> SegmentIndex:
    """A sidecar for documents grouped as (sid, docs in order, offset, length)."""
    keys = array("Q")
    live: list[int] = []
    entries: list[bytes] = []  # the searchable text of each document, in segment order
    rows: list[list[Any]] = []
    for sid, docs, offset, length in groups:
        first, last = _order(docs[0]), _order(docs[-1])
        rows.append(SessionSlice(sid, offset, length, len(docs), first, last).to_list())
        # Whole sessions at a time (every sealed message passes here once).
        keys.extend([key_hash(str(doc["k"])) for doc in docs])
        if not sid:
            live.extend(int(d.get("seq", 0)) for d in docs if d.get("kind") in _LIVE_KINDS)
        entries.extend([_searchable(doc) for doc in docs])
    text = b"\x00".join([*entries, b""])  # every entry ends with a NUL
    ends = array("I", _entry_ends(entries))
    index = SegmentIndex(name, size, len(entries), rows, keys.tobytes(), live, text, ends)
    index.text_loaded = True
    return index


def _grouped(docs: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    by_session: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_session.setdefault(str(doc.get("sid", "")), []).append(doc)
    return [(sid, sorted(group, key=_order)) for sid, group in sorted(by_session.items())]


def _serialize(
    grouped: list[tuple[str, list[dict[str, Any]]]],
) -> tuple[bytes, list[tuple[str, list[dict[str, Any]], int, int]]]:
    """A segment's bytes for documents grouped by session, and each group's byte range.

    One ``orjson.dumps`` per session (its documents as ``{"n": doc, ...}`` with the braces
    cut off) writes the same bytes as one call per document, at a fraction of the cost. The
    pieces are joined once: a segment is megabytes, and each extra copy of it cost as much
    as the dumps."""
    parts: list[bytes | memoryview] = [b'{"messages":{']
    groups = []
    at = len(parts[0])
    number = 0
    for sid, group in grouped:
        body = memoryview(orjson.dumps({str(number + i): doc for i, doc in enumerate(group, 1)}))
        if number:
            parts.append(b",")  # part of this session's range (``read_slice`` skips it)
        parts.append(body[1:-1])  # the braces cut off, without a copy
        length = len(body) - 2 + (1 if number else 0)
        number += len(group)
        groups.append((sid, group, at, length))
        at += length
    parts.append(b"}}")
    return b"".join(parts), groups


def write_segment(path: Path, docs: list[dict[str, Any]]) -> SegmentIndex:
    """Write ``docs`` as a sealed segment plus its sidecar (both atomic); return the sidecar."""
    payload, groups = _serialize(_grouped(docs))
    index = _index_docs(path.name, len(payload), groups)
    for target in (path, sidecar_path(path)):
        if target.exists():
            os.unlink(target)  # an orphan from a kill between seal and head commit: not listed
    try:
        # Looked up at call time: tests cut writes there (a full disk, a kill).
        storage.atomic_write_bytes(path, payload)
        storage.atomic_write_bytes(sidecar_path(path), index.to_bytes())
    except OSError as exc:
        raise StoreWriteError(f"could not write segment {path}: {exc}") from exc
    index.path = sidecar_path(path)
    return index


def read_docs(path: Path, raw: bytes | None = None) -> list[dict[str, Any]]:
    """Every document of a segment file (or of its bytes ``raw``), or ``StoreCorruptError``
    naming it."""
    table = storage.load_tables(path, raw).get("messages", {})
    return list(table.values())


def read_slice(path: Path, piece: SessionSlice) -> list[dict[str, Any]]:
    """One session's documents of a segment, in order (raises StoreCorruptError)."""
    if piece.offset == WHOLE_FILE:
        docs = [d for d in read_docs(path) if str(d.get("sid", "")) == piece.session_id]
        return sorted(docs, key=_order)
    try:
        with open(path, "rb") as handle:
            handle.seek(piece.offset)
            raw = handle.read(piece.length)
        if len(raw) != piece.length:
            raise ValueError("segment is shorter than its index says")
        if raw.startswith(b","):
            raw = raw[1:]
        table = orjson.loads(b"{" + raw + b"}")
        docs = list(table.values())
    except (OSError, ValueError) as exc:
        raise StoreCorruptError(f"segment {path} is unreadable ({exc})") from None
    if len(docs) != piece.count:
        raise StoreCorruptError(f"segment {path} holds {len(docs)} documents of {piece.count}")
    return docs


def segment_keys(path: Path) -> bytes:
    """The packed dedupe keys read from the segment itself (when its sidecar's are lost)."""
    try:
        return array("Q", (key_hash(str(doc["k"])) for doc in read_docs(path))).tobytes()
    except (KeyError, TypeError, AttributeError) as exc:
        raise StoreCorruptError(f"segment {path} holds a document without a key ({exc})") from None


def index_legacy(path: Path) -> SegmentIndex:
    """A sidecar rebuilt from its segment: with byte ranges when the file is as
    ``write_segment`` writes it (one parse, one re-serialisation compared byte for byte),
    else "parse the whole file" slices (a segment written by an older version)."""
    raw = storage.read_bytes(path)
    docs = read_docs(path, raw)
    runs: list[tuple[str, list[dict[str, Any]]]] = []
    for doc in docs:
        sid = str(doc.get("sid", ""))
        if runs and runs[-1][0] == sid:
            runs[-1][1].append(doc)
        else:
            runs.append((sid, [doc]))
    if runs == _grouped(docs):
        payload, groups = _serialize(runs)
        if payload == raw:
            return _index_docs(path.name, len(raw), groups)
    groups = [(sid, group, WHOLE_FILE, 0) for sid, group in _grouped(docs)]
    return _index_docs(path.name, len(raw), groups)


def load_index(path: Path) -> SegmentIndex:
    """The segment's sidecar, rebuilt (and rewritten) from the segment when missing or bad.

    Raises ``StoreCorruptError`` when the segment itself is missing, truncated or unreadable.
    """
    side = sidecar_path(path)
    index: SegmentIndex | None = None
    try:
        index = SegmentIndex.read_header(path.name, side)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        index = None
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise StoreCorruptError(f"segment {path} is missing ({exc.strerror or exc})") from None
    if index is not None:
        if index.size != size:
            raise StoreCorruptError(
                f"segment {path} is {size:,} bytes, its index says {index.size:,}: truncated "
                "or overwritten"
            )
        return index
    index = index_legacy(path)
    try:
        storage.atomic_write_bytes(side, index.to_bytes())
        index.path = side
    except OSError:
        pass  # derived data, rebuilt next time; meanwhile its blobs stay in memory
    return index
