"""The compose box never loses typed text to a send the store thread refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

from finder_tui.outbox import FAILED
from finder_tui.outbox.book import OUTBOX_FILE
from finder_tui.tui.screens.confirm import ConfirmScreen
from finder_tui.tui.widgets.bars import KeyBar
from tests.tui.helpers import running_app, widget_text
from tests.tui.test_compose import (
    K1,
    box,
    inbox,
    open_and_focus,
    send_until_state,
    sends,
    type_text,
)


async def test_an_outbox_that_cannot_open_says_so_in_the_box_and_enter_keeps_the_text(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / OUTBOX_FILE).mkdir()  # unreadable as a file
    async with running_app(store, items=inbox()) as h:
        await open_and_focus(h, K1)
        await h.wait(lambda: "outbox could not be opened" in str(box(h).border_title))
        assert str(box(h).border_title).startswith("cannot send:")
        await type_text(h, "keep me")
        await h.pilot.press("enter")
        await h.pilot.pause(0.2)

        assert box(h).text == "keep me"
        assert sends(h) == []


async def test_a_send_whose_outbox_commit_fails_puts_the_text_back_in_the_box(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    async with running_app(store, items=inbox()) as h:
        await open_and_focus(h, K1)
        outbox_file = store / OUTBOX_FILE
        if outbox_file.exists():
            outbox_file.unlink()
        outbox_file.mkdir()  # the next commit cannot replace it
        (outbox_file / "x").write_text("")
        await type_text(h, "not lost")
        await h.pilot.press("enter")

        await h.wait(lambda: box(h).text == "not lost", what="the text back in the box")
        assert sends(h) == []
        assert any("not sent" in str(n.message) for n in h.app._notifications)
        shutil.rmtree(outbox_file)


async def test_d_with_other_text_in_the_box_asks_before_discarding_a_failed_message(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox(), faults="send_fail=1") as h:
        await send_until_state(h, "failed one", FAILED)
        await type_text(h, "other")
        await h.pilot.press("escape", "D")

        await h.wait(lambda: isinstance(h.app.screen, ConfirmScreen), what="the question")
        await h.pilot.press("n")
        await h.pilot.pause(0.2)
        assert len(h.app.service.outbox_entries(K1.session_id)) == 1
        assert box(h).text == "other"
        await h.pilot.press("D")
        await h.wait(lambda: isinstance(h.app.screen, ConfirmScreen), what="the question")
        await h.pilot.press("y")
        await h.wait(lambda: not h.app.service.outbox_entries(K1.session_id), what="discard")


async def test_quitting_during_a_send_says_it_waits_and_the_store_closes_after_the_answer(
    tmp_path: Path,
) -> None:
    faults = "send_timeout=1,send_timeout_seconds=1.5"  # answers after 1.5 s, in time
    async with running_app(tmp_path / "store", items=inbox(), faults=faults) as h:
        await open_and_focus(h, K1)
        await type_text(h, "last words")
        await h.pilot.press("enter")
        await h.wait(lambda: sends(h) == ["last words"], what="the send in flight")
        await h.wait(lambda: h.app.service.send_in_flight, what="the entry in flight")
        service = h.app.service

        await h.pilot.press("escape", "q")
        await h.pilot.pause(0.1)
        assert any("Waiting for a send" in str(n.message) for n in h.app._notifications)
        await h.wait(lambda: service._stopped.is_set(), what="the store thread to end")

    assert service.outbox is not None
    assert [e.state for e in service.outbox.entries()] == ["sent"]  # the answer was recorded


async def test_the_key_bar_shows_the_compose_box_keys_while_it_has_focus(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await open_and_focus(h, K1)
        await h.pilot.pause(0.1)
        keys = widget_text(h.app.screen.query_one(KeyBar))
        assert "Send" in keys and "New line" in keys and "Leave" in keys
        assert "Filter" not in keys

        await h.pilot.press("escape")
        await h.wait(lambda: "Filter" in widget_text(h.app.screen.query_one(KeyBar)))


async def test_r_again_before_the_store_thread_answered_is_ignored(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox(), faults="send_fail=1") as h:
        await send_until_state(h, "again", FAILED)
        await h.pilot.press("escape")

        h.inbox.action_retry_send()
        h.inbox.action_retry_send()  # same tick: the store thread cannot have answered yet
        await h.pilot.pause()  # the toast asked for above is shown

        assert any("Already retrying" in str(n.message) for n in h.app._notifications)
        await h.wait(lambda: len(sends(h)) == 2, what="the one retry")
        await h.pilot.pause(0.3)
        assert len(sends(h)) == 2
