"""The conversation shows every payload kind, holds its place on resize, and its side panel
width follows the terminal."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from finder_tui.demo.kinds import PEER, SAMPLES
from finder_tui.tui.widgets.bars import KeyBar, fit_bindings
from tests.tui.helpers import Chat, running_app, visible_lines

T0 = 1_764_600_000
K = Chat.named("kinds")
LONG = Chat.named("longchat")


def kinds_items() -> list[dict]:
    return [
        K.item(1 + i, T0 + i * 60, content, msg_type=t)
        for i, (_n, t, content) in enumerate(SAMPLES)
    ]


def long_items() -> list[dict]:
    return [
        LONG.item(100 + i, T0 - 86_400 + i * 600, f"message number {i} " + "word " * (i % 9))
        for i in range(120)
    ]


async def test_every_kind_reads_in_the_conversation_and_none_is_unknown_or_broken(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=kinds_items()) as h:
        await h.open_session(K.session_id)
        text = "\n".join(line.text for line in h.conv.lines)
        for needle in (
            "[voice 5 s]",
            "[contact card: 陈小姐 Chen · WeChat]",
            "[location: 腾讯大厦",
            "[friend request from Bob 王]",
            "[link] 一分钟学会手冲咖啡",
            "[file] 2026春季报价单.xlsx",
            "[chat record] 群聊的聊天记录 (3 items)",
            "[mini program]",
            "[Channels post] 咖啡研究所",
            "↪ 咖啡研究所: [link] 周末直播安排",
            "[transfer ￥88.00, received]",
            "[red packet] 恭喜发财",
            '"Alice"邀请"Bob、Carol"加入了群聊',
            "拍了拍",
        ):
            assert needle in text, needle
        assert "unreadable" not in text and "[type " not in text
        pat = next(line for line in text.splitlines() if "拍了拍" in line)
        assert "v2_0600…f229 · Channels" in pat and "@finder" not in pat  # names, not ids


async def test_a_resize_keeps_the_conversation_at_the_newest_message(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=long_items(), size=(120, 36)) as h:
        await h.open_session(LONG.session_id)
        await h.wait(lambda: h.conv.scroll_y == h.conv.max_scroll_y and h.conv.max_scroll_y > 0)
        await h.pilot.resize_terminal(70, 20)
        await h.wait(lambda: h.conv.content_width() < 60)
        await h.pilot.pause()
        await h.wait(lambda: h.conv.scroll_y == h.conv.max_scroll_y)
        assert any("119 word" in line for line in visible_lines(h.conv))


async def test_a_resize_keeps_the_message_at_the_top_when_scrolled_up(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=long_items(), size=(120, 36)) as h:
        await h.open_session(LONG.session_id)
        conv = h.conv
        await h.wait(lambda: conv.max_scroll_y > 100)
        target = conv.max_scroll_y // 2
        conv.scroll_to(y=target, animate=False, immediate=True, force=True)
        await h.wait(lambda: conv.scroll_y == target)
        top_message = conv.lines[int(conv.scroll_y)].message
        await h.pilot.resize_terminal(80, 24)
        await h.wait(lambda: conv.content_width() < 60)
        await h.pilot.pause()
        shown = {conv.lines[int(conv.scroll_y) + y].message for y in range(2)}
        assert top_message in shown


async def test_the_session_list_takes_about_a_third_between_24_and_44_columns(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=long_items(), size=(80, 24)) as h:
        pane = h.app.query_one("#list-pane")
        assert 24 <= pane.outer_size.width <= 28
        assert h.conv.content_width() >= 48
        await h.pilot.resize_terminal(200, 40)
        await h.wait(lambda: pane.outer_size.width == 44)
        await h.pilot.resize_terminal(60, 20)
        await h.wait(lambda: pane.outer_size.width == 24)


async def test_the_key_bar_drops_keys_instead_of_cutting_a_label(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=long_items(), size=(60, 24)) as h:
        bar = h.app.screen.query_one("#keys", KeyBar)
        await h.pilot.pause()
        text = str(bar.render())
        labels = [d for _k, d, _on in bar._hints]
        shown = [d for d in labels if f" {d} " in text + " "]
        assert "Help" in shown and len(shown) < len(labels)
        assert cell_len(text.rstrip()) <= 60


def test_fit_bindings_keeps_help_and_drops_from_the_end() -> None:
    hints = [
        ("q", "Quit", True),
        ("?", "Help", True),
        ("r", "Sync now", True),
        ("e", "Export", False),
    ]
    assert fit_bindings(hints, 1000) == hints
    assert fit_bindings(hints, 20) == hints[:2]
    assert fit_bindings(hints, 10) == [("?", "Help", True)]


async def test_every_kind_shows_in_the_conversation_as_show_prints_it(tmp_path: Path) -> None:
    from tests.test_content_kinds import EXPECTED

    async with running_app(tmp_path / "store", items=kinds_items()) as h:
        await h.open_session(K.session_id)
        conv = h.conv
        for i, (name, _t, _c) in enumerate(SAMPLES):
            if name in ("image", "pat"):
                continue  # the chat's image label is the short one; names checked above
            index = next(j for j, m in enumerate(conv.messages) if m.seq == 1 + i)
            shown = "".join(line.text for line in conv.lines if line.message == index)
            assert "".join(EXPECTED[name].split()) in "".join(shown.split()), name


async def test_a_pat_names_the_peer_by_the_name_the_conversation_learns_later(
    tmp_path: Path,
) -> None:
    pat = dict((n, c) for n, _t, c in SAMPLES)["pat"].replace(PEER, K.peer)
    async with running_app(tmp_path / "store", items=[K.item(1, T0, pat, msg_type=10002)]) as h:
        await h.open_session(K.session_id)
        h.conv.set_peer_name("小王")
        await h.pilot.pause()
        assert any('"小王" 拍了拍' in line.text for line in h.conv.lines)
