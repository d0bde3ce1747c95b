"""Ended live streams beyond the newest few live in a side table, not in the head.

The head is rewritten on every commit; at a million items an account has seen tens of
thousands of streams, and rewriting them all on every commit made a commit cost grow with
history. The head keeps every stream still live and the newest ``KEEP_ENDED`` ended ones;
older ended streams move in batches to ``live_archive.json`` (written before the head commit
that drops them, so a kill in between leaves a stream in both: the head's copy wins on load).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .index_records import LiveStream
from .sidetable import SideTable

KEEP_ENDED = 1_000
ARCHIVE_BATCH = 1_000  # archive once this many ended streams beyond KEEP_ENDED piled up
NAME = "live_archive"


def _ended_order(stream: LiveStream) -> tuple[int, int]:
    return (stream.ended_at or 0, stream.last_seq)


class LiveArchive:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._table: SideTable | None = None
        self.archived: set[str] = set()
        self.loaded = False

    def _open(self) -> SideTable:
        if self._table is None:
            self._table = SideTable(self.directory, NAME)
        return self._table

    def load(self) -> list[LiveStream]:
        """Archived streams (read once, with the catalog: not before the first paint)."""
        self.loaded = True
        if not (self.directory / f"{NAME}.json").exists():
            return []
        streams = [LiveStream.from_doc(d) for d in self._open().rows("streams")]
        self.archived |= {s.object_id for s in streams}
        return streams

    def for_head(self, streams: list[LiveStream]) -> list[LiveStream]:
        """The streams the head keeps; archives a batch first when enough piled up."""
        ended = [s for s in streams if not s.open_ended and s.object_id not in self.archived]
        if len(ended) < KEEP_ENDED + ARCHIVE_BATCH:
            return [s for s in streams if s.object_id not in self.archived]
        ended.sort(key=_ended_order)
        moving = ended[: len(ended) - KEEP_ENDED]
        table = self._open()
        docs: list[dict[str, Any]] = [s.to_doc() for s in moving]
        table.table("streams").insert_multiple(docs)
        table.commit()  # before the head commit that drops them
        self.archived |= {s.object_id for s in moving}
        return [s for s in streams if s.object_id not in self.archived]
