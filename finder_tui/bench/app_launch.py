"""Launch to first paint, in a fresh process: the start a user sees (interpreter, imports, app
construction, first frame), for a bare Textual app and for the inbox.

``python -m finder_tui.bench.app_launch bare`` or ``... inbox STORE_DIR`` prints one JSON line
with the wall-clock time of the first paint; the parent subtracts the time it launched us.
The bare path imports only textual, so neither side pays for the other's imports.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static

SIZE = (120, 40)
TIMEOUT = 60.0


class Painted(Static):
    """A Static that records when the compositor first asks it for lines."""

    painted_at: float | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        if self.painted_at is None:
            self.painted_at = time.perf_counter()
        return super().render_lines(crop)


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Painted("finder-tui")


async def _until(predicate: object) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("no first paint")
        await asyncio.sleep(0.001)


async def bare_painted_at() -> float:
    """The instant (perf_counter) a bare app's one widget is first painted."""
    app = BareApp()
    async with app.run_test(size=SIZE):
        painted = app.query_one(Painted)
        await _until(lambda: painted.painted_at is not None)
        assert painted.painted_at is not None
        return painted.painted_at


async def _inbox(store_dir: Path) -> float:
    from .app_figures import inbox_paint  # the app's imports count for the inbox only

    painted, _ = await inbox_paint(store_dir, rows=2)
    return painted


def main(argv: list[str]) -> int:
    painted = asyncio.run(bare_painted_at() if argv[0] == "bare" else _inbox(Path(argv[1])))
    # perf_counter is per process: convert the paint instant to wall-clock time.
    wall = time.time() - (time.perf_counter() - painted)
    print(f'{{"painted_wall": {wall!r}}}', flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
