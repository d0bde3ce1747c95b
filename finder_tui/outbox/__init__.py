"""Replying: the vendor's send endpoints, the crash-safe outbox and the one-at-a-time sender.

Sending is a real act on the user's account and the API takes no client-side message id, so a
blind retry can send twice. Everything here follows from that: a message is committed to the
outbox before its request leaves, an answer that never came is ``unknown`` (never ``failed``),
and nothing is ever sent again without the user asking.
"""

from __future__ import annotations

from .api import SendTarget, get_session_id, private_send
from .book import (
    DELIVERED,
    FAILED,
    MAX_TEXT,
    OPEN_STATES,
    PENDING,
    SENT,
    UNKNOWN,
    Entry,
    Outbox,
    OutboxError,
    clean_text,
    text_refusal,
)
from .sender import Sender, SendOutcome

__all__ = [
    "DELIVERED",
    "FAILED",
    "MAX_TEXT",
    "OPEN_STATES",
    "PENDING",
    "SENT",
    "UNKNOWN",
    "Entry",
    "Outbox",
    "OutboxError",
    "SendOutcome",
    "SendTarget",
    "Sender",
    "clean_text",
    "text_refusal",
    "get_session_id",
    "private_send",
]
