"""Typed commands the UI sends to the store thread (the other direction of ``service_events``).

Frozen dataclasses, put on the service's queue by ``SyncService``'s thin senders and dispatched
on the store thread with ``match``. No textual here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SyncNow:
    """Run a sync cycle now instead of at the next poll (a no-op offline)."""


@dataclass(frozen=True, slots=True)
class MarkRead:
    session_id: str


@dataclass(frozen=True, slots=True)
class MarkUnread:
    """``u``: the open conversation's last received message is unread again."""

    session_id: str


@dataclass(frozen=True, slots=True)
class SetAlias:
    session_id: str
    alias: str


@dataclass(frozen=True, slots=True)
class MarkLiveSeen:
    """The user looked at the live view: its notices are no longer new."""


@dataclass(frozen=True, slots=True)
class Stop:
    """End the store thread (it commits and closes the store on the way out)."""


@dataclass(frozen=True, slots=True)
class SendText:
    """Queue a message in the outbox (committed before it is sent) and send it."""

    session_id: str
    text: str
    # When the user pressed send (the command may wait behind a slow send): a message
    # pressed before the server was found unreachable fails at once, without a request.
    pressed_at: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class RetrySend:
    """The user's choice: send an outbox entry again (for ``unknown``, after being told it may
    arrive twice). Nothing ever sends twice by itself."""

    entry_id: str
    # What the user saw when choosing: a retry of an entry whose state or attempt count has
    # moved on since (a second R queued behind the first) is ignored, never a second send.
    seen_state: str
    seen_attempts: int


@dataclass(frozen=True, slots=True)
class DiscardSend:
    entry_id: str


@dataclass(frozen=True, slots=True)
class SaveDraft:
    session_id: str
    text: str


@dataclass(frozen=True, slots=True)
class SendToUser:
    """Send to someone we have no conversation with yet (its session id comes from
    /getSessionId, asked right before the send), as ``my_user``."""

    to_user: str
    my_user: str
    text: str


OutboxCommand = SendText | SendToUser | RetrySend | DiscardSend | SaveDraft
OUTBOX_COMMANDS = (SendText, SendToUser, RetrySend, DiscardSend, SaveDraft)  # isinstance checks
Command = SyncNow | MarkRead | MarkUnread | SetAlias | MarkLiveSeen | Stop | OutboxCommand
