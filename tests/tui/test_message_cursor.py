"""The message cursor never acts on, or jumps back to, a message scrolled out of view."""

from __future__ import annotations

from pathlib import Path

from tests.tui.helpers import Chat, Harness, running_app

T0 = 1_764_600_000
C = Chat.named("cursorview")


def many() -> list[dict]:
    return [C.item(1 + i, T0 + 60 * i, f"message number {i}") for i in range(40)]


async def _cursor_on_newest_then_scroll_to_top(h: Harness) -> None:
    """Open C, k puts the cursor on the newest message, g scrolls to the top."""
    await h.open_session(C.session_id)
    h.conv.focus()
    await h.pilot.press("k")
    await h.wait(lambda: h.conv.cursor == 39, what="k picks the newest message")
    await h.pilot.press("g")
    await h.wait(lambda: h.conv.scroll_y == 0, what="the top")


async def test_after_scrolling_to_the_top_j_starts_from_the_view_not_the_old_cursor(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=many()) as h:
        await _cursor_on_newest_then_scroll_to_top(h)
        await h.pilot.press("j")
        await h.pilot.pause()
        assert h.conv.cursor <= 2
        assert h.conv.scroll_y == 0


async def test_enter_after_scrolling_away_acts_on_a_message_in_view(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=many()) as h:
        await _cursor_on_newest_then_scroll_to_top(h)
        await h.pilot.press("enter")
        await h.pilot.pause()
        assert h.conv.cursor < 15
        assert h.conv.scroll_y <= 3  # at most the rest of the bottom message comes into view
