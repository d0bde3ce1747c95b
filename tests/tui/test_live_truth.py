"""The live view at any width, a detail pane that stays on its stream, a badge that recounts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import ContentSwitcher

from finder_tui.tui.timefmt import day_time, full
from finder_tui.tui.widgets.bars import TopBar
from finder_tui.tui.widgets.live_pane import LiveDetail, LivePane
from finder_tui.tui.widgets.live_view import COMPACT, WIDE, LiveView, columns
from tests.tui.helpers import Harness, live_item, running_app, visible_lines, widget_text
from tests.tui.test_live import ENDED, STILL_LIVE, T0, inbox


@pytest.mark.parametrize("width", [30, 35, COMPACT - 1, COMPACT, 60, WIDE - 1, WIDE, 75, 120])
def test_the_live_columns_always_fit_the_pane(width: int) -> None:
    cols, _ = columns(width)
    assert 1 + sum(w + 2 for _, w in cols) - 2 <= width
    assert all(w > 0 for _, w in cols)


async def _open_live(h: Harness) -> LiveView:
    await h.pilot.press("l")
    await h.wait(lambda: h.app.query_one(ContentSwitcher).current == "live")
    live = h.app.query_one(LiveView)
    live.focus()
    await h.pilot.pause()
    return live


@pytest.mark.parametrize("columns_wide", [80, 100])
async def test_at_80_or_100_columns_the_live_view_shows_each_streams_start_and_end_uncut(
    tmp_path: Path, columns_wide: int
) -> None:
    async with running_app(tmp_path / "store", items=inbox(), size=(columns_wide, 24)) as h:
        live = await _open_live(h)
        width = live.content_width()
        assert width < WIDE, "the list pane leaves the live view narrow"
        text = "\n".join(visible_lines(live))
        assert day_time(T0 + 10) in text and day_time(T0 + 30) in text, text
        assert day_time(T0 + 40) in text, text
        assert all(cell_len(line.rstrip()) <= width for line in visible_lines(live))


async def test_at_120_columns_the_times_are_full(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        live = await _open_live(h)
        text = "\n".join(visible_lines(live))
        assert full(T0 + 10) in text and full(T0 + 30) in text


async def test_at_80_columns_the_badge_names_are_cut_by_cells_never_leaving_a_dangling_dot(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox(), size=(80, 24)) as h:
        bar = h.app.query_one(TopBar)
        names = ("小林的厨房" * 4, "老王的直播间" * 4)
        bar.show("demo", 2, names)
        await h.pilot.pause()
        (line, *_) = widget_text(bar).splitlines()
        assert "● 2 LIVE · 小林的厨房" in line and line.rstrip().endswith("…"), line
        assert cell_len(line.rstrip()) <= 80
        bar.show("a-very-long-account-mode-name-that-eats-the-bar" * 2, 2, names)
        await h.pilot.pause()
        (line, *_) = widget_text(bar).splitlines()
        assert not line.rstrip().endswith("·"), line


async def test_the_detail_pane_stays_on_the_stream_enter_was_pressed_on(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        live = await _open_live(h)
        assert [s.object_id for s in live.streams] == [str(STILL_LIVE), str(ENDED)]
        detail = h.app.query_one(LiveDetail)
        await h.pilot.press("enter")
        await h.wait(lambda: detail.display, what="the detail pane")
        assert str(STILL_LIVE) in str(detail.render())
        await h.pilot.press("j")  # the cursor moves on; the detail does not follow it
        h.app.query_one(LivePane).show_streams(h.index)  # the next refresh
        await h.pilot.pause()
        assert str(STILL_LIVE) in str(detail.render()) and str(ENDED) not in str(detail.render())
        await h.pilot.press("escape")
        await h.wait(lambda: not detail.display, what="Escape closes the pane")
        assert h.app.query_one(ContentSwitcher).current == "live", "and only the pane"


async def test_the_badge_stops_counting_a_stream_crossing_the_stale_limit_on_its_own(
    tmp_path: Path,
) -> None:
    items = [live_item(1, int(time.time()) - 60, STILL_LIVE)]
    async with running_app(tmp_path / "store", items=items) as h:
        await h.wait(lambda: "● 1 LIVE" in h.top(), what="the badge")
        h.index.live_stale_after = time.time() - (int(time.time()) - 60) + 1.5
        await h.wait(lambda: "LIVE" not in h.top(), timeout=6, what="the recount on the tick")
