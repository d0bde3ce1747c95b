"""What every export format shares: the rendering context, times, labels and content text.

Formats are generators of ``bytes`` chunks: each renders one batch of messages at a time, so a
100k-message conversation never sits in memory as one big string, and progress is reported
between batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from ..peers import display_name
from ..store.index_records import SessionSummary
from ..wire.basic import image_label
from ..wire.content import IMAGE, SYSTEM_KINDS
from ..wire.models import Message
from ..wire.sanitize import scrub, scrub_line
from ..wire.sysmsg import fill_pat

BATCH = 500  # messages per chunk and per progress call
ME = "me"
SYSTEM = "system"
APP = "finder-tui"

Progress = Callable[[int, int], None]


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

    def name_of(self, ident: str) -> str:
        session = self.session
        return names_for(session.peer, session.alias, session.me, nickname=session.nickname)(ident)

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


NameOf = Callable[[str], str]


def content_text(message: Message, name_of: NameOf | None = None, *, detailed: bool = True) -> str:
    """What a reader sees for a message, the same in ``show``, every export and the UI: its
    text (a pat naming people by display name when ``name_of`` is given), the image
    placeholder with its metadata (in full when ``detailed``), and a mark on a message its sender recalled.

    Text is scrubbed again (cheap, idempotent) so nothing that skipped ingest can smuggle
    terminal or bidi controls into an export.
    """
    meta: dict[str, Any] = message.meta if isinstance(message.meta, dict) else {}
    if message.kind == IMAGE:
        text = image_label(meta, detailed=detailed)
    elif name_of is not None and meta.get("type") == "pat":
        text = _pat_text(message, meta, name_of)
    else:
        text = scrub(message.text)
    if meta.get("recalled") is True:
        text = f"{RECALLED_MARK} {text}"
    return text


RECALLED_MARK = "(recalled)"


def _pat_text(message: Message, meta: dict[str, Any], name_of: NameOf) -> str:
    template = meta.get("template")
    if not isinstance(template, str):
        return scrub(message.text)
    return fill_pat(template, name_of)


def names_for(peer: str, alias: str, me: str, *, peer_name: str = "", nickname: str = "") -> NameOf:
    """Display names in one conversation: ``me`` for our side, the peer's name (``peer_name``
    when the caller has one, else its alias or short id), and any other id as
    ``peers.display_name`` shows it."""

    def name_of(ident: str) -> str:
        if ident and ident == me:
            return ME
        if ident == peer:
            return peer_name or display_name(peer, alias, nickname)
        return display_name(ident)

    return name_of


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def day_label(when: datetime) -> str:
    """``2023-08-14 (Mon)``: fixed English weekday names, independent of the locale."""
    return f"{when.date().isoformat()} ({_WEEKDAYS[when.weekday()]})"
