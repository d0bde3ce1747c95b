"""Typed events the sync service emits; a UI subscribes with one callable (no textual here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store.index import Index
    from .store.index_records import LiveStream
    from .wire.models import Message, Rejected

STARTING, LOADING, SYNCING, IDLE, BACKOFF, STOPPED, OFFLINE = (
    "starting",
    "loading",
    "syncing",
    "idle",
    "backoff",
    "stopped",
    "offline",
)


@dataclass(frozen=True, slots=True)
class StateChanged:
    state: str
    detail: str = ""  # scrubbed error text for backoff/stopped
    retry_at: float | None = None  # wall clock, for "retrying in Ns"
    at: float = 0.0  # wall clock of the change ("idle since HH:MM")


@dataclass(frozen=True, slots=True)
class StoreOpened:
    index: Index
    complete: bool  # False while sealed segments still load


@dataclass(frozen=True, slots=True)
class StoreLoaded:
    messages: int
    sessions: int
    seconds: float


@dataclass(frozen=True, slots=True)
class StoreFailed:
    error: str


@dataclass(frozen=True, slots=True)
class SegmentsUnavailable:
    """Sealed segments that could not be read: their messages are missing, the rest works.
    ``segments``: (file name, how many messages it held, when known)."""

    segments: tuple[tuple[str, int | None], ...]

    def files(self) -> str:
        return ", ".join(
            f"{name} ({count:,} messages)" if count is not None else name
            for name, count in self.segments
        )

    HINT = "Run `finder-tui check --repair` to set them aside; everything else works."

    def text(self) -> str:
        return (
            f"Unreadable store file(s): {self.files()}. Those messages are unavailable. {self.HINT}"
        )


@dataclass(frozen=True, slots=True)
class Progress:
    pages: int
    new: int
    duplicates: int
    rejected: int


@dataclass(frozen=True, slots=True)
class NewMessages:
    by_session: dict[str, list[Message]] = field(default_factory=dict)
    notices: list[Message] = field(default_factory=list)
    backfill: bool = True  # part of catching up, not traffic that arrived while running


@dataclass(frozen=True, slots=True)
class LiveEvent:
    stream: LiveStream
    event: str  # "started" | "ended"
    backfill: bool


@dataclass(frozen=True, slots=True)
class ItemsRejected:
    items: list[Rejected]


@dataclass(frozen=True, slots=True)
class IndexChanged:
    """Something the UI shows changed without new messages (read marker, alias, live seen)."""

    what: str


@dataclass(frozen=True, slots=True)
class OutboxChanged:
    """An outgoing message changed state (queued, sent, failed, unknown, delivered, discarded)."""

    session_id: str
    entry_id: str = ""  # "" when several entries of the session changed (reconciliation)
    state: str = ""
    detail: str = ""  # scrubbed reason for failed/unknown


@dataclass(frozen=True, slots=True)
class OutboxNotice:
    """A send that was refused before it started, or an outbox file problem; for the user."""

    text: str
    session_id: str = ""
    # A refused SendText's text (never queued): the UI puts it back into the compose box.
    refused_text: str = ""


AUTH, STORE_IN_USE = "auth", "store_in_use"  # Attention.kind
BAD_SEGMENTS = "bad_segments"  # Attention.kind: sealed store files unreadable


@dataclass(frozen=True, slots=True)
class Attention:
    """A problem only the user can fix (a refused token, a store another process holds): a
    banner across the inbox, not a status line. ``kind`` "" clears it."""

    kind: str
    text: str = ""  # scrubbed, what is wrong
    hint: str = ""  # what to do about it


Event = (
    StateChanged
    | StoreOpened
    | StoreLoaded
    | StoreFailed
    | SegmentsUnavailable
    | Progress
    | NewMessages
    | LiveEvent
    | ItemsRejected
    | IndexChanged
    | OutboxChanged
    | OutboxNotice
    | Attention
)
