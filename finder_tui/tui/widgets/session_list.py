"""The session list: a pinned "Live" entry, then sessions by newest activity (Line API)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message

from ...peers import peer_kind
from ...store.index_records import SessionSummary
from ..cells import pad_to, truncate
from ..emoji import simplify
from ..timefmt import relative
from .line_list import LineList, seg

LIVE_ENTRY = "\x00live"  # not a possible session id (ids are scrubbed of control characters)
ROW_HEIGHT = 2


@dataclass(slots=True)
class Row:
    key: str  # session id, or LIVE_ENTRY
    title: str
    preview: str
    when: str
    badge: str
    badge_style: str  # "unread" | "live" | ""


def session_row(s: SessionSummary, now: float) -> Row:
    prefix = "me: " if s.last_out else ""
    return Row(
        s.session_id,
        s.display_name,
        prefix + s.preview,
        relative(s.last_time, now),
        str(s.unread) if s.unread else "",
        "unread" if s.unread else "",
    )


class SessionRows(Sequence[Row]):
    """The list's rows, each built the first time it is asked for: a paint builds only the
    rows on screen, not one per session (a list of 1,000 sessions took ~4 ms to build, all
    before the first frame). ``now`` is fixed at the snapshot, so a row built later reads the
    same as one built at once."""

    __slots__ = ("_built", "_head", "_now", "_positions", "_sessions")

    def __init__(self, head: list[Row], sessions: list[SessionSummary], now: float) -> None:
        self._head = head  # rows before the sessions (the pinned Live entry)
        self._sessions = sessions
        self._now = now
        self._built: list[Row | None] = [None] * len(sessions)
        self._positions: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._head) + len(self._sessions)

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        i = index - len(self._head)
        if i < 0:
            return self._head[index]
        row = self._built[i]
        if row is None:
            row = self._built[i] = session_row(self._sessions[i], self._now)
        return row

    @property
    def built_count(self) -> int:
        """How many session rows were built so far."""
        return sum(row is not None for row in self._built)

    def key_at(self, index: int) -> str:
        """The key of row ``index``, without building the row."""
        i = index - len(self._head)
        return self._head[index].key if i < 0 else self._sessions[i].session_id

    def position(self, key: str | None) -> int:
        """The index of ``key``'s row, or -1."""
        if key is None:
            return -1
        if self._positions is None:
            head = len(self._head)
            self._positions = {row.key: i for i, row in enumerate(self._head)}
            self._positions.update((s.session_id, head + i) for i, s in enumerate(self._sessions))
        return self._positions.get(key, -1)


UNREAD_TOKEN = "is:unread"


def parse_filter(text: str) -> tuple[bool, str]:
    """``is:unread`` anywhere keeps sessions with unread messages; the rest is a needle
    matched (case-insensitively) against names, aliases, ids and previews."""
    words = text.split()
    unread = any(w.casefold() == UNREAD_TOKEN for w in words)
    rest = " ".join(w for w in words if w.casefold() != UNREAD_TOKEN)
    return unread, rest.casefold().strip()


def _matches(s: SessionSummary, unread_only: bool, needle: str) -> bool:
    if unread_only and not s.unread:
        return False
    if not needle:
        return True
    kind = peer_kind(s.peer)  # "stranger" finds strangers even once they have names
    fields = (s.display_name, kind, s.alias, s.nickname, s.peer, s.preview, s.session_id)
    return any(needle in field.casefold() for field in fields)


