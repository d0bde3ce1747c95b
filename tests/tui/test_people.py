"""The inbox is about people: names, the conversation header, read state, banners, details.
Driven through the real app (Pilot) against the real demo server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from finder_tui.demo import seed_items
from finder_tui.demo.people import nickname_for
from finder_tui.store import Store
from finder_tui.tui.screens.details import DetailsScreen
from finder_tui.tui.widgets.people_bars import AttentionBanner
from finder_tui.tui.widgets.session_list import LIVE_ENTRY
from tests.tui.helpers import Chat, running_app, screen_lines, widget_text

NOW = 1_764_000_000


def _three_unread() -> list[dict[str, object]]:
    items = []
    for n, name in enumerate(("ann", "bob", "cat", "dan")):
        chat = Chat.named(name)
        items.append(chat.item(100 + n, NOW + n, f"hello from {name}"))
    return items


async def test_the_list_header_and_window_title_show_nicknames_from_the_demo_server(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=seed_items()) as h:
        await h.wait(lambda: all(s.nickname for s in h.index.sessions()), what="every peer named")
        await h.wait(
            lambda: all(
                row.title == nickname_for(h.index.session(row.key).peer)
                for row in h.sessions.rows
                if row.key != LIVE_ENTRY
            ),
            what="names in the list",
        )
        key = h.session_keys()[0]
        await h.open_session(key)
        summary = h.index.session(key)
        name = nickname_for(summary.peer)
        header = widget_text(h.app.query_one("#conversation-header"))
        await h.wait(lambda: name in widget_text(h.app.query_one("#conversation-header")))
        header = widget_text(h.app.query_one("#conversation-header"))
        assert "as WeChat" in header or "as Channels" in header
        assert f"{summary.count} messages" in header or "1 message" in header
        assert h.inbox.window_title == f"{name} — finder-tui"


async def test_moving_fast_previews_without_reading_and_a_pause_reads(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=_three_unread()) as h:
        h.sessions.focus()
        await h.pilot.pause()
        unread_before = sum(s.unread for s in h.index.sessions())
        await h.pilot.press("j", "j", "j")
        await h.pilot.pause()
        # What the first paint opened by itself, plus three previews: nothing read yet.
        assert sum(s.unread for s in h.index.sessions()) == unread_before
        shown = h.conv.session_id
        assert shown is not None
        await h.wait(
            lambda: h.index.session(shown).unread == 0, timeout=5, what="read after a pause"
        )
        assert sum(s.unread for s in h.index.sessions()) == unread_before - 1


async def test_enter_reads_at_once_and_u_makes_it_unread_again(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=_three_unread()) as h:
        h.inbox.read_delay.cancel()
        h.sessions.focus()
        await h.pilot.press("j")
        key = h.sessions.selected_key
        assert key is not None and h.index.session(key).unread == 1
        await h.pilot.press("enter")
        await h.wait(lambda: h.index.session(key).unread == 0, timeout=1.0, what="Enter reads")
        await h.pilot.press("u")
        await h.wait(lambda: h.index.session(key).unread == 1, what="u marks unread")
        await h.wait(lambda: h.row(key).badge == "1", what="the badge back")


async def test_n_and_brackets_walk_the_unread_sessions(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=_three_unread()) as h:
        h.sessions.focus()
        await h.pilot.pause()
        unread = [row.key for row in h.sessions.rows if row.badge and row.key != LIVE_ENTRY]
        assert len(unread) >= 3
        start = h.sessions.selected_key
        await h.pilot.press("n")
        first = h.sessions.selected_key
        assert first in unread and first != start
        await h.pilot.press("right_square_bracket")
        second = h.sessions.selected_key
        assert second in unread and second != first
        await h.pilot.press("N")
        assert h.sessions.selected_key == first
        await h.pilot.press("left_square_bracket")
        assert h.sessions.selected_key != first


async def test_is_unread_filter_keeps_only_sessions_with_unread_messages(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=_three_unread()) as h:
        await h.pilot.press("enter")  # reads the open one
        await h.wait(lambda: sum(1 for s in h.index.sessions() if s.unread) == 3)
        await h.pilot.press("escape", "slash", *"is:unread")
        await h.wait(lambda: len(h.sessions.rows) == 3, what="three unread rows")
        assert all(row.badge for row in h.sessions.rows)


async def test_a_refused_token_shows_the_banner_and_r_retries(tmp_path: Path) -> None:
    async with running_app(
        tmp_path / "store", items=_three_unread(), token="wrong-token", wait_state="stopped"
    ) as h:
        banner = h.app.query_one(AttentionBanner)
        await h.wait(lambda: banner.display and banner.kind == "auth", what="auth banner")
        text = widget_text(banner)
        assert "refused the token" in text and "r to retry" in text
        error = h.app.current_theme.to_color_system().error
        background = banner.styles.background
        assert background is not None and error is not None
        assert all(abs(a - b) <= 2 for a, b in zip(background.rgb, error.rgb, strict=True))
        requests = h.server.requests  # type: ignore[union-attr]
        await h.pilot.press("r")
        await h.wait(lambda: h.server.requests > requests, what="r sends again")  # type: ignore[union-attr]


async def test_a_store_in_use_shows_the_banner_over_an_empty_inbox_and_r_reopens(
    tmp_path: Path,
) -> None:
    store_dir = tmp_path / "store"
    holder = Store.open(store_dir)
    try:
        async with running_app(store_dir, items=_three_unread(), wait_state=None) as h:
            banner = h.app.query_one(AttentionBanner)
            await h.wait(lambda: banner.display and banner.kind == "store_in_use")
            assert "in use by another finder-tui" in widget_text(banner)
            assert any("in use" in line for line in screen_lines(h.pilot)[:4])
            holder.close()
            await h.pilot.press("r")
            await h.wait(lambda: not banner.display, what="the banner to go")
            await h.wait(lambda: h.app.sync_state.state == "idle", what="sync after reopening")
    finally:
        holder.close()


async def test_shift_i_shows_the_full_status_text(tmp_path: Path) -> None:
    async with running_app(
        tmp_path / "store", items=_three_unread(), token="wrong-token", wait_state="stopped"
    ) as h:
        assert "(I: details)" in h.status()
        await h.pilot.press("I")
        await h.wait(lambda: isinstance(h.app.screen, DetailsScreen))
        assert isinstance(h.app.screen, DetailsScreen)
        assert "HTTP authentication refused" in h.app.screen.text or "1001" in h.app.screen.text
