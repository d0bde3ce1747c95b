"""The message cursor of the conversation: ``j``/``k`` move a highlighted message, and
``Enter``/``o``, ``O``, ``S`` ask the screen to act on it (``MessageCursor.Act``)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.message import Message as TextualMessage

from ...wire.models import Message
from ..links import LinkSpan


def with_links(segments: list[Segment], links: tuple[LinkSpan, ...]) -> list[Segment]:
    """``segments`` (one line's text) with each URL piece carrying a hyperlink to its URL."""
    out: list[Segment] = []
    pos = 0
    for segment in segments:
        text, style = segment.text, segment.style
        start, end = pos, pos + len(text)
        cuts = sorted({start, end} | {p for s, e, _u in links for p in (s, e) if start < p < end})
        for a, b in zip(cuts, cuts[1:], strict=False):
            url = next((u for s, e, u in links if s <= a and b <= e), None)
            piece_style = (style or Style()) + Style(link=url) if url else style
            out.append(Segment(text[a - start : b - start], piece_style))
        pos = end
    return out


class MessageCursor:
    """Mixed into ``ConversationView`` (which provides messages, lines and scrolling)."""

    cursor: int = -1  # index into ``messages``; -1: none

    class Act(TextualMessage):
        """Act on the message under the cursor: verb "open", "external" or "save"."""

        def __init__(self, message: Message, verb: str) -> None:
            super().__init__()
            self.message = message
            self.verb = verb

    def keep_cursor_on(self, key: str | None) -> None:
        messages: list[Message] = self.messages  # type: ignore[attr-defined]
        self.cursor = next((i for i, m in enumerate(messages) if m.key == key), -1) if key else -1

    def _bottom_message(self) -> int:
        lines = self.lines  # type: ignore[attr-defined]
        if not lines:
            return -1
        height = self.scrollable_content_region.height  # type: ignore[attr-defined]
        y = min(len(lines) - 1, int(self.scroll_y) + max(0, height - 1))  # type: ignore[attr-defined]
        while y > 0 and lines[y].message < 0:
            y -= 1
        return int(lines[y].message)

    def _top_message(self) -> int:
        lines = self.lines  # type: ignore[attr-defined]
        if not lines:
            return -1
        y = min(len(lines) - 1, int(self.scroll_y))  # type: ignore[attr-defined]
        while y + 1 < len(lines) and lines[y].message < 0:
            y += 1
        return int(lines[y].message)

    def _cursor_in_view(self) -> bool:
        """Whether any line of the cursor's message is on screen (a scroll may have left it)."""
        if self.cursor < self.laid_from:  # type: ignore[attr-defined]
            return False  # not laid out, so not on screen (and not worth laying out to know)
        top = self.first_line_of(self.cursor)  # type: ignore[attr-defined]
        if top is None:
            return False
        lines = self.lines  # type: ignore[attr-defined]
        bottom = top
        while bottom + 1 < len(lines) and lines[bottom + 1].message == self.cursor:
            bottom += 1
        scroll_y = int(self.scroll_y)  # type: ignore[attr-defined]
        height = max(1, self.scrollable_content_region.height)  # type: ignore[attr-defined]
        return bool(bottom >= scroll_y and top < scroll_y + height)

    def action_cursor(self, delta: int) -> None:
        messages: list[Message] = self.messages  # type: ignore[attr-defined]
        if not messages:
            return
        if self.cursor < 0:
            self.cursor = self._bottom_message()
        elif not self._cursor_in_view():
            # scrolled away from it: start again from the view, never jump back out of it
            self.cursor = self._top_message() if delta > 0 else self._bottom_message()
        else:
            self.cursor = max(0, min(len(messages) - 1, self.cursor + delta))
        self._cursor_into_view()

    def _cursor_into_view(self) -> None:
        top = self.first_line_of(self.cursor)  # type: ignore[attr-defined]
        if top is None:
            return
        lines = self.lines  # type: ignore[attr-defined]
        bottom = top
        while bottom + 1 < len(lines) and lines[bottom + 1].message == self.cursor:
            bottom += 1
        height = max(1, self.scrollable_content_region.height)  # type: ignore[attr-defined]
        scroll_y = int(self.scroll_y)  # type: ignore[attr-defined]
        if top < scroll_y:
            self.scroll_to(y=top, animate=False, immediate=True)  # type: ignore[attr-defined]
        elif bottom >= scroll_y + height:
            y = max(top if bottom - top >= height else bottom - height + 1, 0)
            self.scroll_to(y=y, animate=False, immediate=True)  # type: ignore[attr-defined]
        self._strips.clear()  # type: ignore[attr-defined]
        self.refresh()  # type: ignore[attr-defined]

    def cursor_key(self) -> str | None:
        """The key of the message under the cursor while it is on screen, else None."""
        messages: list[Message] = self.messages  # type: ignore[attr-defined]
        if 0 <= self.cursor < len(messages) and self._cursor_in_view():
            return messages[self.cursor].key
        return None

    def action_act(self, verb: str) -> None:
        messages: list[Message] = self.messages  # type: ignore[attr-defined]
        if not messages:
            return
        if self.cursor < 0 or not self._cursor_in_view():
            self.cursor = self._bottom_message()  # act only on a message the user can see
            self._cursor_into_view()
        if 0 <= self.cursor < len(messages):
            self.post_message(self.Act(messages[self.cursor], verb))  # type: ignore[attr-defined]
