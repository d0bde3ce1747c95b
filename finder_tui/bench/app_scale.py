"""``python -m finder_tui.bench.app_scale STORE SESSION``: conversation figures on a big store.

In a fresh interpreter: the offline inbox opens STORE; then, with the sealed-history cache
dropped each time (cold), the time to show a conversation's newest screen (read its newest
messages, lay out, render the visible lines) for SESSION and for the busiest session, and the
time to read and lay out one older batch as a scroll-up does. Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import orjson

from ..tui.widgets.conversation import ConversationView
from .app_figures import offline_app, running, wait_until
from .core import median, settle


async def _measure(store_dir: Path, session_id: str) -> dict[str, float]:
    app = offline_app(store_dir)
    async with running(app) as pilot:
        view = app.query_one(ConversationView)
        await wait_until(lambda: app.index is not None and app.index.complete, "the store")
        index = app.index
        assert index is not None and index.sealed is not None
        busiest = max(index.sessions(), key=lambda s: s.count)

        async def newest(sid: str) -> float:
            times = []
            for _ in range(5):
                view.show(None, [], "")
                if index.sealed is not None:
                    index.sealed.drop_cache()
                await pilot.pause()
                settle()
                started = time.perf_counter()
                view.fetch_older = lambda before, n: index.messages_before(sid, before, n)
                view.show(sid, index.messages_before(sid, None, view.FETCH), "peer")
                for y in range(view.scrollable_content_region.height):
                    view.render_line(y)
                times.append(time.perf_counter() - started)
            return median(times) * 1000

        out = {"busiest": busiest.count, "busiest_newest_ms": await newest(busiest.session_id)}
        out["newest_ms"] = await newest(session_id)
        await pilot.pause()
        view.load_older(down_to=0)  # lay out what is loaded: the next scroll-up reads the disk
        await pilot.pause()
        before = len(view.messages)
        started = time.perf_counter()
        view.fetch_more()
        view.load_older(down_to=0)
        out["older_ms"] = (time.perf_counter() - started) * 1000
        out["chunk"] = len(view.messages) - before
        return out


def main(argv: list[str]) -> int:
    result = asyncio.run(_measure(Path(argv[0]), argv[1]))
    print(orjson.dumps(result).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
