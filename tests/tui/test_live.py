"""The Live entry and view, the live badge, and live-start toasts (only for real-time starts)."""

from __future__ import annotations

import time
from pathlib import Path

from textual.color import Color
from textual.geometry import Region
from textual.theme import Theme
from textual.widgets import ContentSwitcher

from finder_tui.tui.timefmt import full
from finder_tui.tui.widgets.live_view import LiveView
from finder_tui.tui.widgets.session_list import LIVE_ENTRY
from tests.tui.helpers import Chat, Harness, live_item, running_app, visible_lines

T0 = int(time.time()) - 3600  # recent: a start older than 12 h with no end is not live
S1, S2 = Chat.named("sierra"), Chat.named("tango")
ENDED = 14_215_000_000_000_000_111
STILL_LIVE = 14_215_000_000_000_000_222
FRESH = 14_215_000_000_000_000_333


def inbox() -> list[dict]:
    return [
        S1.item(1, T0, "s1 hello"),
        live_item(2, T0 + 10, ENDED),
        S2.item(3, T0 + 20, "s2 hello"),
        live_item(4, T0 + 30, ENDED, start=False),
        live_item(5, T0 + 40, STILL_LIVE),
        S1.item(6, T0 + 50, "s1 again", sent=True),
    ]


def _toasts(h: Harness) -> list[str]:
    return [str(n.message) for n in h.app._notifications]


def _unread(h: Harness) -> dict[str, int]:
    return {s.session_id: s.unread for s in h.index.sessions()}


