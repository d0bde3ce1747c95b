"""The inbox over sealed history: older messages stream in on scroll; a bad segment is a banner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from finder_tui.store import Store
from finder_tui.tui.widgets.people_bars import AttentionBanner
from tests.tui.helpers import Chat, prepare_store, running_app, visible_lines, widget_text

T0 = 1_600_000_000
LONG = Chat.named("longtalk")
COUNT = 5_000


def long_inbox() -> list[dict[str, Any]]:
    items = [LONG.item(1 + i, T0 + i * 30, f"line {i}", sent=i % 2 == 0) for i in range(COUNT)]
    other = Chat.named("other")
    items += [other.item(COUNT + 1 + i, T0 + COUNT * 30 + i, f"other {i}") for i in range(3)]
    return items


async def test_scrolling_up_reads_older_history_from_the_store(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    prepare_store(store_dir, long_inbox())
    async with running_app(store_dir, online=False, wait_state="offline", timeout=60) as h:
        await h.wait(lambda: h.index.complete)
        await h.open_session(LONG.session_id)
        conv = h.conv
        await h.wait(lambda: conv.session_id == LONG.session_id and conv.messages)
        assert len(conv.messages) == conv.FETCH
        assert conv.messages[-1].text == f"line {COUNT - 1}"
        for _ in range(400):
            if len(conv.messages) == COUNT:
                break
            conv.scroll_to(y=0, animate=False, immediate=True, force=True)
            await h.pilot.pause()
        assert [m.text for m in conv.messages] == [f"line {i}" for i in range(COUNT)]


async def test_a_truncated_segment_opens_the_rest_with_a_banner_naming_it(
    tmp_path: Path,
) -> None:
    store_dir = tmp_path / "store"
    items = long_inbox()
    prepare_store(store_dir, items[:-3])  # sealed
    prepare_store(store_dir, items[-3:])  # in the head
    with Store.open(store_dir) as store:
        name = store.segments[0]
    path = store_dir / name
    held = len(orjson.loads(path.read_bytes())["messages"])
    path.write_bytes(path.read_bytes()[:1000])
    async with running_app(store_dir, online=False, wait_state="offline", timeout=60) as h:
        await h.wait(lambda: h.index.complete)
        shown = h.app.screen.query_one(AttentionBanner)
        await h.wait(lambda: shown.display and name in shown.text)
        banner = widget_text(shown)
        assert f"{name} ({held:,} messages)" in banner and "check --repair" in banner
        await h.open_session(Chat.named("other").session_id)
        await h.wait(lambda: any("other 2" in line for line in visible_lines(h.conv)))