class SessionList(LineList):
    BINDINGS = [
        Binding("down,j", "move(1)", "Next", show=False, id="sessions.next"),
        Binding("up,k", "move(-1)", "Previous", show=False, id="sessions.previous"),
        Binding("g,home", "jump(0)", "First", show=False, id="sessions.first"),
        Binding("G,end", "jump(-1)", "Last", show=False, id="sessions.last"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="sessions.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="sessions.page_up"),
        Binding("enter", "enter", "Open", id="sessions.open"),
    ]

    COMPONENT_CLASSES = {
        "session-list--selected",
        "session-list--title",
        "session-list--preview",
        "session-list--time",
        "session-list--unread",
        "session-list--live",
    }

    class Selected(Message):
        """The selection moved to ``key`` (a session id or ``LIVE_ENTRY``)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class Entered(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = SessionRows([], [], 0.0)
        self.selected_key: str | None = None
        self.filter_text = ""
        self._sessions: list[SessionSummary] = []
        self._live_now = 0
        self._live_unseen = 0
        self._style_sets: dict[bool, dict[str, Style]] = {}

    # ---- data ------------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        if not self.rows and self.filter_text.strip():
            return 1  # the "no match" line
        return len(self.rows) * ROW_HEIGHT

    @property
    def selected_index(self) -> int:
        return self.rows.position(self.selected_key)

    def update_data(self, sessions: list[SessionSummary], live_now: int, live_unseen: int) -> None:
        """New snapshot from the index; the selection stays on the same session."""
        self._sessions = sessions
        self._live_now, self._live_unseen = live_now, live_unseen
        self._rebuild()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._rebuild()

    def _rebuild(self) -> None:
        now = time.time()
        unread_only, needle = parse_filter(self.filter_text)
        filtering = unread_only or bool(needle)
        sessions = self._sessions
        if filtering:
            sessions = [s for s in sessions if _matches(s, unread_only, needle)]
        head = [self._live_row()] if not filtering else []
        rows = self.rows = SessionRows(head, sessions, now)
        if self.selected_index < 0 and rows:
            self.selected_key = (
                rows.key_at(0) if filtering else (self.first_session_key() or rows.key_at(0))
            )
        self.invalidate()

    def first_session_key(self) -> str | None:
        for i in range(len(self.rows)):
            key = self.rows.key_at(i)
            if key != LIVE_ENTRY:
                return key
        return None

    def _live_row(self) -> Row:
        if self._live_now:
            preview = f"{self._live_now} live now"
        else:
            preview = "followed accounts' live streams"
        badge = str(self._live_unseen) if self._live_unseen else ""
        return Row(LIVE_ENTRY, "● Live", preview, "", badge, "live" if badge else "")

    # ---- rendering -------------------------------------------------------------------------

    def build_line(self, y: int, width: int) -> list[Segment]:
        if not self.rows:
            text = " no session matches the filter"
            return [seg(pad_to(truncate(text, width), width), self._styles(False)["preview"])]
        row = self.rows[y // ROW_HEIGHT]
        selected = row.key == self.selected_key
        styles = self._styles(selected)
        if y % ROW_HEIGHT == 0:
            when = row.when
            room = max(1, width - cell_len(when) - 3)
            title_style = styles["title"]
            if row.key == LIVE_ENTRY:
                title_style = styles["live_title"]
            return [
                seg(" ", styles["time"]),
                seg(pad_to(truncate(simplify(row.title), room), room), title_style),
                seg(" " + when + " ", styles["time"]),
            ]
        badge = f" {row.badge} " if row.badge else ""
        room = max(1, width - cell_len(badge) - 2)
        badge_style = styles["live_badge"] if row.badge_style == "live" else styles["unread"]
        return [
            seg(" ", styles["preview"]),
            seg(pad_to(truncate(simplify(row.preview), room), room), styles["preview"]),
            seg(badge, badge_style),
            seg(" ", styles["preview"]),
        ]

    def _styles(self, selected: bool) -> dict[str, Style]:
        """The line styles, looked up once per repaint rather than for every line."""
        cached = self._style_sets.get(selected)
        if cached is None:
            cached = self._style_sets[selected] = self._lookup_styles(selected)
        return cached

    def _lookup_styles(self, selected: bool) -> dict[str, Style]:
        get = self.get_component_rich_style
        # Component styles carry their own background; the selection background goes on top.
        over = Style(bgcolor=get("session-list--selected").bgcolor) if selected else Style()
        return {
            "title": get("session-list--title") + over,
            "live_title": get("session-list--live") + over,
            "time": get("session-list--time") + over,
            "preview": get("session-list--preview") + over,
            "unread": get("session-list--unread"),
            "live_badge": get("session-list--live") + Style(reverse=True),
        }

    def invalidate(self) -> None:
        self._style_sets.clear()  # focus and theme changes restyle the selection
        super().invalidate()

    def notify_style_update(self) -> None:
        self._style_sets.clear()
        super().notify_style_update()

    def on_focus(self) -> None:
        self.invalidate()

    def on_blur(self) -> None:
        self.invalidate()

    # ---- navigation ------------------------------------------------------------------------

    def select_key(self, key: str, *, announce: bool = True) -> None:
        if key == self.selected_key:
            return
        self.selected_key = key
        self._strips.clear()
        self.refresh()
        self._scroll_to_selected()
        if announce:
            self.post_message(self.Selected(key))

    def _select_index(self, index: int) -> None:
        if not self.rows:
            return
        index = max(0, min(len(self.rows) - 1, index))
        self.select_key(self.rows.key_at(index))

    def _scroll_to_selected(self) -> None:
        index = self.selected_index
        if index < 0:
            return
        top = index * ROW_HEIGHT
        height = self.scrollable_content_region.height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False)
        elif top + ROW_HEIGHT > self.scroll_y + height:
            self.scroll_to(y=top + ROW_HEIGHT - height, animate=False)

    def action_move(self, delta: int) -> None:
        self._select_index(self.selected_index + delta)

    def action_jump(self, index: int) -> None:
        self._select_index(index if index >= 0 else len(self.rows) - 1)

    def action_page(self, direction: int) -> None:
        per_page = max(1, self.scrollable_content_region.height // ROW_HEIGHT)
        self._select_index(self.selected_index + direction * per_page)

    def action_enter(self) -> None:
        if self.selected_key is not None:
            self.post_message(self.Entered(self.selected_key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (offset.y + int(self.scroll_y)) // ROW_HEIGHT
        if 0 <= index < len(self.rows):
            key = self.rows.key_at(index)
            if key == self.selected_key:
                self.post_message(self.Selected(key))  # a click on it still means "this one"
            else:
                self.select_key(key)
