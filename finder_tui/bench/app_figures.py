"""Textual figures, measured headless in ``App.run_test`` (the compositor renders; no terminal
output is written): first paint against a bare app, opening a long conversation, and event-loop
stalls while the inbox ingests from the server process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import orjson
from textual.app import App
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.strip import Strip

from ..client import ClientConfig
from ..tui.app import FinderApp
from ..tui.widgets.conversation import ConversationView
from ..tui.widgets.session_list import SessionList
from .core import INBOX, SESSION, Context, Figure, at_most, below, log, median, settle

SIZE = (120, 40)
POLL = 0.002  # seconds between readiness polls
TIMEOUT = 300.0


@asynccontextmanager
async def running(app: App[None]) -> AsyncIterator[Pilot[None]]:
    """``run_test`` that lets queued store events land before shutting down.

    FinderApp's handlers query widgets that shutdown has already removed when an event arrives
    late (StoreLoaded, NewBelow); that raises NoMatches after the measurement is taken, so it
    is reported as a warning rather than failing the run.
    """
    try:
        async with app.run_test(size=SIZE) as pilot:
            yield pilot
            await pilot.pause(0.3)
    except NoMatches as exc:
        log(f"warning: {type(app).__name__} raised NoMatches during shutdown: {exc}")


def offline_app(store_dir: Path) -> FinderApp:
    return FinderApp(store_dir=store_dir, client_config=None, mode="offline", poll_interval=600)


class PaintClock:
    """Records when the compositor first asks the session list for a line while it holds at
    least ``rows`` rows: the same instant ``launch.Painted`` records for the bare app. Installed on
    the class for one run (the app builds its own SessionList)."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.painted_at: float | None = None

    @contextmanager
    def installed(self) -> Iterator[PaintClock]:
        original = SessionList.render_line
        clock = self

        def render_line(widget: SessionList, y: int) -> Strip:
            if clock.painted_at is None and len(widget.rows) >= clock.rows:
                clock.painted_at = time.perf_counter()
            return original(widget, y)

        SessionList.render_line = render_line  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            SessionList.render_line = original  # type: ignore[method-assign]


def loaded(app: FinderApp, expected: int) -> bool:
    """The whole store is indexed and the UI has handled StoreLoaded (the service reports
    "offline" only after it, in the same ordered event stream)."""
    index = app.index
    return (
        index is not None
        and index.complete
        and index.message_count >= expected
        and app.sync_state.state == "offline"
    )


async def wait_until(predicate: Callable[[], bool], what: str, pause: float = POLL) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(pause)


async def inbox_paint(
    store_dir: Path, *, rows: int, until: Callable[[FinderApp], bool] | None = None
) -> tuple[float, float]:
    """The offline inbox over ``store_dir``: the instant (perf_counter) its session list was
    first painted holding ``rows`` rows, and the instant ``until`` held (the paint's without)."""
    with PaintClock(rows=rows).installed() as clock:
        app = offline_app(store_dir)
        async with running(app):
            await wait_until(lambda: clock.painted_at is not None, "the session list")
            if until is not None:
                await wait_until(lambda: until(app), "the inbox to settle", 0.01)
            assert clock.painted_at is not None
            return clock.painted_at, time.perf_counter() if until else clock.painted_at


def first_paint(ctx: Context) -> list[Figure]:
    store_dir = ctx.store(INBOX)
    expected = ctx.server(INBOX).count
    log("open: bare Textual app vs inbox (offline) first paint, in a fresh process")
    runs = 2 * ctx.sizes.repeats + 1  # a first paint is tens of ms: many runs tame the jitter
    settle()
    probe = [str(store_dir), str(expected), str(runs), str(ctx.path("paint"))]
    times = _probe("finder_tui.bench.app_paint", *probe)
    bare, empty, inbox, full = times["bare"], times["empty"], times["inbox"], times["loaded"]
    ratio = median(inbox) / median(bare)
    launch_bare, launch_inbox = _launches(store_dir, runs)
    note = f"median of {runs}"
    return [
        Figure("open.tui.first_paint_ms", median(inbox) * 1000, "ms", note=note),
        Figure("open.bare.first_paint_ms", median(bare) * 1000, "ms", note=note),
        Figure(
            "open.tui_empty.first_paint_ms",
            median(empty) * 1000,
            "ms",
            note="inbox over an empty store: the UI's own share",
        ),
        at_most("open.tui_over_bare", ratio, "x", 3, "inbox first paint / bare app first paint"),
        Figure("open.launch.bare_ms", median(launch_bare) * 1000, "ms", note=note),
        Figure("open.launch.tui_ms", median(launch_inbox) * 1000, "ms", note=note),
        at_most(
            "open.launch.tui_over_bare",
            median(launch_inbox) / median(launch_bare),
            "x",
            3,
            "from process launch (interpreter, imports, first frame), as a user starts it",
        ),
        Figure(
            "open.tui.loaded_ms",
            median(full) * 1000,
            "ms",
            note=f"until the index holds all {expected:,} messages",
        ),
    ]


