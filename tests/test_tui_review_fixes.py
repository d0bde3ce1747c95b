"""UI regressions found in review: the filter and the selection, the help screen and keymaps."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import events
from textual.widgets import Input
from tui_helpers import (  # noqa: F401
    CONTROL_CHARS,
    Chat,
    prepare_store,
    running_app,
    strip_text,
    tui_env,
    visible_strips,
    widget_text,
)

from finder_tui.tui.screens.help import HelpScreen
from finder_tui.tui.widgets.session_list import SessionList

T0 = 1_700_000_000
A, B = Chat.named("alpha"), Chat.named("bravo")


def inbox() -> list[dict]:
    items = [B.item(1 + i, T0 + i * 60, f"bravo {i}") for i in range(3)]
    items += [A.item(10 + i, T0 + 900 + i * 60, f"alpha {i}") for i in range(3)]
    return items


async def test_filter_escape_returns_the_selection_to_the_open_conversation(tmp_path: Path):
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        await h.pilot.press("slash", *"bravo")
        await h.wait(lambda: h.sessions.selected_key == B.session_id, what="B highlighted")
        await h.pilot.press("escape")
        await h.wait(lambda: not h.sessions.filter_text, what="filter cleared")
        assert h.sessions.selected_key == h.conv.session_id == A.session_id
        assert not h.app.query_one("#session-filter", Input).display


async def test_filter_enter_opens_the_match_and_restores_the_list(tmp_path: Path):
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        await h.pilot.press("slash", *"bravo", "enter")
        await h.wait(lambda: h.conv.session_id == B.session_id, what="B opened")
        assert h.sessions.selected_key == B.session_id and not h.sessions.filter_text
        assert len(h.session_keys()) == 2
        await h.pilot.press("up")  # navigation goes on from the opened session (B is last)
        await h.wait(lambda: h.conv.session_id != B.session_id, what="moved on")


async def test_help_shows_the_keys_of_the_users_keymap(tmp_path: Path):
    async with running_app(tmp_path / "store", items=inbox()) as h:
        h.app.user_keymap = {"app.quit": "ctrl+q"}
        h.app.set_keymap(h.app.user_keymap)
        await h.pilot.press("question_mark")
        await h.wait(lambda: isinstance(h.app.screen, HelpScreen), what="help")
        text = widget_text(h.app.screen.query_one("#help-text"))
        quit_line = next(line for line in text.splitlines() if "Quit" in line)
        assert "^q" in quit_line and " q " not in quit_line.replace("^q", "")


async def test_a_key_typed_right_after_the_first_slash_lands_in_the_filter(tmp_path: Path):
    """The filter box exists before the first "/": a fast typist's (or a paste's) next key goes
    into it, not to the list while the box would still be mounting."""
    store_dir = tmp_path / "store"
    prepare_store(store_dir, [A.item(1, T0, "hi"), B.item(2, T0 + 60, "yo")])
    async with running_app(store_dir, online=False, wait_state="offline") as h:
        await h.wait(lambda: h.conv.session_id == B.session_id, what="B open")
        h.app.post_message(events.Key("slash", "/"))
        await asyncio.sleep(0.002)
        h.app.post_message(events.Key("j", "j"))
        box = h.app.query_one("#session-filter", Input)
        await h.wait(lambda: box.value == "j", what="j typed into the filter")
        assert h.conv.session_id == B.session_id  # the list did not move


async def test_a_long_multi_line_notice_is_wrapped_centred_and_whole(tmp_path: Path):
    tail = "请遵守平台规范。END"
    notice = "第一行\n" + "这是一条很长的安全提示，" * 12 + tail
    items = [A.item(1, T0, "hi"), A.item(2, T0 + 60, notice, msg_type=10000)]
    async with running_app(tmp_path / "store", items=items) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        await h.pilot.pause()
        strips = visible_strips(h.conv)
        texts = [strip_text(strip) for strip in strips]
        assert not any(CONTROL_CHARS.search(text) for text in texts), texts
        width = h.conv.scrollable_content_region.width
        assert all(strip.cell_length <= width for strip in strips)
        joined = "".join(text.strip() for text in texts)
        assert "第一行" in joined and joined.endswith(tail)  # nothing lost at the pane's edge
        assert h.conv.messages[-1].kind == "sysmsg"


async def test_choosing_the_auto_opened_conversation_reads_it_and_stops_following(
    tmp_path: Path,
):
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        assert h.index.session(A.session_id).unread == 3 and not h.inbox.open_seen
        # Filter + Enter on the conversation that is already open: that is choosing it.
        await h.pilot.press("slash", *"alpha", "enter")
        await h.wait(lambda: h.index.session(A.session_id).unread == 0, what="A read")
        assert h.inbox.open_seen and not h.inbox.follow_newest and not h.inbox._follow_once


async def test_clicking_the_open_row_reads_it(tmp_path: Path):
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        row = next(i for i, r in enumerate(h.sessions.rows) if r.key == A.session_id)
        await h.pilot.click(SessionList, offset=(5, row * 2))
        await h.wait(lambda: h.index.session(A.session_id).unread == 0, what="A read")
        assert h.conv.session_id == A.session_id


async def test_enter_with_no_match_opens_nothing(tmp_path: Path):
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        unread_b = h.index.session(B.session_id).unread
        await h.pilot.press("slash", *"bravo")
        await h.wait(lambda: h.sessions.selected_key == B.session_id, what="B highlighted")
        await h.pilot.press(*"zzz", "enter")
        await h.pilot.pause(0.2)
        assert h.conv.session_id == A.session_id
        assert h.index.session(B.session_id).unread == unread_b
        assert h.app.query_one("#session-filter", Input).display  # still there to edit
