"""Recalls: a ``revokemsg`` notice names the message its sender took back (``newmsgid``);
the index marks that message (``meta["recalled"]``) so every view shows it as recalled.

The mark is derived state: the keys of every recalled message are kept (a few per thousand
messages) and saved in the head's meta, because a message and its recall may be sealed into
different segments or arrive on either side of a seal; sealed messages are marked as they are
read. A notice that arrives before the message it recalls marks it when it comes.
"""

from __future__ import annotations

from ..wire.content import SYSMSG
from ..wire.models import Message

_SCAN_BACK = 2_000  # a recall comes minutes after its message: never scan a whole history


class Recalls:
    def __init__(self) -> None:
        self.keys: set[str] = set()  # every recalled message's key (persisted with the head)

    def see(self, message: Message, conversation: list[Message]) -> str | None:
        """Called for each message added to ``conversation`` (its session's list); returns the
        key a recall notice names when that message is not in ``conversation`` (sealed, or
        still to come)."""
        if message.key in self.keys:
            mark(message)
        if message.kind != SYSMSG:
            return None
        recalled = message.meta.get("recalled_id")
        if not isinstance(recalled, str) or not recalled:
            return None
        self.keys.add(recalled)
        for candidate in reversed(conversation[-_SCAN_BACK:]):
            if candidate.key == recalled:
                mark(candidate)
                return None
        return recalled


def mark(message: Message) -> None:
    if message.meta.get("recalled") is not True:
        # a new dict: the stored doc and any reader's copy never change under them
        message.meta = {**message.meta, "recalled": True}
