"""Recalls: a ``revokemsg`` notice names the message its sender took back (``newmsgid``);
the index marks that message (``meta["recalled"]``) so every view shows it as recalled.

The mark is derived state, rebuilt on every load from the notices, so it needs no storage of
its own; a notice that arrives before the message it recalls waits for it.
"""

from __future__ import annotations

from ..wire.content import SYSMSG
from ..wire.models import Message

_SCAN_BACK = 2_000  # a recall comes minutes after its message: never scan a whole history


class Recalls:
    def __init__(self) -> None:
        self._waiting: dict[str, str] = {}  # recalled message key -> session id

    def see(self, message: Message, conversation: list[Message]) -> None:
        """Called for each message added to ``conversation`` (its session's list)."""
        if self._waiting and self._waiting.pop(message.key, None) is not None:
            mark(message)
        if message.kind != SYSMSG:
            return
        recalled = message.meta.get("recalled_id")
        if not isinstance(recalled, str) or not recalled:
            return
        for candidate in reversed(conversation[-_SCAN_BACK:]):
            if candidate.key == recalled:
                mark(candidate)
                return
        self._waiting[recalled] = message.session_id


def mark(message: Message) -> None:
    if message.meta.get("recalled") is not True:
        # a new dict: the stored doc and any reader's copy never change under them
        message.meta = {**message.meta, "recalled": True}