async def test_live_row_opens_live_view_with_live_and_ended_streams(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        assert h.sessions.rows[0].key == LIVE_ENTRY
        assert h.sessions.rows[0].preview == "1 live now"
        await h.pilot.press("g")
        switcher = h.app.query_one(ContentSwitcher)
        await h.wait(lambda: switcher.current == "live", what="the live view")
        live = h.app.query_one(LiveView)
        assert h.inbox.open_key == LIVE_ENTRY
        assert [s.object_id for s in live.streams] == [str(STILL_LIVE), str(ENDED)]
        lines = visible_lines(live)
        assert "account" in lines[0]
        # The object id is on the detail line under its stream, never the main text.
        now_row = lines[next(i for i, line in enumerate(lines) if str(STILL_LIVE) in line) - 1]
        ended_row = lines[next(i for i, line in enumerate(lines) if str(ENDED) in line) - 1]
        assert now_row.lstrip().startswith("● LIVE") and "a followed account" in now_row
        assert ended_row.lstrip().startswith("ended")
        assert full(T0 + 10) in ended_row  # started/ended times
        # The `l` key opens it from anywhere too.
        await h.pilot.press("j")
        await h.wait(lambda: switcher.current == "conversation")
        await h.pilot.press("l")
        await h.wait(lambda: switcher.current == "live")
        assert h.sessions.selected_key == LIVE_ENTRY


async def test_live_badge_counts_unseen_notices_and_clears_when_opened(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        unseen = h.index.unseen_live_notices()
        assert unseen == 3
        live_row = h.sessions.rows[0]
        assert live_row.badge == "3" and live_row.badge_style == "live"
        await h.pilot.press("g")
        await h.wait(lambda: h.index.unseen_live_notices() == 0, what="notices marked seen")
        await h.wait(lambda: h.sessions.rows[0].badge == "", what="the Live badge cleared")
        # A new notice while the live view is open is shown at once and seen at once.
        await h.push([live_item(7, T0 + 60, FRESH)])
        live = h.app.query_one(LiveView)
        await h.wait(lambda: str(FRESH) in [s.object_id for s in live.streams])
        await h.wait(lambda: h.index.unseen_live_notices() == 0)
        await h.wait(lambda: h.sessions.rows[0].badge == "")
        # Elsewhere, a new notice raises the badge again.
        await h.pilot.press("j")
        await h.wait(lambda: h.inbox.open_key != LIVE_ENTRY)
        await h.push([live_item(8, T0 + 70, FRESH, start=False)])
        await h.wait(lambda: h.sessions.rows[0].badge == "1", what="badge for the new notice")


async def test_live_start_while_running_toasts_but_history_does_not(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        assert h.index.live_now_count() == 1
        assert h.app.live_toasts == 0, "a stream started in backfilled history must not toast"
        assert not any("went live" in message for message in _toasts(h))
        assert "● 1 LIVE" in h.top()
        unread_before = _unread(h)
        await h.push([live_item(7, T0 + 60, FRESH)])
        await h.wait(lambda: h.app.live_toasts == 1, what="a toast for the new live stream")
        toasts = [message for message in _toasts(h) if "went live" in message]
        assert toasts == ["a followed account went live"], "a name, never the bare id"
        await h.wait(lambda: "● 2 LIVE" in h.top(), what="header badge 2")
        # An end is no toast; neither is a repeated start of a known stream.
        await h.push([live_item(8, T0 + 70, STILL_LIVE, start=False)])
        await h.wait(lambda: "● 1 LIVE" in h.top())
        assert h.app.live_toasts == 1
        # Live notices never touch any session's unread count, nor create a session.
        assert _unread(h) == unread_before
        assert "" not in _unread(h)
        assert h.index.session_count() == 2
        assert h.index.session("") is None


async def test_live_view_shows_every_column_at_120_columns(tmp_path: Path) -> None:
    """At the standard 120x36 every column of the live view is visible, and the live id on the
    line under its stream (the view cannot scroll sideways, so nothing may be cropped)."""
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.pilot.press("l")
        live = h.app.query_one(LiveView)
        await h.wait(lambda: h.app.query_one(ContentSwitcher).current == "live")
        assert not live.allow_horizontal_scroll
        live_id = next(s.live_id for s in live.streams if s.object_id == str(ENDED))
        assert live_id
        lines = visible_lines(live)
        assert "ended" in lines[0], lines[0]
        row = next(i for i, line in enumerate(lines) if str(ENDED) in line) - 1
        assert "ended" in lines[row] and live_id in lines[row + 1], lines[row : row + 2]
        stream = next(s for s in live.streams if s.object_id == str(ENDED))
        assert stream.ended_at is not None
        assert lines[row].rstrip().endswith(full(stream.ended_at)), lines[row]  # not cut


async def test_live_view_header_stays_while_the_streams_scroll(tmp_path: Path) -> None:
    many = [live_item(10 + i, T0 + 100 + i, 14_215_000_000_000_001_000 + i) for i in range(40)]
    async with running_app(tmp_path / "store", items=inbox() + many) as h:
        await h.pilot.press("l")
        live = h.app.query_one(LiveView)
        await h.wait(lambda: h.app.query_one(ContentSwitcher).current == "live")
        await h.wait(lambda: len(live.streams) == 42, what="all streams")
        live.focus()
        await h.pilot.press(*["j"] * 30)
        await h.wait(lambda: live.scroll_y >= 10, what="scrolled")
        await h.pilot.pause()
        lines = visible_lines(live)
        assert "account" in lines[0] and "ended" in lines[0], lines[0]
        assert set(lines[1].strip()) == {"─"}
        assert not any(line.split()[:1] == ["account"] for line in lines[2:])
        # With the scrollbar taking a column, the last column still fits.
        assert live.show_vertical_scrollbar
        live.scroll_end(animate=False, immediate=True)
        await h.pilot.pause()
        lines = visible_lines(live)
        row = next(i for i, line in enumerate(lines) if str(ENDED) in line) - 1
        stream = next(s for s in live.streams if s.object_id == str(ENDED))
        assert stream.ended_at is not None
        assert lines[row].rstrip().endswith(full(stream.ended_at)), lines[row]


def test_a_stream_without_an_end_notice_for_months_is_no_end_seen_with_its_age() -> None:
    from finder_tui.store.index_records import LiveStream

    view = LiveView()
    view.now = T0 + 140 * 86400 + 6 * 3600
    assert view.status_text(LiveStream("1", started_at=T0)) == "no end seen 140d"
    view.now = T0 + 5 * 3600 + 7 * 60
    assert view.status_text(LiveStream("1", started_at=T0)) == "● LIVE 5h07m"
    assert view.status_text(LiveStream("1", started_at=T0, ended_at=T0 + 60)) == "ended"


async def test_the_header_live_badge_takes_its_colours_from_the_theme(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: "● 1 LIVE" in h.top(), what="the header badge")

        def badge_background() -> str:
            bar = h.app.query_one("#top-bar")
            [strip] = bar.render_lines(Region(0, 0, bar.size.width, 1))
            segment = next(s for s in strip if "LIVE" in s.text)
            assert segment.style is not None and segment.style.bgcolor is not None
            return Color.from_rich_color(segment.style.bgcolor).hex.upper()

        assert badge_background() == Color.parse(h.app.theme_variables["error"]).hex.upper()
        h.app.register_theme(Theme(name="badge-test", primary="#004578", error="#1E90FF"))
        h.app.theme = "badge-test"
        await h.wait(lambda: badge_background() == "#1E90FF", what="the badge in the new $error")
