"""Start-up against the demo server, the header and status bar, and navigation (the filter has
its own file, test_filter.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import ContentSwitcher

from finder_tui.demo import DemoServer
from finder_tui.tui.widgets.compose import ComposeBox
from finder_tui.tui.widgets.conversation import ConversationView
from finder_tui.tui.widgets.live_view import LiveView
from finder_tui.tui.widgets.session_list import LIVE_ENTRY, SessionList
from tests.tui.helpers import Chat, Harness, prepare_store, running_app, wait_for

# The demo inbox in one page: which session is newest is then known when the first page is
# shown (see test_newest_session_followed_through_a_multi_page_catch_up for several pages).
ONE_PAGE = 1000


def _focused(h: Harness) -> type | None:
    return type(h.app.focused) if h.app.focused is not None else None


async def test_start_shows_inbox_status_and_header(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", page_size=ONE_PAGE) as h:
        assert h.server is not None
        index = h.index
        expected = [s.session_id for s in index.sessions()]
        assert len(expected) > 5
        # The pinned Live row, then sessions by newest activity.
        rows = h.sessions.rows
        assert rows[0].key == LIVE_ENTRY
        assert [row.key for row in rows[1:]] == expected
        times = [(s.last_time, s.last_seq) for s in index.sessions()]
        assert times == sorted(times, reverse=True)
        # The newest session is selected and open.
        await h.wait(lambda: h.conv.session_id == expected[0], what="newest session open")
        assert h.sessions.selected_key == expected[0]
        assert h.inbox.open_key == expected[0]
        assert h.conv.messages == index.messages(expected[0])
        assert h.app.query_one(ContentSwitcher).current == "conversation"
        assert h.app.focused is h.sessions

        # Status bar: state, counts (chat messages, without live notices), decoded cursor.
        top_seq = max(int(item["content"]["seq"]) for item in h.server.items)
        await h.wait(lambda: f"1={top_seq}" in h.status(), what="cursor in the status bar")
        text = h.status()
        assert "idle since" in text
        chats = index.message_count - len(index.notices())
        assert f"{chats:,} messages" in text
        assert f"{index.session_count():,} sessions" in text
        assert f"cursor 1={top_seq}" in text
        state, counts, cursor = h.app.status_text()
        assert state.startswith("idle since ")
        assert counts in text and cursor in text

        # Header: the mode and the live badge.
        # The demo's history leaves streams without an end; only recent ones count as live.
        assert any(s.open_ended for s in index.live_streams()), "streams with no end notice"
        live_now = index.live_now_count()
        top = h.top()
        assert " demo " in top
        assert (f"● {live_now} LIVE" in top) if live_now else ("LIVE" not in top)


async def test_j_k_g_G_move_selection_and_open_at_once(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", page_size=ONE_PAGE) as h:
        keys = h.session_keys()
        await h.wait(lambda: h.conv.session_id == keys[0])
        await h.pilot.press("j")
        assert h.sessions.selected_key == keys[1]
        await h.wait(lambda: h.conv.session_id == keys[1], what="j opens the next session")
        await h.pilot.press("down")
        await h.wait(lambda: h.conv.session_id == keys[2], what="down opens the next session")
        await h.pilot.press("k")
        await h.wait(lambda: h.conv.session_id == keys[1], what="k opens the previous one")
        await h.pilot.press("G")
        assert h.sessions.selected_key == keys[-1]
        await h.wait(lambda: h.conv.session_id == keys[-1], what="G opens the last session")
        assert h.conv.messages == h.index.messages(keys[-1])
        await h.pilot.press("g")
        assert h.sessions.selected_key == LIVE_ENTRY
        switcher = h.app.query_one(ContentSwitcher)
        await h.wait(lambda: switcher.current == "live", what="g selects and opens Live")
        await h.pilot.press("j")
        await h.wait(lambda: switcher.current == "conversation" and h.conv.session_id == keys[0])


async def test_enter_tab_escape_move_focus(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", page_size=ONE_PAGE) as h:
        await h.wait(lambda: h.app.query(ComposeBox), what="the compose box (after 1st frame)")
        assert _focused(h) is SessionList
        await h.pilot.press("enter")
        assert _focused(h) is ConversationView
        await h.pilot.press("escape")
        assert _focused(h) is SessionList
        await h.pilot.press("tab")
        assert _focused(h) is ConversationView
        await h.pilot.press("tab")
        assert _focused(h) is ComposeBox  # the reply box under the conversation
        await h.pilot.press("tab")
        assert _focused(h) is SessionList
        # Enter on the Live row focuses the live view.
        await h.pilot.press("g", "enter")
        assert _focused(h) is LiveView
        await h.pilot.press("escape")
        assert _focused(h) is SessionList


async def test_newest_session_followed_through_a_multi_page_catch_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until the first catch-up ends, the newest session is selected and open, however the
    pages arrive and however the UI batches their events.

    Here page 1 is shown, then page 2 and the "idle" that ends the catch-up reach a busy UI
    together, as one burst of events.
    """
    old, new = Chat.named("oldpage"), Chat.named("newpage")
    t0 = 1_700_000_000
    items = [old.item(1, t0, "old one"), old.item(2, t0 + 60, "old two")]
    items.append(new.item(3, t0 + 120, "the newest message"))
    release = threading.Event()
    real_sync = DemoServer.sync

    def gated_sync(self: DemoServer, cursor: Any, fault: str | None) -> dict[str, Any]:
        if cursor.value(1) >= 2:  # page 2 and later wait until the test lets them through
            release.wait(10)
        return real_sync(self, cursor, fault)

    monkeypatch.setattr(DemoServer, "sync", gated_sync)
    async with running_app(tmp_path / "store", items=items, page_size=2, wait_state=None) as h:
        await h.wait(lambda: h.conv.session_id == old.session_id, what="page 1 shown")
        release.set()
        # The UI is busy (as when painting a huge conversation) until the catch-up has ended
        # on the sync thread: page 2 and "idle" reach it as one burst. Blocks the loop on
        # purpose, bounded.
        deadline = time.monotonic() + 10
        while h.app.service.state != "idle":
            assert time.monotonic() < deadline, "the catch-up did not end"
            time.sleep(0.01)
        await h.wait(lambda: h.app.sync_state.state == "idle", what="the UI to see the end")
        await h.wait(h.list_matches_index, what="the list to show page 2")
        assert h.session_keys()[0] == new.session_id
        await wait_for(
            h.pilot,
            lambda: h.sessions.selected_key == new.session_id,
            timeout=2,
            what="the newest session to be selected",
        )
        assert h.conv.session_id == new.session_id, "the newest session is not open"


async def test_first_frame_of_an_existing_store_already_lists_its_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store opens before the screen is composed: the very first lines the compositor asks
    the session list for already hold the stored sessions, not an empty list."""
    A, B = Chat.named("alpha"), Chat.named("bravo")
    store_dir = tmp_path / "store"
    prepare_store(store_dir, [A.item(1, 1_700_000_000, "hi"), B.item(2, 1_700_000_100, "yo")])
    rows_at_first_paint: list[int] = []
    original = SessionList.render_line

    def render_line(widget: SessionList, y: int) -> Any:
        if not rows_at_first_paint:
            rows_at_first_paint.append(len(widget.rows))
        return original(widget, y)

    monkeypatch.setattr(SessionList, "render_line", render_line)
    # A slow disk: the store takes 100 ms to open, well within the app's wait for it.
    from finder_tui import service

    real_open = service.Store.open

    def slow_open(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.1)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(service.Store, "open", slow_open)
    async with running_app(store_dir, online=False, wait_state="offline") as h:
        assert rows_at_first_paint == [3]  # Live, B, A
        # The newest conversation opens in the frame after.
        await h.wait(lambda: h.conv.session_id == B.session_id, what="B opened")
