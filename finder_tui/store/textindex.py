"""Global search over sealed history without loading it: a scan of the sidecars' text blobs.

Each sealed segment's searchable texts are kept casefolded as UTF-8 (one NUL-separated entry
per document), so a query is one ``bytes.find`` sweep per segment; only the messages that make
the newest ``limit`` hits are then read from disk. Segments are sealed in sync order, so the
newest hits come from the newest segments.
"""

from __future__ import annotations

import bisect

from ..wire.models import Message
from .catalog import SealedHistory


def _matching_entries(text: bytes, ends: object, needle: bytes) -> list[int]:
    found: list[int] = []
    at = text.find(needle)
    while at >= 0:
        entry = bisect.bisect_left(ends, at)  # type: ignore[call-overload]
        found.append(entry)
        next_start = ends[entry] + 1  # type: ignore[index]
        at = text.find(needle, next_start)
    return found


def search_sealed(history: SealedHistory, folded: str, limit: int) -> tuple[int, list[Message]]:
    """(how many sealed messages contain ``folded``, the messages of the newest hits).

    The messages returned include every match of the segments needed to reach ``limit``
    (a caller sorts and cuts); chat messages only (system items have empty entries).
    """
    needle = folded.encode("utf-8")
    if not needle or b"\x00" in needle:
        return 0, []
    history.ensure_text()
    total = 0
    picked: list[Message] = []
    for number in range(len(history.segments) - 1, -1, -1):
        segment = history.segments[number]
        if not segment.count:
            continue
        entries = _matching_entries(segment.text, segment.ends, needle)
        total += len(entries)
        if len(picked) < limit and entries:
            picked.extend(history.entries(number, entries))
    return total, picked
