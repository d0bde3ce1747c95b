"""What every export format shares: the rendering context, times, labels and content text.

Formats are generators of ``bytes`` chunks: each renders one batch of messages at a time, so a
100k-message conversation never sits in memory as one big string, and progress is reported
between batches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from ..store.index import SessionSummary
from ..wire.content import IMAGE, SYSTEM_KINDS, format_size
from ..wire.models import Message
from ..wire.sanitize import scrub, scrub_line

BATCH = 500  # messages per chunk and per progress call
ME = "me"
SYSTEM = "system"
APP = "finder-tui"

Progress = Callable[[int, int], None]

_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


class ExportError(OSError):
    """An export could not be written; the message names the path and the cause.

    A subclass of OSError so callers that already handle I/O errors keep working.
    """


def encode(text: str) -> bytes:
    # "replace": a lone surrogate in a hand-built message must not abort a whole export.
    return text.encode("utf-8", "replace")


def to_datetime(timestamp: int, tz: tzinfo | None) -> datetime:
    """An aware datetime; ``tz=None`` means the system's local rules for that instant (DST)."""
    if tz is None:
        return datetime.fromtimestamp(timestamp).astimezone()
    return datetime.fromtimestamp(timestamp, tz)


@dataclass(slots=True)
class Doc:
    """Everything a format needs to render one conversation."""

    session: SessionSummary
    messages: list[Message]  # already selected and ordered
    tz: tzinfo | None
    exported_at: datetime
    since: date | None = None
    until: date | None = None
    include_system: bool = False
    csv_bom: bool = False
    progress: Progress | None = None
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = scrub_line(self.session.display_name)

    def when(self, message: Message) -> datetime:
        return to_datetime(message.create_time, self.tz)

    def exported_iso(self) -> str:
        stamp = self.exported_at
        stamp = stamp.astimezone(self.tz) if self.tz is not None else stamp.astimezone()
        return stamp.isoformat(timespec="seconds")

    def date_range(self) -> str:
        """The days actually covered, e.g. ``2023-08-14 – 2023-09-12`` (or ``—`` when empty)."""
        if not self.messages:
            lo = self.since.isoformat() if self.since else ""
            hi = self.until.isoformat() if self.until else ""
            if lo and hi:
                return f"{lo} – {hi} (no messages)"
            if lo or hi:
                return f"{'from ' + lo if lo else 'until ' + hi} (no messages)"
            return "— (no messages)"
        first = self.when(self.messages[0]).date().isoformat()
        last = self.when(self.messages[-1]).date().isoformat()
        return first if first == last else f"{first} – {last}"

    def sender(self, message: Message) -> str:
        if message.kind in SYSTEM_KINDS:
            return SYSTEM
        return ME if message.is_sender else self.name

    def batches(self) -> Iterator[list[Message]]:
        """Batches of messages; progress is reported after each one has been consumed."""
        total = len(self.messages)
        if self.progress is not None:
            self.progress(0, total)
        for start in range(0, total, BATCH):
            batch = self.messages[start : start + BATCH]
            yield batch
            if self.progress is not None:
                self.progress(start + len(batch), total)


def render_by_day(
    doc: Doc,
    day_heading: Callable[[str], str],
    message_block: Callable[[Message, datetime], str],
) -> Iterator[bytes]:
    """The body every text format shares: a heading whenever the day changes, then one block
    per message, encoded in batches (progress is reported per batch)."""
    day = ""
    for batch in doc.batches():
        parts: list[str] = []
        for message in batch:
            when = doc.when(message)
            label = day_label(when)
            if label != day:
                day = label
                parts.append(day_heading(label))
            parts.append(message_block(message, when))
        yield encode("".join(parts))


def direction(message: Message) -> str:
    if message.kind in SYSTEM_KINDS:
        return SYSTEM
    return "out" if message.is_sender else "in"


def _size(value: Any) -> str:
    return format_size(value, kb_decimals=1)


def _image(meta: dict[str, Any]) -> str:
    # meta comes from the store: check every value's type, show only what is well-formed.
    parts: list[str] = []
    if size := _size(meta.get("length")):
        parts.append(size)
    if hd := _size(meta.get("hdlength")):
        parts.append(f"HD {hd}")
    width, height = meta.get("width"), meta.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        parts.append(f"{width}×{height} thumb")
    md5 = meta.get("md5")
    if isinstance(md5, str) and _MD5.match(md5):
        parts.append(f"md5 {md5.lower()}")
    return "[image" + (f": {', '.join(parts)}" if parts else "") + "]"


def content_text(message: Message) -> str:
    """What a reader sees for a message: its text, or a placeholder with media metadata.

    Text is scrubbed again (cheap, idempotent) so nothing that skipped ingest can smuggle
    terminal or bidi controls into an export.
    """
    if message.kind == IMAGE:
        return _image(message.meta if isinstance(message.meta, dict) else {})
    return scrub(message.text)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def day_label(when: datetime) -> str:
    """``2023-08-14 (Mon)``: fixed English weekday names, independent of the locale."""
    return f"{when.date().isoformat()} ({_WEEKDAYS[when.weekday()]})"
