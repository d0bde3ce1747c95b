"""Live streams of followed accounts by object_id: live now first, with duration so far."""

from __future__ import annotations

import time

from rich.segment import Segment
from textual.binding import Binding
from textual.strip import Strip

from ...store.index import LiveStream
from ..cells import pad_to, truncate
from ..timefmt import duration, full
from .line_list import LineList, seg

# Fits the main pane of a 120-column terminal (74 cells); the live id goes on a second line.
_COLUMNS = (("", 15), ("stream (object id)", 20), ("started", 16), ("ended", 16))
HEADER_LINES = 2  # the column titles and a rule: they stay put while the streams scroll


class LiveView(LineList):
    BINDINGS = [
        Binding("down,j", "scroll_by(1)", "Down", show=False, id="live.down"),
        Binding("up,k", "scroll_by(-1)", "Up", show=False, id="live.up"),
    ]

    COMPONENT_CLASSES = {"live-view--header", "live-view--now", "live-view--ended"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.streams: list[LiveStream] = []
        self.now = time.time()

    @property
    def line_count(self) -> int:
        return 2 + max(1, 2 * len(self.streams))

    def update_streams(self, streams: list[LiveStream]) -> None:
        self.streams = streams
        self.now = time.time()
        self.invalidate()

    def tick(self) -> None:
        """Refresh the running durations."""
        if any(s.live_now for s in self.streams):
            self.now = time.time()
            self._strips.clear()
            self.refresh()

    def status_text(self, stream: LiveStream) -> str:
        if stream.live_now and stream.started_at is not None:
            age = self.now - stream.started_at
            if age >= 10 * 86400:  # no end notice for that long: days are precision enough
                return f"LIVE now {int(age // 86400)}d"
            return f"LIVE now {duration(age)}"
        return "ended"

    def row_cells(self, stream: LiveStream) -> list[str]:
        return [
            self.status_text(stream),
            stream.object_id,
            full(stream.started_at) if stream.started_at else "(before history)",
            full(stream.ended_at) if stream.ended_at else "—",
        ]

    def render_line(self, y: int) -> Strip:
        if y < HEADER_LINES:
            width = self.content_width()
            base = self.rich_style
            return Strip(self.build_line(y, width)).apply_style(base).crop_extend(0, width, base)
        return super().render_line(y)

    def build_line(self, y: int, width: int) -> list[Segment]:
        get = self.get_component_rich_style
        if y == 0:
            header = get("live-view--header")
            return [seg(" ")] + [seg(pad_to(title, w) + "  ", header) for title, w in _COLUMNS]
        if y == 1:
            return [seg("─" * width, get("live-view--header"))]
        if not self.streams:
            return [seg(" No live notices yet.", get("live-view--ended"))]
        stream = self.streams[(y - 2) // 2]
        style = get("live-view--now" if stream.live_now else "live-view--ended")
        if (y - 2) % 2:
            detail = f"live id {stream.live_id}" if stream.live_id else ""
            return [seg(" " * 19), seg(detail, get("live-view--header"))]
        cells = self.row_cells(stream)
        out = [seg(" ")]
        for (_, w), cell in zip(_COLUMNS, cells, strict=True):
            out.append(seg(pad_to(truncate(cell, w), w) + "  ", style))
        return out[:-1] + [seg(truncate(cells[-1], _COLUMNS[-1][1]), style)]

    def action_scroll_by(self, delta: int) -> None:
        self.scroll_to(y=self.scroll_y + delta, animate=False)
