"""The live view with a detail pane: Enter on a stream shows its notices, ids and times."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ...store import live
from ...store.index import Index
from ...store.index_records import LiveStream
from ..timefmt import duration, full
from .live_view import LiveView


def detail_lines(stream: LiveStream, title: str, now: float, stale_after: float) -> list[str]:
    """What we know of one stream, one fact a line (plain text: rendered as Content)."""
    state = live.state(stream, now, stale_after)
    lines = [f"{title}", ""]
    if stream.account and stream.account != title:
        lines.append(f"account    {stream.account}")
    if state == live.LIVE and stream.started_at is not None:
        lines.append(f"status     live now, for {duration(now - stream.started_at)}")
    elif state == live.NO_END_SEEN and stream.started_at is not None:
        age = live.age_text(now - stream.started_at)
        limit = live.age_text(stale_after)
        lines.append(f"status     no end seen ({age} since the start; not live after {limit})")
    else:
        lines.append("status     ended")
    lines.append(f"start      {full(stream.started_at) if stream.started_at else '(not seen)'}")
    lines.append(f"end        {full(stream.ended_at) if stream.ended_at else '(not seen)'}")
    if stream.started_at and stream.ended_at and stream.ended_at >= stream.started_at:
        lines.append(f"duration   {duration(stream.ended_at - stream.started_at)}")
    lines.append(f"object id  {stream.object_id}")
    lines.append(f"live id    {stream.live_id or '(in the end notice)'}")
    lines.append(f"notices    {stream.notices} (last seq {stream.last_seq})")
    return lines


class LiveDetail(Static):
    """The selected stream's facts; hidden until Enter."""

    def show_stream(self, stream: LiveStream, title: str, now: float, stale_after: float) -> None:
        self.update(Content("\n".join(detail_lines(stream, title, now, stale_after))))
        self.display = True


class LivePane(Vertical):
    """The live list and, under it, the detail of the stream Enter was pressed on.

    The detail stays on that stream (by object id) while the cursor moves and the list
    refreshes; Enter on another stream switches it, Escape closes it.
    """

    detail_id: str | None = None  # object id of the stream the detail shows

    def compose(self) -> ComposeResult:
        yield LiveView(id="live-list")
        yield LiveDetail(id="live-detail")

    def on_mount(self) -> None:
        self.query_one(LiveDetail).display = False

    def focus(self, scroll_visible: bool = True) -> LivePane:
        self.query_one(LiveView).focus(scroll_visible)
        return self

    def on_live_view_details_requested(self, event: LiveView.DetailsRequested) -> None:
        event.stop()
        view = self.query_one(LiveView)
        self.detail_id = event.stream.object_id
        view.details_open = True
        self.query_one(LiveDetail).show_stream(
            event.stream, event.title, view.now, view.stale_after
        )

    def on_live_view_details_closed(self, event: LiveView.DetailsClosed) -> None:
        event.stop()
        self.close_detail()

    def close_detail(self) -> None:
        self.detail_id = None
        self.query_one(LiveView).details_open = False
        self.query_one(LiveDetail).display = False

    def show_streams(self, index: Index) -> None:
        """The index's streams (live now first, then by end), named, with its stale limit."""
        streams = index.live_streams()
        self.query_one(LiveView).update_streams(
            streams, index.live_titles(streams), index.live_stale_after
        )
        self.refresh_detail()

    def refresh_detail(self) -> None:
        """Keep an open detail pane in step with its stream (one that just ended), wherever
        the cursor is."""
        detail = self.query_one(LiveDetail)
        view = self.query_one(LiveView)
        if not detail.display or self.detail_id is None:
            return
        ids = [s.object_id for s in view.streams]
        if self.detail_id not in ids:
            self.close_detail()  # gone from the store (never expected): nothing to show
            return
        row = ids.index(self.detail_id)
        detail.show_stream(view.streams[row], view.titles[row], view.now, view.stale_after)


def live_names(index: Index, live_now: int) -> tuple[str, ...]:
    """Who is live, for the header badge: the known names of up to two live streams."""
    if not 0 < live_now <= 2:
        return ()  # (without naming every stream first)
    return live.badge_names(index.live_titles(index.live_streams()[:live_now]))
