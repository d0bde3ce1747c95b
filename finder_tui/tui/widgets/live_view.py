"""Live streams of followed accounts: live now first, then by end; whose stream, never an id.

A start with no end seen for longer than ``live_stale_after`` is shown dim as "no end seen"
with its age, not as live. The object and live ids stay on a detail line; Enter opens the
stream's notices in the detail pane (see ``live_pane``).
"""

from __future__ import annotations

import time

from rich.segment import Segment
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from ...store import live
from ...store.index import LiveStream
from ..cells import pad_to, truncate
from ..timefmt import duration, full
from .line_list import LineList, seg

# Fits the main pane of a 120-column terminal (74 cells); the ids go on a second line.
_COLUMNS = (("", 15), ("account", 20), ("started", 16), ("ended", 16))
HEADER_LINES = 2  # the column titles and a rule: they stay put while the streams scroll


class LiveView(LineList):
    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False, id="live.down"),
        Binding("up,k", "move(-1)", "Up", show=False, id="live.up"),
        Binding("enter", "details", "Details", id="live.details"),
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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.streams: list[LiveStream] = []
        self.titles: list[str] = []
        self.stale_after = live.DEFAULT_STALE_AFTER
        self.cursor = 0
        self.now = time.time()

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
        """Refresh the running durations and ages."""
        if any(s.live_now for s in self.streams):
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

    def row_cells(self, stream: LiveStream, title: str) -> list[str]:
        return [
            self.status_text(stream),
            title,
            full(stream.started_at) if stream.started_at else "(start not seen)",
            full(stream.ended_at) if stream.ended_at else "—",
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
        if y == 0:
            header = get("live-view--header")
            return [seg(" ")] + [seg(pad_to(title, w) + "  ", header) for title, w in _COLUMNS]
        if y == 1:
            return [seg("─" * width, get("live-view--header"))]
        if not self.streams:
            return [seg(" No live notices yet.", get("live-view--ended"))]
        row = (y - 2) // 2
        stream, title = self.streams[row], self.titles[row]
        style = get(self._row_style(stream))
        if row == self.cursor and self.has_focus:
            style += get("live-view--cursor")
        if (y - 2) % 2:
            ids = f"object {stream.object_id}" + (
                f" · live {stream.live_id}" if stream.live_id else ""
            )
            return [seg(" " * 19), seg(ids, get("live-view--header"))]
        cells = self.row_cells(stream, title)
        out = [seg(" ")]
        for (_, w), cell in zip(_COLUMNS, cells, strict=True):
            out.append(seg(pad_to(truncate(cell, w), w) + "  ", style))
        return out[:-1] + [seg(truncate(cells[-1], _COLUMNS[-1][1]), style)]

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

    def action_details(self) -> None:
        stream = self.selected
        if stream is not None:
            self.post_message(self.DetailsRequested(stream, self.titles[self.cursor]))
