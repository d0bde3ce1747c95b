"""The session filter ("/"): what it matches, where the selection goes on Escape and Enter, and
keys typed before it has shown."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import events
from textual.widgets import Input

from finder_tui.tui.widgets.session_list import LIVE_ENTRY
from tests.tui.helpers import Chat, prepare_store, running_app, visible_lines

T0 = 1_700_000_000
A, B = Chat.named("alpha"), Chat.named("bravo")
# The demo inbox in one page, so the list is complete when the app has started.
ONE_PAGE = 1000


def inbox() -> list[dict]:
    """B then A (newest, opened at start), three received messages each."""
    items = [B.item(1 + i, T0 + i * 60, f"bravo {i}") for i in range(3)]
    items += [A.item(10 + i, T0 + 900 + i * 60, f"alpha {i}") for i in range(3)]
    return items


async def test_slash_filters_rows_escape_restores_enter_opens(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", page_size=ONE_PAGE) as h:
        all_keys = h.session_keys()
        target = all_keys[3]
        needle = target[:8]  # a prefix of one session id (random hex): matches only it
        assert [key for key in all_keys if needle in key] == [target]
        box = h.app.query_one("#session-filter", Input)  # mounted after the first frame
        assert not box.display
        await h.pilot.press("slash")
        assert box.display and box.has_focus
        await h.pilot.press(*needle)
        await h.wait(lambda: box.value == needle)
        assert [row.key for row in h.sessions.rows] == [target]
        # Case-insensitive, and on the visible title too.
        await h.pilot.press(*["backspace"] * len(needle), *"STRANG")
        titles = [row.title for row in h.sessions.rows]
        assert h.app.index is not None
        peers = [h.app.index.session(row.key) for row in h.sessions.rows]
        # Titles are names once resolved: the kind ("stranger") still matches.
        assert titles and all(p is not None and p.peer.endswith("stranger") for p in peers)
        assert LIVE_ENTRY not in [row.key for row in h.sessions.rows]
        assert len(titles) < len(all_keys)
        # Nothing matches: the list says so rather than going blank.
        await h.pilot.press(*"zzqq")
        await h.wait(lambda: not h.sessions.rows, what="no rows")
        await h.pilot.pause()
        assert any("no session matches" in line for line in visible_lines(h.sessions))
        # Escape hides the box, clears the filter and gives the focus back to the list.
        await h.pilot.press("escape")
        assert not box.display
        assert box.value == ""
        assert h.app.focused is h.sessions
        assert h.session_keys() == all_keys
        assert h.sessions.rows[0].key == LIVE_ENTRY
        # Enter in the box opens the (first) match and returns to the list.
        other = all_keys[4]
        await h.pilot.press("slash", *other[:8], "enter")
        assert h.app.focused is h.sessions
        await h.wait(lambda: h.conv.session_id == other, what="Enter opens the only match")


async def test_filter_escape_returns_the_selection_to_the_open_conversation(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        await h.pilot.press("slash", *"bravo")
        await h.wait(lambda: h.sessions.selected_key == B.session_id, what="B highlighted")
        await h.pilot.press("escape")
        await h.wait(lambda: not h.sessions.filter_text, what="filter cleared")
        assert h.sessions.selected_key == h.conv.session_id == A.session_id
        assert not h.app.query_one("#session-filter", Input).display


async def test_filter_enter_opens_the_match_and_restores_the_list(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        await h.pilot.press("slash", *"bravo", "enter")
        await h.wait(lambda: h.conv.session_id == B.session_id, what="B opened")
        assert h.sessions.selected_key == B.session_id and not h.sessions.filter_text
        assert len(h.session_keys()) == 2
        await h.pilot.press("up")  # navigation goes on from the opened session (B is last)
        await h.wait(lambda: h.conv.session_id != B.session_id, what="moved on")


async def test_enter_with_no_match_opens_nothing(tmp_path: Path) -> None:
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


async def test_a_key_typed_right_after_the_first_slash_lands_in_the_filter(tmp_path: Path) -> None:
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
