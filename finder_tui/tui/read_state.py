"""Read state that means something: a preview is not a read, and unread is one key away.

Moving through the list previews a conversation; it becomes read once it has stayed open
``READ_AFTER`` seconds, or at once when the user enters it (Enter/Tab). ``n``/``N`` (and ``]``/
``[``) walk the sessions with unread messages, ``u`` makes the open one unread again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from textual.binding import Binding
from textual.timer import Timer

READ_AFTER = 1.5  # seconds a previewed conversation stays open before it counts as read

BINDINGS = [
    Binding("n,right_square_bracket", "next_unread", "Next unread", id="app.next_unread"),
    Binding(
        "N,left_square_bracket",
        "previous_unread",
        "Previous unread",
        show=False,
        id="app.previous_unread",
    ),
    Binding("u", "mark_unread", "Mark unread", show=False, id="app.mark_unread"),
    Binding("I", "details", "Status details", show=False, id="app.details"),
]


class RowLike(Protocol):
    key: str
    badge: str


def next_unread_key(
    rows: Sequence[RowLike], selected: str | None, delta: int, skip: str = ""
) -> str | None:
    """The next (``delta`` 1) or previous (-1) row with an unread badge, wrapping around;
    None when no session has unread messages. ``skip``: a row that is never a target (live)."""
    candidates = [i for i, row in enumerate(rows) if row.badge and row.key != skip]
    if not candidates:
        return None
    keys = [row.key for row in rows]
    at = keys.index(selected) if selected in keys else (-1 if delta > 0 else len(rows))
    ordered = candidates if delta > 0 else list(reversed(candidates))
    for i in ordered:
        if (i > at) if delta > 0 else (i < at):
            return rows[i].key
    return rows[ordered[0]].key  # wrap around


class ReadDelay:
    """One pending "mark read after a while" for the previewed conversation."""

    def __init__(self, set_timer: Callable[[float, Callable[[], None]], Timer]) -> None:
        self._set_timer = set_timer
        self._timer: Timer | None = None
        self.key: str | None = None

    def start(self, key: str, fire: Callable[[str], None], after: float = READ_AFTER) -> None:
        self.cancel()
        self.key = key

        def done() -> None:
            if self.key == key:
                self._timer, self.key = None, None
                fire(key)

        self._timer = self._set_timer(after, done)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer, self.key = None, None

    @property
    def pending(self) -> bool:
        return self._timer is not None
