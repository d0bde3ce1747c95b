"""``python -m finder_tui.bench.app_rss STORE EXPECTED``: peak RSS of the inbox opening a store offline.

Run in a fresh process by the memory benchmark; prints one JSON line (MB are 10^6 bytes).
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from pathlib import Path

import orjson


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # Linux: KiB


def _hwm_mb() -> float:
    """VmHWM from /proc (per address space, so never inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return 0.0


async def _open(store_dir: Path, expected: int) -> None:
    from .app_figures import inbox_paint, loaded

    await inbox_paint(store_dir, rows=2, until=lambda app: loaded(app, expected))


def main(argv: list[str]) -> int:
    store_dir, expected = Path(argv[0]), int(argv[1])
    from . import app_figures  # noqa: F401 - imports (textual, the app) count in the baseline

    imports = _peak_mb()
    started = time.perf_counter()
    asyncio.run(_open(store_dir, expected))
    seconds = time.perf_counter() - started
    out = {"peak_mb": _peak_mb(), "hwm_mb": _hwm_mb(), "imports_mb": imports, "seconds": seconds}
    print(orjson.dumps(out).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
