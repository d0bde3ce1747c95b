"""The first screen, kept beside the head: the newest sessions as the list shows them and the
streams with no end seen, so that the inbox paints at once whatever the history's size.

The head (``head.json``) is parsed whole before anything can be shown: every session summary,
the recent live streams and the unsealed messages, 0.8 MB at a million messages (~10 ms before
a first frame, growing with the number of sessions). ``glance.json`` holds only what that frame
shows (``ROWS`` sessions, names resolved, ~30 KB). A UI paints from it while the store thread
opens the head; the head's list replaces it a few milliseconds later.

It is a hint, never a source of truth: rewritten after a commit that changed the index (at
most once a second during a sync, and on close), without fsync (a crash may leave it stale or
unreadable), and read tolerantly: any problem means "no glance", and the UI waits for the head
as it did before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ..fsutil import atomic_write_bytes
from . import live
from .index_records import LiveStream, SessionSummary

if TYPE_CHECKING:
    from .index import Index

NAME = "glance.json"
VERSION = 1
ROWS = 60  # two lines each: more than a terminal of 120 lines shows at once
MAX_BYTES = 1_000_000  # a glance is ~30 KB: anything bigger is not ours


@dataclass(frozen=True, slots=True)
class Glance:
    sessions: list[SessionSummary]  # newest activity first, nicknames filled
    open_streams: list[LiveStream]  # started, no end seen (live now or stale)
    titles: list[str]  # whose each open stream is, as the index named them
    unseen_live: int  # live notices the user has not looked at

    def live_now(self, now: float, stale_after: float) -> int:
        return sum(1 for s in self.open_streams if live.is_live(s, now, stale_after))

    def live_names(self, now: float, stale_after: float) -> tuple[str, ...]:
        """Who is live, as the index's streams say it (``live.badge_names``)."""
        streams = zip(self.open_streams, self.titles, strict=True)
        return live.badge_names([t for s, t in streams if live.is_live(s, now, stale_after)])


def glance_bytes(index: Index) -> bytes:
    """The glance of ``index`` as it stands."""
    streams = index.open_streams()
    sessions = [{**s.to_doc(), "nickname": s.nickname} for s in index.sessions()[:ROWS]]
    return orjson.dumps(
        {
            "version": VERSION,
            "sessions": sessions,
            "open_streams": [s.to_doc() for s in streams],
            "titles": index.live_titles(streams),
            "unseen_live": index.unseen_live_notices(),
        }
    )


class GlanceKeeper:
    """Keeps ``glance.json`` in step with a store's index (called by the store thread after
    each commit). A hint only: a failed write never fails a commit; the next one tries again."""

    EVERY_SECONDS = 1.0  # during a sync: a commit every ~0.3 s need not each write one

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._version = -1  # the index version the file shows
        self._written_at = 0.0

    def opened(self, index: Index) -> None:
        """A glance on disk is taken as current: a command that only reads writes nothing (a
        stale one is replaced at the next change; on screen, the head replaces it in ms)."""
        if (self.directory / NAME).exists():
            self._version = index.version

    def refresh(self, index: Index, *, force: bool = False) -> None:
        """Rewrite the file if the index changed since (at most once a second unless forced)."""
        if index.version == self._version:
            return
        if not force and time.monotonic() - self._written_at < self.EVERY_SECONDS:
            return
        version = index.version
        try:
            write_glance(self.directory, glance_bytes(index))
        except OSError:
            return
        self._version, self._written_at = version, time.monotonic()


def write_glance(directory: Path, data: bytes) -> None:
    """Replace ``glance.json`` (temp file and rename, no fsync: it is only a hint)."""
    atomic_write_bytes(directory / NAME, data, durable=False)


def read_glance(directory: Path) -> Glance | None:
    """The glance written with the last commit; None when absent or unreadable in any way."""
    try:
        with open(directory / NAME, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            return None
        return _from_doc(orjson.loads(data))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "bool": (bool,),
    "int | None": (int, type(None)),
}


def _schema(cls: type[Any]) -> tuple[tuple[str, ...], tuple[tuple[type, ...], ...]]:
    """A record's field names in order, and the types each may hold."""
    return tuple(f.name for f in fields(cls)), tuple(_TYPES[str(f.type)] for f in fields(cls))


_SESSION = _schema(SessionSummary)
_STREAM = _schema(LiveStream)


def _typed(schema: tuple[tuple[str, ...], tuple[tuple[type, ...], ...]], doc: Any) -> bool:
    """Every field, in the written order, with its declared type (the list renders them)."""
    names, types = schema
    return (
        isinstance(doc, dict)
        and tuple(doc) == names
        and all(isinstance(v, t) for v, t in zip(doc.values(), types, strict=True))
    )


def _from_doc(doc: Any) -> Glance | None:
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        return None
    sessions, streams = doc["sessions"], doc["open_streams"]
    titles, unseen = doc["titles"], doc["unseen_live"]
    if not (
        isinstance(sessions, list)
        and all(_typed(_SESSION, s) for s in sessions)
        and isinstance(streams, list)
        and all(_typed(_STREAM, s) for s in streams)
        and isinstance(titles, list)
        and all(isinstance(t, str) for t in titles)
        and len(titles) == len(streams)
        and isinstance(unseen, int)
    ):
        return None
    return Glance(
        [SessionSummary(*s.values()) for s in sessions],
        [LiveStream(*s.values()) for s in streams],
        titles,
        unseen,
    )
