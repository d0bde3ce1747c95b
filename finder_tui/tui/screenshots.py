"""Regenerate ``screenshots/*.svg`` from the real app on fixed data at a fixed size.

    python -m finder_tui.tui.screenshots [OUT_DIR]

Runs the inbox against the embedded demo server (fixed seed, no live traffic) in a temporary
store, drives it with Textual's Pilot, and saves SVGs: the inbox with a conversation open, the
live view, the help screen, a reply in progress, and the error state of a server answering 1001.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from ..client import ClientConfig, Secret
from ..demo import DemoServer, FaultSpec, default_demo_items
from ..demo.data import shift_to_recent
from ..demo.live_names import with_feed_shares
from .app import FinderApp

SIZE = (132, 38)
TOKEN, WID = "screenshot-token", "demo-wid"


async def _wait(pilot: Pilot[None], done: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not reach the expected state")
        await pilot.pause(0.05)


async def _reply_in_progress(app: FinderApp, pilot: Pilot[None]) -> None:
    """One reply sent (its bubble on the right) and the next one half typed."""
    from .widgets.compose import ComposeBox

    await pilot.press("i")
    box = app.query_one(ComposeBox)
    box.insert("好的，今天下午发货")
    await pilot.press("enter")
    await pilot.pause(0.5)
    box.insert("单号稍后发你，")
    box.insert("\n另外赠品")


async def _shoot(out: Path) -> list[Path]:
    written: list[Path] = []
    # Fixed data, moved to end a few minutes before now: the list then shows "5m" and a live
    # stream a plausible running time, as a user of the demo sees it.
    items = with_feed_shares(
        shift_to_recent(default_demo_items(sessions=24, messages=1500, seed=7), time.time())
    )
    server = DemoServer(token=TOKEN, wid=WID, items=items).start()
    try:
        with tempfile.TemporaryDirectory() as store:
            app = FinderApp(
                store_dir=Path(store),
                client_config=ClientConfig(server.url, WID, Secret(TOKEN)),
                mode="demo · embedded server",
                poll_interval=3600,
            )
            async with app.run_test(size=SIZE) as pilot:

                async def save(
                    name: str, step: Callable[[], Awaitable[None]] | None = None
                ) -> None:
                    if step is not None:
                        await step()
                    await pilot.pause(0.3)
                    path = out / f"{name}.svg"
                    path.write_text(app.export_screenshot(title="finder-tui"), encoding="utf-8")
                    written.append(path)

                await _wait(pilot, lambda: app.sync_state.state == "idle")
                # Names arrive in the background (~3 a second): shoot once every peer has one.
                index = app.index
                await _wait(
                    pilot,
                    lambda: index is not None and all(s.nickname for s in index.sessions()),
                    timeout=40,
                )
                await pilot.press("j", "j", "enter")
                await save("inbox")
                await save("reply", lambda: _reply_in_progress(app, pilot))
                await pilot.press("escape", "escape")
                await save("live", lambda: pilot.press("l"))
                await save("help", lambda: pilot.press("question_mark"))
                await pilot.press("escape", "k")
                server.set_faults(FaultSpec.parse("1001=1.0"))
                app.service.sync_now()
                await _wait(pilot, lambda: app.sync_state.state == "backoff")
                await save("error-1001")
    finally:
        server.stop()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TZ", "UTC")
    time.tzset()
    for path in asyncio.run(_shoot(out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
