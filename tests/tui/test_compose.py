"""The compose box: typing and sending through the real demo server, drafts, retry/discard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.cells import cell_len
from textual import events

from finder_tui.outbox import FAILED, UNKNOWN
from finder_tui.tui.screens.confirm import ConfirmScreen
from finder_tui.tui.widgets.compose import ComposeBox
from finder_tui.tui.widgets.conversation import ConversationView
from tests.tui.helpers import Chat, Harness, running_app, visible_lines

T0 = 1_700_000_000
K1, K2 = Chat.named("kilo"), Chat.named("lima")


def inbox() -> list[dict[str, Any]]:
    return [
        K2.item(1, T0, "lima says hi"),
        K1.item(2, T0 + 60, "kilo says hi"),
        K1.item(3, T0 + 120, "kilo again", sent=True),
    ]


def box(h: Harness) -> ComposeBox:
    return h.app.query_one(ComposeBox)


def sends(h: Harness) -> list[str]:
    assert h.server is not None
    return [call.body["content"] for call in h.server.calls_to("/privateSend")]


async def type_text(h: Harness, text: str) -> None:
    await h.pilot.press(*["space" if c == " " else c for c in text])


async def open_and_focus(h: Harness, chat: Chat) -> None:
    await h.wait(lambda: h.app.query(ComposeBox), what="the compose box")
    await h.open_session(chat.session_id)
    await h.pilot.press("i")
    await h.wait(lambda: box(h).has_focus, what="the compose box to take focus")


async def send_until_state(h: Harness, text: str, state: str) -> None:
    """Open K1, type text, press enter and wait until K1's outbox holds it in this one state."""
    await open_and_focus(h, K1)
    await type_text(h, text)
    await h.pilot.press("enter")
    await h.wait(lambda: [e.state for e in h.app.service.outbox_entries(K1.session_id)] == [state])


