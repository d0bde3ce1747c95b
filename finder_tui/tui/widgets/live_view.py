"""Live streams of followed accounts: live now first, then by end; whose stream, never an id.

A start with no end seen for longer than ``live_stale_after`` is shown dim as "no end seen"
with its age, not as live. The object and live ids stay on a detail line; Enter opens the
stream's notices in the detail pane (see ``live_pane``), Escape closes it.

The columns fit the pane's width in terminal cells: full times from 74 cells, "MM-DD HH:MM"
from 52, and below that the times move to the second line (the ids stay in the detail pane).
"""

from __future__ import annotations

import time

from rich.segment import Segment
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from ...store import live
from ...store.index_records import LiveStream
from ..cells import pad_to, truncate
from ..timefmt import day_time, duration, full
from .line_list import LineList, seg

HEADER_LINES = 2  # the column titles and a rule: they stay put while the streams scroll
WIDE, COMPACT = 74, 52  # pane widths (cells) for full times, then short times in columns
_STATUS = 15


def columns(width: int) -> tuple[tuple[tuple[str, int], ...], bool]:
    """The columns (title, cells) for a pane ``width`` cells wide, and whether the times are
    full. Below ``COMPACT`` only status and account: the times go on the second line."""
    if width >= WIDE:
        account = width - 1 - _STATUS - 16 - 16 - 6
        return (("", _STATUS), ("account", account), ("started", 16), ("ended", 16)), True
    if width >= COMPACT:
        account = width - 1 - _STATUS - 11 - 11 - 6
        return (("", _STATUS), ("account", account), ("started", 11), ("ended", 11)), False
    return (("", _STATUS), ("account", max(1, width - 1 - _STATUS - 2))), False


class LiveView(LineList):
    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False, id="live.down"),
        Binding("up,k", "move(-1)", "Up", show=False, id="live.up"),
        Binding("enter", "details", "Details", id="live.details"),
        Binding("escape", "close_details", "Close details", show=False, id="live.close_details"),
    ]

    COMPONENT_CLASSES = {
        "live-view--header",
        "live-view--now",
        "live-view--ended",
        "live-view--stale",
        "live-view--cursor",
    }

    class DetailsRequested(Message):
        """Enter on a stream: show its notices."""

        def __init__(self, stream: LiveStream, title: str) -> None:
            super().__init__()
            self.stream = stream
            self.title = title

    class DetailsClosed(Message):
        """Escape with the detail pane open."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.streams: list[LiveStream] = []
        self.titles: list[str] = []
        self.stale_after = live.DEFAULT_STALE_AFTER
        self.cursor = 0
        self.now = time.time()
        self.details_open = False  # set by the pane: Escape closes it, else goes back to the list

    @property
    def line_count(self) -> int:
        return 2 + max(1, 2 * len(self.streams))

    def update_streams(
        self,
        streams: list[LiveStream],
        titles: list[str] | None = None,
        stale_after: float | None = None,
    ) -> None:
        selected = self.selected
        self.streams = streams
        self.titles = titles if titles is not None else [live.title(s) for s in streams]
        if stale_after is not None:
            self.stale_after = stale_after
        ids = [s.object_id for s in streams]
        if selected is not None and selected.object_id in ids:
            self.cursor = ids.index(selected.object_id)  # the cursor stays on its stream
        self.cursor = min(self.cursor, max(0, len(streams) - 1))
        self.now = time.time()
        self.invalidate()

    @property
    def selected(self) -> LiveStream | None:
        return self.streams[self.cursor] if 0 <= self.cursor < len(self.streams) else None

    def state(self, stream: LiveStream) -> str:
        return live.state(stream, self.now, self.stale_after)

    def tick(self) -> None:
        """Refresh the running durations and ages (and a stream turning "no end seen")."""
        if any(s.open_ended for s in self.streams):
            self.now = time.time()
            self._strips.clear()
            self.refresh()

    def status_text(self, stream: LiveStream) -> str:
        state = self.state(stream)
        if state == live.LIVE and stream.started_at is not None:
            return f"● LIVE {duration(self.now - stream.started_at)}"
        if state == live.NO_END_SEEN and stream.started_at is not None:
            return f"no end seen {live.age_text(self.now - stream.started_at)}"
        return "ended"

    def row_cells(self, stream: LiveStream, title: str, full_times: bool = True) -> list[str]:
        when = full if full_times else day_time
        return [
            self.status_text(stream),
            title,
            when(stream.started_at) if stream.started_at else "(start not seen)",
            when(stream.ended_at) if stream.ended_at else "—",
        ]

    def render_line(self, y: int) -> Strip:
        if y < HEADER_LINES:
            width = self.content_width()
            base = self.rich_style
            return Strip(self.build_line(y, width)).apply_style(base).crop_extend(0, width, base)
        return super().render_line(y)

    def _row_style(self, stream: LiveStream) -> str:
        state = self.state(stream)
        if state == live.LIVE:
            return "live-view--now"
        return "live-view--stale" if state == live.NO_END_SEEN else "live-view--ended"

    def build_line(self, y: int, width: int) -> list[Segment]:
        get = self.get_component_rich_style
        cols, full_times = columns(width)
        if y == 0:
            header = get("live-view--header")
            return [seg(" ")] + [seg(pad_to(title, w) + "  ", header) for title, w in cols]
        if y == 1:
            return [seg("─" * width, get("live-view--header"))]
        if not self.streams:
            return [seg(" No live notices yet.", get("live-view--ended"))]
        row = (y - 2) // 2
        stream, title = self.streams[row], self.titles[row]
        style = get(self._row_style(stream))
        if row == self.cursor and self.has_focus:
            style += get("live-view--cursor")
        cells = self.row_cells(stream, title, full_times)
        if (y - 2) % 2:
            if len(cols) == 2:  # narrow: the times here; the ids are in the detail pane
                times = f"{cells[2]} → {cells[3]}"
                return [seg("   "), seg(truncate(times, width - 3), style)]
            indent = _STATUS + 4
            ids = f"object {stream.object_id}" + (
                f" · live {stream.live_id}" if stream.live_id else ""
            )
            return [seg(" " * indent), seg(truncate(ids, width - indent), get("live-view--header"))]
        out = [seg(" ")]
        for (_, w), cell in zip(cols, cells, strict=False):
            out.append(seg(pad_to(truncate(cell, w), w) + "  ", style))
        last = cells[len(cols) - 1]
        return out[:-1] + [seg(truncate(last, cols[-1][1]), style)]

    def on_focus(self) -> None:
        self.invalidate()

    def on_blur(self) -> None:
        self.invalidate()

    def action_move(self, delta: int) -> None:
        if not self.streams:
            return
        self.cursor = max(0, min(len(self.streams) - 1, self.cursor + delta))
        self._strips.clear()
        self.refresh()
        # Keep the cursor's two lines in view below the fixed header.
        top = 2 + 2 * self.cursor
        height = self.scrollable_content_region.height
        if top < self.scroll_y + HEADER_LINES:
            self.scroll_to(y=max(0, top - HEADER_LINES), animate=False)
        elif top + 2 > self.scroll_y + height:
            self.scroll_to(y=top + 2 - height, animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Escape with no detail open goes on to the inbox (back to the list).
        return self.details_open if action == "close_details" else True

    def action_close_details(self) -> None:
        self.post_message(self.DetailsClosed())

    def action_details(self) -> None:
        stream = self.selected
        if stream is not None:
            self.post_message(self.DetailsRequested(stream, self.titles[self.cursor]))
