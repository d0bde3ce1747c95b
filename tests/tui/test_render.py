"""What the conversation paints: bubbles left/right, day rules, placeholders, wide text, and
hostile content that must stay inert text (no markup, no escapes, no clickable actions)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Input

from finder_tui.tui.widgets.conversation_lines import BUBBLE
from tests.tui.helpers import (
    CONTROL_CHARS,
    Chat,
    Harness,
    find_row,
    image_xml,
    running_app,
    screen_lines,
    screen_segment_texts,
    strip_text,
    visible_lines,
    visible_strips,
)

T0 = 1_700_000_000  # Tue 2023-11-14 22:13:20 UTC
DAY2 = T0 + 86_400
R = Chat.named("render")
W = Chat.named("wrapwide")
H = Chat.named("hostile")
N = Chat.named("notice")

FAMILY = "👨\u200d👩\u200d👧"
FLAG = "🇨🇳"
LONG = (
    "你好，这是一条很长的中文消息，用来测试自动换行是否正确" + FAMILY + FLAG + " "
    "Mixed English words and 表情符号😀🙏 together " + FAMILY + " 视频号私信" * 6 + FLAG
) * 2

HOSTILE = [
    "[ @click=app.quit]x",
    "[$x @click=app.quit]y",
    "\x1b]52;c;aGk=\x07",
    "\x1b[2J",
    "[b]bold[/b]",
    "\u202eevil.exe\u202c [link=https://example.com]site[/link]",
]
# What each must look like on screen: the same characters, minus control characters.
HOSTILE_SHOWN = [
    "[ @click=app.quit]x",
    "[$x @click=app.quit]y",
    "]52;c;aGk=",
    "[2J",
    "[b]bold[/b]",
    "evil.exe [link=https://example.com]site[/link]",
]


def inbox() -> list[dict]:
    items = [H.item(1 + i, T0 - 7200 + i * 60, text, sent=i == 1) for i, text in enumerate(HOSTILE)]
    items += [
        W.item(20, T0 - 3600, LONG),
        W.item(21, T0 - 3500, LONG, sent=True),
    ]
    items += [
        R.item(30, T0, "hello from the peer"),
        R.item(31, T0 + 60, "my reply goes right", sent=True),
        R.item(32, T0 + 120, image_xml(length=113_664, width=80, height=120), msg_type=3),
        R.item(33, T0 + 180, "unsupported thing", msg_type=9999),
        R.item(34, T0 + 240, '<msg><img length="1"', msg_type=3),
        R.item(35, DAY2, "next day hello"),
    ]
    return items


async def _open(h: Harness, chat: Chat) -> list[str]:
    await h.open_session(chat.session_id)
    await h.wait(lambda: h.conv.max_scroll_y == 0, what="conversation fits the view")
    return visible_lines(h.conv)


async def test_bubbles_day_rule_times_and_placeholders(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        lines = await _open(h, R)
        width = h.conv.content_width()
        assert all(len(line) == width for line in lines)  # ASCII-only conversation

        received = lines[find_row(lines, "hello from the peer")]
        assert len(received) - len(received.lstrip()) <= 2, received

        sent = lines[find_row(lines, "my reply goes right")]
        last_col = len(sent.rstrip()) - 1
        assert last_col >= width - 3, sent
        assert sent.index("my reply") > width // 2

        # Times in UTC: the received one left with the peer's name, the sent one right with "me".
        peer_meta = lines[find_row(lines, "22:13")]
        assert peer_meta.startswith(" fv1_") and "Stranger 22:13" in peer_meta
        mine_meta = lines[find_row(lines, "22:14 me")]
        assert mine_meta.rstrip().endswith("22:14 me")
        assert len(mine_meta.rstrip()) >= width - 2

        rule = lines[find_row(lines, "2023-11-14 Tue")]
        assert rule.startswith("──") and rule.endswith("──")
        assert lines.index(rule) < lines.index(received)
        rule2 = lines[find_row(lines, "2023-11-15 Wed")]
        assert "──" in rule2 and lines.index(rule2) < find_row(lines, "next day hello")

        image = lines[find_row(lines, "[image")]
        assert "111 KB" in image and "80×120" in image

        unknown = lines[find_row(lines, "[type 9999]")]
        assert "unsupported thing" in "".join(lines[lines.index(unknown) :])

        broken_row = find_row(lines, "unreadable")
        assert "[unreadable image payload]" in lines[broken_row]
        assert '<msg><img length="1"' in lines[broken_row + 1]


async def test_wide_text_wraps_on_cluster_boundaries_and_fills_the_width(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.open_session(W.session_id)
        conv = h.conv
        width = conv.content_width()
        bubble_lines = [line for line in conv.lines if line.kind == BUBBLE]
        assert len(bubble_lines) > 6, "a long message must wrap over several lines"
        text_width = max(8, int(width * 0.72) - 4)
        assert all(cell_len(line.text) <= text_width for line in bubble_lines)
        # Every visible row, at every scroll position, is exactly the widget's width in cells.
        seen: list[str] = []
        for y in range(0, conv.max_scroll_y + 1, 10):
            conv.scroll_to(y=y, animate=False, immediate=True, force=True)

            def scrolled(y: int = y) -> bool:
                return conv.scroll_y == min(y, conv.max_scroll_y)

            await h.wait(scrolled)
            for strip in visible_strips(conv):
                assert strip.cell_length == width
                text = "".join(segment.text for segment in strip)
                assert sum(cell_len(segment.text) for segment in strip) == width
                seen.append(text)
        wrapped = [line.text for line in bubble_lines]
        # No grapheme cluster is cut: every family and flag survives whole on one line.
        assert sum(line.count(FAMILY) for line in wrapped) == 2 * LONG.count(FAMILY)
        assert sum(line.count(FLAG) for line in wrapped) == 2 * LONG.count(FLAG)
        assert sum(line.count("👨") for line in wrapped) == 2 * LONG.count(FAMILY)
        assert not any(line.startswith(("\u200d", "👩", "👧")) for line in wrapped)
        regional = [line for line in wrapped if "🇨" in line or "🇳" in line]
        assert all(line.count("🇨") == line.count("🇳") for line in regional)
        # Nothing is lost: the wrapped lines join back to the message (spaces at breaks aside).
        joined = "".join(wrapped).replace(" ", "")
        assert joined == (LONG * 2).replace(" ", "")
        assert any(FAMILY in line for line in seen)
        # The composed screen is exactly the terminal width on every row.
        strips = h.app.screen._compositor.render_strips()
        assert all(strip.cell_length == 120 for strip in strips)


def _assert_inert(h: Harness) -> None:
    for text in screen_segment_texts(h.pilot):
        assert not CONTROL_CHARS.search(text), f"control character painted: {text!r}"
    for strip in h.app.screen._compositor.render_strips():
        for segment in strip:
            meta = segment.style.meta if segment.style else {}
            assert "@click" not in meta, f"clickable action in {segment.text!r}: {meta}"


async def test_hostile_messages_render_literally_and_clicks_do_nothing(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        lines = await _open(h, H)
        for shown in HOSTILE_SHOWN:
            find_row(lines, shown)
        bold_row = lines[find_row(lines, "[b]bold[/b]")]
        assert "[b]bold[/b]" in bold_row
        _assert_inert(h)
        screen = "\n".join(screen_lines(h.pilot))
        assert "[ @click=app.quit]x" in screen
        # Click right on the would-be links, in the conversation and on the list's preview.
        for needle in ("@click=app.quit]x", "@click=app.quit]y", "[link="):
            y = find_row(visible_lines(h.conv), needle)
            x = visible_lines(h.conv)[y].index(needle)
            await h.pilot.click("#conversation", offset=(x + 1, y))
            await h.pilot.pause()
            assert h.app.return_code is None, f"clicking {needle!r} ended the app"
        assert h.app.is_running
        assert h.conv.session_id == H.session_id
        await h.pilot.press("escape", "k")  # still responsive: back to the list, move up
        assert h.app.focused is h.sessions
        await h.wait(lambda: h.conv.session_id == W.session_id)


async def test_hostile_alias_is_shown_literally(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.open_session(H.session_id)
        await h.pilot.press("a")
        await h.wait(lambda: h.app.screen.query("#alias-input"), what="alias dialog")
        box = h.app.screen.query_one("#alias-input", Input)
        box.value = "[ @click=app.quit]pwn\x1b[2J\x07[b]x[/b]"
        await h.pilot.press("enter")
        shown = "[ @click=app.quit]pwn[2J[b]x[/b]"
        await h.wait(lambda: h.row(H.session_id).title == shown, what="alias in the list")
        await h.pilot.pause()
        lines = screen_lines(h.pilot)
        y = find_row(lines, "[ @click=app.quit]pwn")
        _assert_inert(h)
        await h.pilot.click(offset=(lines[y].index("@click") + 1, y))
        await h.pilot.pause()
        assert h.app.return_code is None
        assert h.app.is_running
        assert h.index.session(H.session_id).alias == shown


async def test_hostile_server_error_in_status_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import finder_tui.demo.handler as demo_handler

    monkeypatch.setattr(
        demo_handler,
        "BUSY_MESSAGE",
        "[ @click=app.quit]busy\x1b[2J\x1b]52;c;aGk=\x07 [b]x[/b] 服务繁忙",
    )
    async with running_app(tmp_path / "store", items=inbox()) as h:
        from finder_tui.demo import FaultSpec

        assert h.server is not None
        h.server.set_faults(FaultSpec.parse("1001=1.0"))
        await h.pilot.press("r")
        await h.wait(lambda: "retrying in" in h.status(), what="backoff in the status bar")
        status = h.status()
        assert "[ @click=app.quit]busy[2J]52;c;aGk= [b]x[/b] 服务繁忙" in status
        assert "1001" in status
        _assert_inert(h)
        lines = screen_lines(h.pilot)
        y = find_row(lines, "@click=app.quit]busy")
        await h.pilot.click(offset=(lines[y].index("@click") + 1, y))
        await h.pilot.pause()
        assert h.app.return_code is None
        assert h.app.is_running


async def test_a_long_multi_line_notice_is_wrapped_centred_and_whole(tmp_path: Path) -> None:
    tail = "请遵守平台规范。END"
    notice = "第一行\n" + "这是一条很长的安全提示，" * 12 + tail
    items = [N.item(1, T0, "hi"), N.item(2, T0 + 60, notice, msg_type=10000)]
    async with running_app(tmp_path / "store", items=items) as h:
        await h.wait(lambda: h.conv.session_id == N.session_id, what="the notice's chat open")
        await h.pilot.pause()
        strips = visible_strips(h.conv)
        texts = [strip_text(strip) for strip in strips]
        assert not any(CONTROL_CHARS.search(text) for text in texts), texts
        width = h.conv.scrollable_content_region.width
        assert all(strip.cell_length <= width for strip in strips)
        joined = "".join(text.strip() for text in texts)
        assert "第一行" in joined and joined.endswith(tail)  # nothing lost at the pane's edge
        assert h.conv.messages[-1].kind == "sysmsg"