async def test_i_then_enter_sends_once_shows_the_bubble_right_and_merges_the_synced_copy(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await open_and_focus(h, K1)
        await type_text(h, "hello there")
        await h.pilot.press("enter")

        await h.wait(lambda: sends(h) == ["hello there"], what="one /privateSend")
        assert box(h).text == ""
        conv = h.conv
        await h.wait(lambda: any("hello there" in line for line in visible_lines(conv)))
        bubble = next(line for line in visible_lines(conv) if "hello there" in line)
        width = conv.scrollable_content_region.width
        assert cell_len(bubble.rstrip()) >= width - 2  # right-aligned, like every sent one
        assert bubble.index("hello there") > width // 3

        h.app.service.sync_now()
        await h.wait(lambda: not conv.outgoing, what="the outbox bubble to merge")
        await h.wait(lambda: any("✓✓" in line for line in visible_lines(conv)))
        assert sum("hello there" in line for line in visible_lines(conv)) == 1
        assert sends(h) == ["hello there"]


async def test_ctrl_j_shift_enter_and_alt_enter_add_lines_without_sending(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await open_and_focus(h, K1)
        await h.pilot.press("a", "ctrl+j", "b", "shift+enter", "c", "alt+enter", "d")
        await h.pilot.pause()

        assert box(h).text == "a\nb\nc\nd"
        assert sends(h) == []


async def test_pasted_and_ime_committed_cjk_text_never_sends_by_itself(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await open_and_focus(h, K1)
        compose = box(h)
        h.app.post_message(events.Paste("你好\n世界\n"))  # a bracketed paste with newlines
        await h.pilot.pause(0.1)
        # An input method's committed character, and the Enter that confirmed it, together.
        h.app.post_message(events.Key("为", "为"))
        h.app.post_message(events.Key("enter", "\r"))
        await h.pilot.pause(0.2)
        assert compose.text == "你好\n世界\n为"
        assert sends(h) == []

        await h.pilot.press("enter")  # a real Enter, later, sends

        await h.wait(lambda: sends(h) == ["你好\n世界\n为"], what="the send")


async def test_a_paste_typed_as_keys_keeps_its_line_breaks_and_sends_nothing(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await open_and_focus(h, K1)
        for key, char in [("o", "o"), ("k", "k"), ("enter", "\r"), ("n", "n"), ("o", "o")]:
            h.app.post_message(events.Key(key, char))  # read in one burst, like a paste
        await h.pilot.pause(0.2)

        assert box(h).text == "ok\nno"
        assert sends(h) == []


async def test_empty_message_is_refused_and_sends_nothing(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await open_and_focus(h, K1)
        await h.pilot.press("space", "ctrl+j", "enter")
        await h.pilot.pause(0.2)

        assert sends(h) == []
        assert any("empty" in str(n.message) for n in h.app._notifications)


async def test_too_long_a_message_is_flagged_and_refused(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await open_and_focus(h, K1)
        box(h).insert("字" * 2001)
        await h.pilot.pause()
        assert "too long" in str(box(h).border_subtitle)
        await h.pilot.press("enter")
        await h.pilot.pause(0.2)
        assert sends(h) == []


async def test_escape_keeps_the_draft_across_sessions_and_a_restart(tmp_path: Path) -> None:
    store = tmp_path / "store"
    async with running_app(store, items=inbox()) as h:
        await open_and_focus(h, K1)
        await type_text(h, "half a thought")
        await h.pilot.press("escape")
        await h.wait(lambda: h.conv.has_focus, what="focus back on the conversation")
        assert box(h).text == "half a thought"
        await h.open_session(K2.session_id)
        assert box(h).text == ""
        await h.open_session(K1.session_id)
        assert box(h).text == "half a thought"
        await h.pilot.press("i", "!")  # and quit at once: the draft is saved on the way out
    async with running_app(store, online=False, wait_state="offline") as h:
        await h.wait(lambda: h.app.query(ComposeBox), what="the compose box")
        await h.open_session(K1.session_id)
        assert box(h).text == "half a thought!"


async def test_offline_the_compose_box_says_why_it_cannot_send(tmp_path: Path) -> None:
    store = tmp_path / "store"
    async with running_app(store, items=inbox()):
        pass
    async with running_app(store, online=False, wait_state="offline") as h:
        await open_and_focus(h, K1)
        assert "offline" in str(box(h).border_title)
        await type_text(h, "hi")
        await h.pilot.press("enter")
        await h.pilot.pause(0.2)
        assert box(h).text == "hi"
        assert any("offline" in str(n.message) for n in h.app._notifications)


async def test_a_failed_send_shows_not_sent_and_r_retries_then_d_discards(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox(), faults="send_fail=1") as h:
        await open_and_focus(h, K1)
        await type_text(h, "try me")
        await h.pilot.press("enter")
        await h.wait(lambda: any("not sent" in line for line in visible_lines(h.conv)))
        assert [e.state for e in h.app.service.outbox_entries(K1.session_id)] == [FAILED]

        await h.pilot.press("escape", "R")  # failed: retried with one key, no question
        await h.wait(lambda: len(sends(h)) == 2, what="the retry")
        await h.wait(lambda: any("not sent" in line for line in visible_lines(h.conv)))

        await h.pilot.press("D")
        await h.wait(lambda: not h.conv.outgoing, what="the discard")
        assert not any("try me" in line for line in visible_lines(h.conv))
        assert box(h).text == "try me"  # the discarded text is back in the empty box
        assert len(sends(h)) == 2


async def test_retrying_an_unknown_send_asks_first_saying_it_may_arrive_twice(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox(), faults="send_drop=1") as h:
        await send_until_state(h, "lost answer", UNKNOWN)
        await h.pilot.press("escape", "R")
        await h.wait(lambda: isinstance(h.app.screen, ConfirmScreen), what="the question")
        question = h.app.screen
        assert isinstance(question, ConfirmScreen) and "arrive twice" in question.question
        await h.pilot.press("n")
        await h.pilot.pause(0.2)
        assert len(sends(h)) == 1

        assert h.server is not None
        h.server.set_faults(None)
        await h.pilot.press("R")
        await h.wait(lambda: isinstance(h.app.screen, ConfirmScreen), what="the question")
        await h.pilot.press("y")
        await h.wait(lambda: len(sends(h)) == 2, what="the confirmed retry")
        assert isinstance(h.app.focused, ConversationView)


async def test_a_message_shows_at_once_while_another_send_is_still_in_flight(
    tmp_path: Path,
) -> None:
    # The server takes 1.5 s to answer each send (under the app's timeout): sends queue up.
    faults = "send_timeout=1,send_timeout_seconds=1.5"
    async with running_app(tmp_path / "store", items=inbox(), faults=faults) as h:
        await open_and_focus(h, K1)
        await type_text(h, "first")
        await h.pilot.press("enter")
        await h.wait(lambda: sends(h) == ["first"], what="the first send to be in flight")
        await type_text(h, "second")
        await h.pilot.press("enter")
        await h.pilot.pause(0.1)

        lines = visible_lines(h.conv)
        assert any("second" in line for line in lines), "the queued bubble is not shown"
        assert sends(h) == ["first"]
        await h.wait(lambda: sends(h) == ["first", "second"], what="the second send, in order")
        await h.wait(
            lambda: all(e.state == "sent" for e in h.app.service.outbox_entries(K1.session_id))
        )
        assert [m.text for m in h.conv.outgoing] == ["first", "second"]


async def test_r_and_d_act_on_the_unsent_message_under_the_cursor_not_only_the_newest(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox(), faults="send_fail=1") as h:
        await open_and_focus(h, K1)
        for text in ("older", "newer"):
            await type_text(h, text)
            await h.pilot.press("enter")
            await h.wait(lambda: box(h).text == "", what="the box to empty")
        entries = lambda: h.app.service.outbox_entries(K1.session_id)  # noqa: E731
        await h.wait(lambda: [e.state for e in entries()] == [FAILED, FAILED], what="failures")
        await h.pilot.press("escape", "k", "k")  # the cursor: the bottom message, then "older"
        assert h.conv.cursor_key() is not None
        await h.pilot.press("D")
        await h.wait(lambda: len(entries()) == 1, what="the discard")
        assert [e.text for e in entries()] == ["newer"]
        assert box(h).text == "older"  # the one under the cursor came back, not the newest