def _probe(module: str, *args: str) -> dict[str, Any]:
    """Run one of our bench modules in a fresh interpreter; its last stdout line is JSON."""
    command = [sys.executable, "-m", module, *args]
    result = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        command, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} failed: {result.stderr.strip()[-500:]}")
    data: dict[str, Any] = orjson.loads(result.stdout.strip().splitlines()[-1])
    return data


def _launch(*args: str) -> float:
    """Seconds from spawning a fresh interpreter to its first painted frame."""
    started = time.time()
    painted: float = _probe("finder_tui.bench.app_launch", *args)["painted_wall"]
    return painted - started


def _launches(store_dir: Path, runs: int) -> tuple[list[float], list[float]]:
    log("open: bare Textual app vs inbox, from process launch to first paint")
    _launch("bare")  # warm the page cache and bytecode
    bare: list[float] = []
    inbox: list[float] = []
    for _ in range(runs):
        settle()
        bare.append(_launch("bare"))
        settle()
        inbox.append(_launch("inbox", str(store_dir)))
    return bare, inbox


async def _conversation(store_dir: Path, expected: int, repeats: int) -> tuple[list[float], int]:
    app = offline_app(store_dir)
    async with running(app) as pilot:
        view = app.query_one(ConversationView)
        await wait_until(lambda: loaded(app, expected) and view.session_id is not None, "the store")
        assert app.index is not None
        session_id = max(app.index.sessions(), key=lambda s: s.count).session_id
        messages = app.index.messages(session_id)
        name = view.peer_name
        times: list[float] = []
        for _ in range(repeats):
            view.show(None, [], "")
            await pilot.pause()
            settle()
            started = time.perf_counter()
            view.show(session_id, messages, name)
            for y in range(view.scrollable_content_region.height):
                view.render_line(y)
            times.append(time.perf_counter() - started)
            await pilot.pause()
        return times, len(messages)


def conversation(ctx: Context) -> list[Figure]:
    store_dir = ctx.store(SESSION)
    log("conversation: ConversationView.show + first render of the visible lines")
    times, count = asyncio.run(
        _conversation(store_dir, ctx.server(SESSION).count, ctx.sizes.repeats)
    )
    note = f"{count:,} messages, {SIZE[0]}x{SIZE[1]}; median of {len(times)}"
    return [
        below("conversation.show_ms", median(times) * 1000, "ms", 100, note),
        Figure("conversation.show_max_ms", max(times) * 1000, "ms", note="slowest run"),
    ]


async def _responsiveness(
    store_dir: Path, config: ClientConfig, expected: int
) -> tuple[list[float], float]:
    app = FinderApp(store_dir=store_dir, client_config=config, mode="demo", poll_interval=600)
    lateness: list[float] = []
    probing = True

    async def probe() -> None:
        while probing:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lateness.append(time.perf_counter() - started - 0.01)

    async with running(app):
        task = asyncio.create_task(probe())
        started = time.perf_counter()
        await wait_until(
            lambda: (
                app.index is not None
                and app.index.message_count >= expected
                and app.sync_state.state == "idle"
            ),
            "the app to ingest everything",
            0.05,
        )
        seconds = time.perf_counter() - started
        probing = False
        await task
    return lateness, seconds


def responsiveness(ctx: Context) -> list[Figure]:
    server = ctx.server(INBOX)
    log(f"responsiveness: inbox ingesting {server.count:,} items, 10 ms probe on the event loop")
    settle()
    lateness, seconds = asyncio.run(
        _responsiveness(ctx.path("store-app"), server.config(), server.count)
    )
    lateness.sort()
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    note = f"{len(lateness):,} probes over {seconds:.1f} s"
    over = sum(1 for late in lateness if late > 0.1)
    return [
        at_most("responsiveness.max_stall_ms", lateness[-1] * 1000, "ms", 100, note),
        at_most("responsiveness.p99_stall_ms", p99 * 1000, "ms", 100),
        Figure("responsiveness.stalls_over_100ms", over, "count"),
        Figure(
            "responsiveness.app_ingest",
            server.count / seconds,
            "items/s",
            note=f"the inbox's own sync, page {ctx.sizes.page_size}",
        ),
    ]


# Linux carries the parent's peak RSS into a child's ru_maxrss across fork/vfork + exec, so a
# probe started from this (large) process would report at least our size. A tiny launcher
# process starts the probe instead: its floor is then the launcher's few MB.
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def memory(ctx: Context) -> list[Figure]:
    store_dir = ctx.store(INBOX)
    expected = ctx.server(INBOX).count
    log("memory: fresh process opening the inbox offline until the index is complete")
    probe = [sys.executable, "-m", "finder_tui.bench.app_rss", str(store_dir), str(expected)]
    result = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-c", _LAUNCHER, *probe],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"memory probe failed: {result.stderr.strip()[-500:]}")
    data: dict[str, Any] = orjson.loads(result.stdout.strip().splitlines()[-1])
    return [
        at_most(
            "memory.peak_rss_mb",
            data["peak_mb"],
            "MB",
            400,
            f"{expected:,} messages, loaded in {data['seconds']:.1f} s",
        ),
        Figure("memory.imports_rss_mb", data["imports_mb"], "MB", note="after imports, no store"),
        Figure("memory.vm_hwm_mb", data["hwm_mb"], "MB", note="VmHWM cross-check"),
    ]
