"""One conversation: day separators, times, sent bubbles right and received left (Line API).

Layout turns messages into a flat list of line specs once per width; strips are built only for
visible lines and cached. New messages for the open session are laid out and appended without
redoing the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message as TextualMessage

from ...export.common import NameOf, names_for
from ...wire.content import BROKEN, TEXT
from ...wire.models import Message
from ..cells import truncate
from ..emoji import simplify
from ..links import LinkSpan, line_links
from .conversation_lines import (
    BLANK,
    BUBBLE,
    CENTER,
    DAY,
    META,
    NOTE,
    Line,
    body_text,
    highlighted,
    lay_out,
)
from .line_list import LineList, seg
from .message_cursor import MessageCursor, with_links

OUTBOX_KEY = "outbox:"  # key prefix of a message shown from the outbox, not the store


class ConversationView(MessageCursor, LineList):
    BINDINGS = [
        Binding("down", "scroll_by(1)", "Down", show=False, id="conversation.down"),
        Binding("up", "scroll_by(-1)", "Up", show=False, id="conversation.up"),
        Binding("j", "cursor(1)", "Next message", show=False, id="conversation.next_message"),
        Binding("k", "cursor(-1)", "Previous message", show=False, id="conversation.prev_message"),
        Binding("enter,o", "act('open')", "Open", id="conversation.open"),
        Binding("O", "act('external')", "Open in viewer", show=False, id="conversation.external"),
        Binding("S", "act('save')", "Save image", show=False, id="conversation.save"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="conversation.page_down"),
        Binding("pageup,b", "page(-1)", "Page up", show=False, id="conversation.page_up"),
        Binding("g,home", "top", "Top", show=False, id="conversation.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="conversation.bottom"),
    ]

    COMPONENT_CLASSES = {
        "conversation--day",
        "conversation--time",
        "conversation--sent",
        "conversation--received",
        "conversation--broken",
        "conversation--system",
        "conversation--match",
        "conversation--current-match",
        "conversation--cursor",
        "conversation--not-sent",
    }

    DEFAULT_CSS = """
    ConversationView > .conversation--cursor { text-style: bold; background: $accent 30%; }
    """

    class NewBelow(TextualMessage):
        """Messages arrived while the user was scrolled up (count 0: caught up)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class OlderLoaded(TextualMessage):
        """Older history went in above: every message index moved up by ``shift``."""

        def __init__(self, shift: int) -> None:
            super().__init__()
            self.shift = shift

    INITIAL_MESSAGES = 300  # laid out on open; older ones as the user scrolls up
    CHUNK = 500
    FETCH = 2_000  # older messages read from the store at a time (see ``fetch_older``)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session_id: str | None = None
        self.peer_name = ""
        self.messages: list[Message] = []
        self.lines: list[Line] = []
        self.laid_from = 0  # messages[laid_from:] are laid out; older ones wait for a scroll
        self._first_line: list[int] = []  # for messages[laid_from:]: their first layout line
        self._link_cache: dict[int, dict[int, tuple[LinkSpan, ...]]] = {}  # message → line → URLs
        self._keys: set[str] = set()
        self.new_below = 0
        self.highlight = ""  # find-in-conversation query (casefolded)
        self.current_match_message = -1
        self._laid_width = 0
        # Older history on demand: (before (create_time, seq), how many) -> messages, oldest
        # first (set by the app before ``show``; None: ``messages`` is the whole history).
        self.fetch_older: Callable[[tuple[int, int], int], list[Message]] | None = None
        self._history_done = True
        self._pinned = True  # at the newest message: a resize keeps it there
        # Replying: our messages still in the outbox (shown after the stored ones), a state
        # mark per message key for the meta line, and a note under a message that was not sent.
        self.outgoing: list[Message] = []
        self.marks: dict[str, str] = {}
        self.notes: dict[str, str] = {}

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def history_complete(self) -> bool:
        """Whether every stored message of the conversation is loaded (find covers them all)."""
        return self._history_done

    # ---- data ------------------------------------------------------------------------------

    def show(self, session_id: str | None, messages: list[Message], peer_name: str) -> None:
        """Open a conversation at its newest message. Only the newest few hundred messages
        are laid out now, so opening costs the same for 20 or 20,000 messages."""
        self.session_id = session_id
        self.peer_name = peer_name
        self.outgoing, self.marks, self.notes = [], {}, {}
        self.messages = messages
        self._keys = {m.key for m in messages}
        # A first batch short of FETCH is the whole history (no read to find there is no more).
        self._history_done = self.fetch_older is None or len(messages) < self.FETCH
        self.highlight = ""
        self.current_match_message = -1
        self._set_new_below(0)
        self._pinned = True
        self.cursor = -1
        self._relayout(max(0, len(messages) - self.INITIAL_MESSAGES))
        self.scroll_to(y=max(0, self.line_count - 1), animate=False, immediate=True, force=True)
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True, force=True)

    def append(self, messages: list[Message]) -> None:
        """New messages for this conversation: stay at the bottom, or count them as new below."""
        fresh = [m for m in messages if m.key not in self._keys]  # the open copy may have them
        if not fresh:
            return
        if self.outgoing:
            # Stored messages go before the outbox's, which stay last until delivered.
            outgoing = self.outgoing
            cursor_key = self.messages[self.cursor].key if self.cursor >= 0 else None
            self.outgoing = []
            self.messages = [m for m in self.messages if not m.key.startswith(OUTBOX_KEY)]
            self._keys.difference_update(m.key for m in outgoing)
            self._keys.update(m.key for m in fresh)
            self.messages = sorted(self.messages + fresh, key=lambda m: (m.create_time, m.seq))
            self.set_outgoing(outgoing, self.marks, self.notes)
            self.keep_cursor_on(cursor_key)
            return
        self._keys.update(m.key for m in fresh)
        at_bottom = self.is_vertical_scroll_end or self.max_scroll_y == 0
        last = self.messages[-1] if self.messages else None
        fresh.sort(key=lambda m: (m.create_time, m.seq))
        in_order = last is None or (fresh[0].create_time, fresh[0].seq) >= (
            last.create_time,
            last.seq,
        )
        self.messages = self.messages + fresh
        if in_order and self._laid_width == self.content_width():
            self._layout_range(len(self.messages) - len(fresh), len(self.messages), self.lines)
            self.virtual_size = self.virtual_size.with_height(len(self.lines))
            self.refresh()
        else:
            cursor_key = self.messages[self.cursor].key if self.cursor >= 0 else None
            self.messages.sort(key=lambda m: (m.create_time, m.seq))
            self.keep_cursor_on(cursor_key)
            self._relayout(self.laid_from)
        if at_bottom:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, force=True)
        else:
            self._set_new_below(self.new_below + len(fresh))

    def set_outgoing(
        self, outgoing: list[Message], marks: dict[str, str], notes: dict[str, str]
    ) -> None:
        """Replace the outbox's messages shown after the stored ones (a stored copy wins: a
        message is never shown twice), with their state marks and notes."""
        stored = [m for m in self.messages if not m.key.startswith(OUTBOX_KEY)]
        keys = {m.key for m in stored}
        fresh = [m for m in outgoing if str(m.new_msg_id) not in keys or not m.new_msg_id]
        if fresh == self.outgoing and marks == self.marks and notes == self.notes:
            return
        at_bottom = self.is_vertical_scroll_end or self.max_scroll_y == 0
        self.outgoing, self.marks, self.notes = fresh, marks, notes
        self.messages = stored + fresh
        self._keys = keys | {m.key for m in fresh}
        self._relayout(min(self.laid_from, len(stored)))
        self.virtual_size = self.virtual_size.with_height(len(self.lines))
        self.refresh()
        if at_bottom:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, force=True)

    def _set_new_below(self, count: int) -> None:
        if count != self.new_below:
            self.new_below = count
            self.post_message(self.NewBelow(count))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._pinned = new_value >= self.max_scroll_y
        if self.new_below and new_value >= self.max_scroll_y:
            self._set_new_below(0)
        if (self.laid_from or not self._history_done) and (
            new_value < self.scrollable_content_region.height
        ):
            self.call_later(self.load_older)

    # ---- layout ----------------------------------------------------------------------------

    def _relayout(self, laid_from: int) -> None:
        self._link_cache = {}
        self.laid_from = laid_from
        self.lines = []
        self._first_line = []
        self._layout_range(laid_from, len(self.messages), self.lines)
        self.invalidate()

    def load_older(self, down_to: int | None = None) -> None:
        """Lay out an older chunk (or everything from ``down_to``) above the current lines,
        keeping what the user looks at in place."""
        if self.laid_from < self.CHUNK:
            self.fetch_more()
        if not self.laid_from:
            return
        start = max(
            0, (self.laid_from - self.CHUNK) if down_to is None else min(down_to, self.laid_from)
        )
        lines: list[Line] = []
        first = self._first_line
        self._first_line = []
        self._layout_range(start, self.laid_from, lines)
        added = len(lines)
        self._first_line.extend(f + added for f in first)
        self.lines = lines + self.lines
        self.laid_from = start
        self._strips.clear()
        self.virtual_size = self.virtual_size.with_height(len(self.lines))
        self.scroll_to(y=self.scroll_y + added, animate=False, immediate=True, force=True)
        self.refresh()

    def fetch_more(self) -> bool:
        """Prepend an older batch of history from ``fetch_older``; False once there is none."""
        if self._history_done or self.fetch_older is None or not self.messages:
            self._history_done = True
            return False
        first = self.messages[0]
        batch = self.fetch_older((first.create_time, first.seq), self.FETCH)
        older = [m for m in batch if m.key not in self._keys]
        self._history_done = len(batch) < self.FETCH
        if not older:
            self._history_done = True
            return False
        shift = len(older)
        self.messages = older + self.messages
        self._keys.update(m.key for m in older)
        for line in self.lines:
            line.message += shift
        self.laid_from += shift
        if self.current_match_message >= 0:
            self.current_match_message += shift
        if self.cursor >= 0:
            self.cursor += shift  # the message cursor stays on the same message
        self.post_message(self.OlderLoaded(shift))
        return True

    def on_resize(self) -> None:
        if self._laid_width != self.content_width():
            # Pinned to the newest: stay there; else keep the message at the top in view.
            pinned = self._pinned or self.max_scroll_y == 0
            top = self.lines[int(self.scroll_y)].message if self.lines else -1
            self._relayout(self.laid_from)
            if pinned:
                self.call_after_refresh(self.scroll_end, animate=False, immediate=True, force=True)
            elif top >= self.laid_from:
                y = self._first_line[top - self.laid_from]
                if y and self.lines[y - 1].kind == DAY:
                    y -= 1  # with its day separator
                self.scroll_to(y=y, animate=False, immediate=True, force=True)
        else:
            self.invalidate()

    def _layout_range(self, start: int, end: int, lines: list[Line]) -> None:
        width = self.content_width()
        self._laid_width = width
        lay_out(
            self.messages, start, end, lines, self._first_line, width, self._name_of, self.notes
        )

    # ---- rendering -------------------------------------------------------------------------

    def build_line(self, y: int, width: int) -> list[Segment]:
        line = self.lines[y]
        get = self.get_component_rich_style
        if line.kind == BLANK:
            return []
        if line.kind in (DAY, CENTER):
            style = get("conversation--day" if line.kind == DAY else "conversation--system")
            label = f" {line.text} "
            rule = max(0, width - cell_len(label))
            left = rule // 2
            fill = "─" if line.kind == DAY else " "
            return [
                seg(fill * left, style),
                seg(label, style),
                seg(fill * (rule - left), style),
            ]
        message = self.messages[line.message]
        if line.kind == NOTE:
            label = f"{line.text} "
            style = get("conversation--not-sent")
            return [seg(" " * max(0, width - cell_len(label) - 1)), seg(label, style)]
        if line.kind == META:
            style = get("conversation--time")
            if line.message == self.cursor:
                style += get("conversation--cursor")
            if message.is_sender:
                mark = self.marks.get(message.key, "")
                label = f"{line.text} me{' ' + mark if mark else ''}"
                return [seg(" " * max(0, width - cell_len(label) - 1)), seg(label, style)]
            label = f"{self.peer_name} {line.text}" if self.peer_name else line.text
            return [seg(" "), seg(truncate(simplify(label), max(1, width - 1)), style)]
        return self._bubble(line, message, width)

    def _bubble(self, line: Line, message: Message, width: int) -> list[Segment]:
        get = self.get_component_rich_style
        style = get("conversation--sent" if message.is_sender else "conversation--received")
        if message.kind == BROKEN:
            style += Style(color=get("conversation--broken").color)
        elif message.kind != TEXT:
            style += Style(italic=True)
        if line.message == self.cursor:
            style += get("conversation--cursor")
        fill = " " * max(0, line.width - 2 - cell_len(line.text))
        text = self._highlighted(line, style)
        if "://" in message.text or "url" in message.meta:
            links = self._links_of(line, message)
            if links:
                text = with_links(text, links)
        body = [seg(" ", style), *text, seg(fill + " ", style)]
        if message.is_sender:
            return [seg(" " * max(0, width - line.width - 1)), *body, seg(" ")]
        return [seg(" "), *body]

    def _highlighted(self, line: Line, style: Style) -> list[Segment]:
        if not self.highlight:
            return [seg(line.text, style)]
        current = line.message == self.current_match_message
        mark = style + self.get_component_rich_style(
            "conversation--current-match" if current else "conversation--match"
        )
        return highlighted(line.text, self.highlight, style, mark)

    def _links_of(self, line: Line, message: Message) -> tuple[LinkSpan, ...]:
        """The URL pieces on a bubble line, found when the line is first drawn (only visible
        lines are; layout stays cheap) and kept per message until the next layout."""
        spans = self._link_cache.get(line.message)
        if spans is None:
            first = self.first_line_of(line.message)
            if first is None:
                return ()
            rows: list[Line] = []
            for row in self.lines[first:]:
                if row.message != line.message:
                    break
                if row.kind == BUBBLE:
                    rows.append(row)
            pieces = line_links(body_text(message, self._name_of), [r.text for r in rows])
            spans = self._link_cache[line.message] = {
                id(row): links for row, links in zip(rows, pieces, strict=True)
            }
        return spans.get(id(line), ())

    def _name_of(self, message: Message) -> NameOf:
        return names_for(message.peer, "", message.me, peer_name=self.peer_name)

    def set_peer_name(self, name: str) -> None:
        if name != self.peer_name:
            self.peer_name = name
            if any("template" in m.meta for m in self.messages[self.laid_from :]):
                self._relayout(self.laid_from)  # a pat's text names the peer: lay it out again
                return
            self._strips.clear()
            self.refresh()

    def set_highlight(self, query: str, current_message: int = -1) -> None:
        self.highlight = query.casefold()
        self.current_match_message = current_message
        self._strips.clear()
        self.refresh()

    def first_line_of(self, index: int) -> int | None:
        """The first layout line of ``messages[index]`` (laying it out if it is older)."""
        if not 0 <= index < len(self.messages):
            return None
        if index < self.laid_from:
            self.load_older(down_to=index)
        return self._first_line[index - self.laid_from]

    def scroll_to_message(self, index: int) -> None:
        top = self.first_line_of(index)
        if top is not None:
            height = self.scrollable_content_region.height
            self.scroll_to(y=max(0, top - height // 3), animate=False)

    # ---- actions ---------------------------------------------------------------------------

    def action_scroll_by(self, delta: int) -> None:
        self.scroll_to(y=self.scroll_y + delta, animate=False)

    def action_page(self, direction: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_y + direction * height, animate=False)

    def action_top(self) -> None:
        while self.fetch_more():
            pass
        self.load_older(down_to=0)
        self.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.scroll_end(animate=False)
