"""A big store: 1,000 sessions, one of them 20,000 messages long (sealed into a segment).

Only behaviour is asserted (it opens, it scrolls); no timing.
"""

from __future__ import annotations

from pathlib import Path

from finder_tui.tui.widgets.session_list import LIVE_ENTRY
from tests.tui.helpers import Chat, prepare_store, running_app, visible_lines

T0 = 1_600_000_000
BIG = Chat.named("bigconversation")
BIG_COUNT = 20_000
OTHERS = 999


def big_inbox() -> list[dict]:
    items = [
        BIG.item(1 + i, T0 + i * 30, f"message number {i} " + "话" * (i % 40), sent=i % 3 == 0)
        for i in range(BIG_COUNT)
    ]
    seq, when = BIG_COUNT + 1, T0 + BIG_COUNT * 30
    for n in range(OTHERS):
        chat = Chat(f"{n:064x}@findermsg", f"fv1_{n:064x}@findermsgstranger")
        items.append(chat.item(seq + n, when + n, f"hello {n}"))
    return items


async def test_big_store_opens_and_scrolls(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    prepare_store(store_dir, big_inbox())
    assert any(p.name.startswith("seg-") for p in store_dir.iterdir()), "history was sealed"
    async with running_app(store_dir, online=False, wait_state="offline", timeout=60) as h:
        await h.wait(lambda: h.index.complete and h.index.session_count() == 1000, timeout=60)
        await h.wait(lambda: len(h.sessions.rows) == 1001, what="all sessions listed")
        assert "20,999 messages · 1,000 sessions" in h.status()
        assert h.sessions.rows[0].key == LIVE_ENTRY
        assert h.session_keys()[-1] == BIG.session_id  # its last message is the oldest

        # The list scrolls to keep the selection visible.
        await h.pilot.press("G")
        assert h.sessions.selected_key == BIG.session_id
        await h.wait(lambda: h.sessions.scroll_y > 0, what="the list follows the selection")
        await h.wait(lambda: h.conv.session_id == BIG.session_id, timeout=30)
        conv = h.conv
        assert len(conv.messages) == conv.FETCH  # the newest; older history as it scrolls up
        await h.wait(lambda: conv.max_scroll_y > 0 and conv.scroll_y == conv.max_scroll_y)
        assert any(f"message number {BIG_COUNT - 1} " in line for line in visible_lines(conv))

        await h.pilot.press("enter")
        assert h.app.focused is conv
        await h.pilot.press("g")
        await h.wait(lambda: conv.scroll_y == 0, what="g scrolls to the top")
        assert any("message number 0 " in line for line in visible_lines(conv))
        assert len(conv.messages) == BIG_COUNT
        assert len(conv.lines) > BIG_COUNT  # every message laid out: 3+ lines each

        await h.pilot.press("G")
        await h.wait(lambda: conv.scroll_y == conv.max_scroll_y > 0, what="G: the bottom")
        assert any(f"message number {BIG_COUNT - 1} " in line for line in visible_lines(conv))
        await h.pilot.press("g")
        await h.wait(lambda: conv.scroll_y == 0)

        page = conv.scrollable_content_region.height - 1
        await h.pilot.press("pagedown")
        await h.wait(lambda: conv.scroll_y == page, what="pagedown scrolls one page")
        await h.pilot.press("pagedown", "pagedown")
        await h.wait(lambda: conv.scroll_y == 3 * page)
        await h.pilot.press("pageup")
        await h.wait(lambda: conv.scroll_y == 2 * page)
        await h.pilot.press("j", "j")
        await h.wait(lambda: conv.scroll_y == 2 * page + 2)

        # Back in the list, another session opens at once.
        await h.pilot.press("escape", "g", "j")
        await h.wait(lambda: h.conv.session_id == h.session_keys()[0], timeout=30)
        assert len(h.conv.messages) == 1
