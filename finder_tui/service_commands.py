"""Typed commands the UI sends to the store thread (the other direction of ``service_events``).

Frozen dataclasses, put on the service's queue by ``SyncService``'s thin senders and dispatched
on the store thread with ``match``. No textual here.
"""

from __future__ import annotations

from dataclasses import dataclass


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


Command = SyncNow | MarkRead | MarkUnread | SetAlias | MarkLiveSeen | Stop
