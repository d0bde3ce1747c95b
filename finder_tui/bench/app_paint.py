"""First paint in process (after imports), measured in a fresh interpreter so the benchmark's
own heap (the stores it built, earlier figures' debris) does not slow the app under test.

``python -m finder_tui.bench.app_paint STORE_DIR EXPECTED RUNS SCRATCH_DIR`` prints one JSON
object: per-run seconds for the bare app, the inbox over an empty store, and the inbox over
STORE_DIR (first paint, and until all EXPECTED messages are indexed).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import orjson

from ..tui.app import FinderApp
from .app_figures import inbox_paint, loaded
from .app_launch import bare_painted_at
from .core import settle


async def _first_paint_bare() -> float:
    started = time.perf_counter()
    return await bare_painted_at() - started


async def _first_paint_inbox(store_dir: Path, expected: int) -> tuple[float, float]:
    """Seconds to the list painted with a session (the Live entry and one more row), and to
    the whole index loaded."""
    started = time.perf_counter()
    painted, done = await inbox_paint(store_dir, rows=2, until=lambda app: loaded(app, expected))
    return painted - started, done - started


async def _first_paint_empty(store_dir: Path) -> float:
    """The inbox over an empty store: the UI's own cost (only the pinned Live row to paint)."""
    started = time.perf_counter()

    def opened(app: FinderApp) -> bool:
        return app.sync_state.state == "offline"

    painted, _ = await inbox_paint(store_dir, rows=1, until=opened)
    return painted - started


def main(argv: list[str]) -> int:
    store_dir, expected, runs, scratch = Path(argv[0]), int(argv[1]), int(argv[2]), Path(argv[3])
    asyncio.run(_first_paint_bare())  # warm-up: Textual's lazy imports and first-use caches
    out: dict[str, list[float]] = {"bare": [], "empty": [], "inbox": [], "loaded": []}
    for run in range(runs):
        settle()
        out["bare"].append(asyncio.run(_first_paint_bare()))
        settle()
        out["empty"].append(asyncio.run(_first_paint_empty(scratch / f"store-empty-{run}")))
        settle()
        first, complete = asyncio.run(_first_paint_inbox(store_dir, expected))
        out["inbox"].append(first)
        out["loaded"].append(complete)
    print(orjson.dumps(out).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
