"""What the inbox does before its first frame: only what that frame shows (the session list's
rows on screen, not one per session; the conversation pane right after)."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.strip import Strip

from finder_tui.service import SyncService
from finder_tui.store import Store, glance
from finder_tui.store.index_records import SessionSummary
from finder_tui.tui.app import FinderApp
from finder_tui.tui.screens.inbox_panes import InboxPanes
from finder_tui.tui.widgets.conversation import ConversationView
from finder_tui.tui.widgets.session_list import LIVE_ENTRY, SessionList, SessionRows, session_row
from tests.tui.helpers import SIZE, Chat, prepare_store, wait_for

T0 = 1_700_000_000


def _summaries(n: int) -> list[SessionSummary]:
    return [
        SessionSummary(
            f"s{i:04}@findermsg",
            peer=f"fv1_{i:04}@findermsgstranger",
            unread=i % 3,
            last_time=T0 - i * 60,
            last_out=i % 2 == 0,
            preview=f"message {i}",
        )
        for i in range(n)
    ]


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SessionList(id="sessions")


async def test_a_painted_list_of_1000_sessions_built_only_the_rows_on_screen() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        session_list = app.query_one(SessionList)
        session_list.update_data(_summaries(1000), 0, 0)
        await pilot.pause()
        rows = session_list.rows
        assert len(rows) == 1001
        assert 0 < rows.built_count <= 20 // 2, (
            rows.built_count
        )  # two lines a row, 20 lines on screen
        assert session_list.selected_key == "s0000@findermsg"  # the newest, not Live


def test_rows_built_late_read_as_rows_built_at_once() -> None:
    summaries = _summaries(30)
    live = session_row(SessionSummary(LIVE_ENTRY), T0)
    rows = SessionRows([live], summaries, T0 + 3600)
    assert len(rows) == 31
    assert rows[0] is live
    assert rows[-1] == session_row(summaries[-1], T0 + 3600)
    assert [row.key for row in rows[1:]] == [s.session_id for s in summaries]
    assert rows[5] is rows[5]  # built once
    assert rows[3].title == summaries[2].display_name
    assert rows[1].preview == "me: message 0" and rows[2].preview == "message 1"
    assert (rows[2].badge, rows[2].badge_style) == ("1", "unread")
    assert rows.position("s0029@findermsg") == 30
    assert rows.position(LIVE_ENTRY) == 0
    assert rows.position("absent") == rows.position(None) == -1
    assert rows.key_at(7) == "s0006@findermsg"


@pytest.mark.parametrize("glance_readable", [True, False], ids=["from the glance", "from the head"])
async def test_the_first_frame_lists_the_sessions_and_the_conversation_pane_follows(
    tmp_path: Path, glance_readable: bool
) -> None:
    chats = [Chat.named(f"peer{i}") for i in range(5)]
    items = [chat.item(i + 1, T0 + i * 60, f"hello {i}") for i, chat in enumerate(chats)]
    prepare_store(tmp_path / "store", items)
    if not glance_readable:
        (tmp_path / "store" / glance.NAME).write_bytes(b"\x00")
    # At the list's first paint: rows, the newest row, the conversation pane there, head parsed.
    seen: list[tuple[int, str | None, bool, bool]] = []
    app = FinderApp(store_dir=tmp_path / "store", client_config=None, mode="offline")
    real = SessionList.render_line

    def render_line(widget: SessionList, y: int) -> Strip:
        if not seen:
            pane = bool(app.query(ConversationView))
            seen.append(
                (len(widget.rows), widget.rows.key_at(1), pane, app.service.store is not None)
            )
        return real(widget, y)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SessionList, "render_line", render_line)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.inbox.open_key == chats[-1].session_id)
            conversation = app.query_one(ConversationView)
            await wait_for(pilot, lambda: conversation.session_id == chats[-1].session_id)
            assert app.index is not None and app.index.session_count() == 5
    # The Live row and the five sessions, newest first, painted before the conversation pane
    # existed; from the glance, before the head was even parsed.
    assert seen == [(6, chats[-1].session_id, False, not glance_readable)]


def _styles(screen: Screen[None]) -> list[tuple[str, str, list[str]]]:
    """Every node's CSS and its component classes' CSS, as the stylesheet last applied them."""
    out = []
    for node in screen.walk_children(with_self=True):
        parts = [node.get_component_styles(name).css for name in sorted(node._component_styles)]
        out.append((repr(node), node.styles.css, parts))
    return out


async def test_skipping_the_first_resume_restyle_leaves_every_style_as_a_restyle_would(
    tmp_path: Path,
) -> None:
    prepare_store(tmp_path / "store", [Chat.named("peer").item(1, T0, "hello")])
    app = FinderApp(store_dir=tmp_path / "store", client_config=None, mode="offline")
    compared: list[bool] = []
    real = InboxPanes.ensure_panes

    def ensure_panes(screen: InboxPanes) -> None:
        if not screen.panes_mounted:  # right after the first frame: restyle all, compare
            before = _styles(screen)
            app.stylesheet.update_nodes(screen.walk_children(with_self=True))
            compared.append(_styles(screen) == before)
            assert len(before) >= 7, before  # the screen, bars, panes, list
        real(screen)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(InboxPanes, "ensure_panes", ensure_panes)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.query(ConversationView))
    assert compared == [True]


async def test_no_garbage_collection_runs_before_the_first_frame_and_it_is_back_on_after(
    tmp_path: Path,
) -> None:
    items = [Chat.named(f"peer{i}").item(i + 1, T0 + i, f"hello {i}") for i in range(300)]
    prepare_store(tmp_path / "store", items)
    app = FinderApp(store_dir=tmp_path / "store", client_config=None, mode="offline")
    collections: list[int] = []
    painted: list[int] = []  # how many collections had run at the list's first paint
    real = SessionList.render_line

    def render_line(widget: SessionList, y: int) -> Strip:
        if not painted and len(widget.rows) > 1:
            painted.append(len(collections))
        return real(widget, y)

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(collected)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(SessionList, "render_line", render_line)
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: painted)
                assert gc.isenabled()
    finally:
        gc.callbacks.remove(collected)
    assert painted == [0]
    assert gc.isenabled()


def test_importing_the_app_leaves_the_compose_box_and_export_dialog_for_later() -> None:
    # TextArea and its document model cost ~50 ms of a launch, the export dialog's widgets
    # ~40 ms: the compose box imports them when it mounts (after the first frame), the
    # export dialog when it opens.
    code = (
        "import sys, finder_tui.tui.app; "
        "print(sorted(m for m in sys.modules if m.startswith(('textual.document', "
        "'textual.widgets._text_area', 'finder_tui.tui.widgets.compose', "
        "'finder_tui.tui.screens.export', 'textual.widgets._radio_set'))))"
    )
    out = subprocess.run(  # noqa: S603 - our interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


async def test_a_session_picked_from_the_glance_opens_as_soon_as_the_head_is_read(
    tmp_path: Path,
) -> None:
    chats = [Chat.named(f"peer{i}") for i in range(3)]
    items = [chat.item(i + 1, T0 + i * 60, f"hello {i}") for i, chat in enumerate(chats)]
    prepare_store(tmp_path / "store", items)
    head, history = threading.Event(), threading.Event()
    real_open, real_watch = Store.open, SyncService._watch_segments

    def held_open(directory: Path, **kwargs: Any) -> Store:
        head.wait(10)  # the head is parsed only once the test lets it
        return real_open(directory, **kwargs)

    def held_watch(service: SyncService, store: Store) -> None:
        history.wait(10)  # and StoreLoaded (all of the history read) later still
        real_watch(service, store)

    app = FinderApp(store_dir=tmp_path / "store", client_config=None, mode="offline")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("finder_tui.service.Store.open", held_open)
        patch.setattr(SyncService, "_watch_segments", held_watch)
        async with app.run_test(size=SIZE) as pilot:
            session_list = app.query_one(SessionList)
            await wait_for(pilot, lambda: len(session_list.rows) == 4)  # Live + 3, from the glance
            assert app.service.store is None
            await pilot.press("j", "enter")  # the second newest
            assert app.inbox.open_key == chats[1].session_id
            head.set()
            conversation = app.query_one(ConversationView)
            # Long before StoreLoaded (held 10 s), which reopens the conversation anyway.
            shown = lambda: conversation.session_id == chats[1].session_id  # noqa: E731
            await wait_for(pilot, shown, timeout=5)
            assert app.inbox.open_key == chats[1].session_id  # the pick held, not the newest
            history.set()
