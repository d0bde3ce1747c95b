"""First paint in process (after imports), measured in a fresh interpreter so the benchmark's
own heap (the stores it built, earlier figures' debris) does not slow the app under test.

``python -m finder_tui.tui.bench.paint STORE_DIR EXPECTED RUNS SCRATCH_DIR`` prints one JSON
object: per-run seconds for the bare app, the inbox over an empty store, and the inbox over
STORE_DIR (first paint, and until all EXPECTED messages are indexed).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson

from ...bench.core import settle
from .figures import _first_paint_bare, _first_paint_empty, _first_paint_inbox


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
