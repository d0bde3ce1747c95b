"""``python -m finder_tui.bench --scale 1m``: the figures of a big account next to their targets.

Everything runs as a user runs it: the demo server (``finder-tui demo-server``, generating
pages on demand) and ``finder-tui sync --once`` / ``stats`` / ``sessions`` / ``show`` are
separate processes; peak RSS is each process's own (``wait4`` rusage, /proc VmHWM); the inbox
figures come from fresh interpreters (``app_paint``, ``app_rss``) and one in-process app run
(``app_scale``). MB are 10^6 bytes.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..store import Store
from .core import Figure, at_most, below, log, median, settle

WID = "scale-wid"


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    messages: int
    sessions: int
    runs: int  # repeats of the quick figures


SCALES = {
    "1m": Scale("1m", 1_000_000, 1_000, 3),
    "100k": Scale("100k", 100_000, 1_000, 3),
    "10k": Scale("10k", 10_000, 100, 3),
    "tiny": Scale("tiny", 6_000, 20, 1),
}
# A first paint is ~10-25 ms and this VM's speed drifts: the ratio of two medians of 7 moved
# by 0.5x between identical runs; 15 pairs (~1 s each at 1M) hold it steadier.
PAINTS_PER_RUN = 5
REFERENCE = Scale("10k", 10_000, 1_000, 3)  # the commit-cost reference: same sessions as 1m


class DemoProcess:
    """``finder-tui demo-server`` in its own process; ``listen_seconds`` from spawn."""

    def __init__(self, scale: Scale, page_size: int) -> None:
        self.token = secrets.token_urlsafe(16)
        argv = [
            sys.executable, "-m", "finder_tui", "demo-server", "--messages", str(scale.messages),
            "--sessions", str(scale.sessions), "--page-size", str(page_size),
            "--token", self.token, "--wid", WID,
        ]  # fmt: skip
        started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)  # noqa: S603
        self.url = ""
        self.items = 0
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if "items)" in line and " on " in line:
                self.url = line.split(" on ", 1)[1].split()[0]
                self.items = int(line.rsplit("(", 1)[1].split()[0].replace(",", ""))
                break
        self.listen_seconds = time.perf_counter() - started
        if not self.url:
            raise RuntimeError("the demo server did not start")

    def env(self, store: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            FINDER_TUI_BASE_URL=self.url,
            FINDER_TUI_WID=WID,
            FINDER_TUI_TOKEN=self.token,
            FINDER_TUI_STORE=str(store),
            FINDER_TUI_CONFIG=str(store.parent / "no-config.toml"),
        )
        return env

    def peak_mb(self) -> float:
        return _hwm_mb(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def run_cli(env: dict[str, str], *args: str) -> tuple[float, str]:
    """(seconds, stdout) of one ``finder-tui`` command, from spawn to exit."""
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "finder_tui", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"finder-tui {' '.join(args)} failed: {err.decode()[-500:]}")
    return seconds, out.decode()


def sync_from_empty(server: DemoProcess, store: Path) -> tuple[float, float, float, float]:
    """``finder-tui sync --once`` into an empty store: (seconds of its sync cycle as its JSON
    report gives them, seconds from spawn to exit, its own peak RSS MB, its CPU seconds: on a
    shared machine, items per CPU second is the figure other load skews least). Spawn to exit
    also holds the naming of new peers after the sync (up to ``NAMES_BUDGET``, mostly waiting
    on the rate limit), which is not sync throughput."""
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "finder_tui", "sync", "--once", "--json"],
        env=server.env(store),
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"sync failed with status {proc.returncode}")
    report, _ = json.JSONDecoder().raw_decode(out.decode().lstrip())  # names may print after
    cycle = float(report["seconds"])
    return cycle, seconds, usage.ru_maxrss * 1024 / 1e6, usage.ru_utime + usage.ru_stime


def commit_seconds(store: Path, batches: int = 3, batch: int = 5_000) -> float:
    """Median seconds of one ``commit`` of ``batch`` new messages (a seal and a head rewrite),
    the unit a sync repeats every 5,000 items."""
    from ..demo.generator import GeneratedHistory
    from ..wire.models import Message, parse_item

    history = GeneratedHistory(sessions=50, messages=batches * batch, seed=4242, start_seq=10**12)
    items = history.page_after(0, batches * batch)
    times: list[float] = []
    with Store.open(store) as opened:
        for n in range(batches):
            chunk = [parse_item(i) for i in items[n * batch : (n + 1) * batch]]
            opened.ingest([m for m in chunk if isinstance(m, Message)])
            settle()
            started = time.perf_counter()
            opened.commit()
            times.append(time.perf_counter() - started)
    return median(times)


def _session_near(store: Path, count: int) -> tuple[str, int]:
    with Store.open(store, lazy_history=True) as opened:
        best = min(opened.index.sessions(), key=lambda s: abs(s.count - count))
        return best.session_id, best.count


def _search(store: Path, runs: int) -> tuple[dict[str, float], list[Figure]]:
    """Median seconds of each benchmark query, and what the in-memory structures cost."""
    from ..search import search
    from .headless import QUERIES

    out: dict[str, float] = {}
    with Store.open(store, lazy_history=True) as opened:
        opened.load_segments()
        for label, query in QUERIES:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                search(opened.index, query)
                times.append(time.perf_counter() - started)
            out[label] = median(times)
        opened.load_keys()  # what a sync holds besides
        costs = _structure_costs(opened)
    return out, costs


def _structure_costs(store: Store) -> list[Figure]:
    """Bytes per sealed message of each structure kept in memory for sealed history."""
    import sys as _sys

    sealed = store.index.sealed
    assert sealed is not None
    count = max(1, sealed.count)
    keys = store.index._keys.nbytes()
    text = sealed.text_bytes()
    rows = sum(len(s.rows) for s in sealed.segments)
    row = sealed.segments[0].rows[0] if rows else []
    catalog = rows * (_sys.getsizeof(row) + 8 * 8 + 16) if rows else 0  # list, ints, ref
    return [
        Figure("memory.keys_b_per_msg", keys / count, "B", note="dedupe keys (sorted uint64s)"),
        Figure("memory.text_b_per_msg", text / count, "B", note="search text (UTF-8) + offsets"),
        Figure(
            "memory.catalog_b_per_msg",
            catalog / count,
            "B",
            note=f"{rows:,} (segment, session) rows",
        ),  # fmt: skip
    ]


def run(scale: Scale, page_size: int, root: Path) -> list[Figure]:
    figures: list[Figure] = []
    n = f"{scale.messages:,} items / {scale.sessions:,} sessions"
    log(f"scale {scale.name}: starting the demo server ({n})")
    server = DemoProcess(scale, page_size)
    store = root / f"store-{scale.name}"
    try:
        figures.append(
            below("server.listen_s", server.listen_seconds, "s", 1, "spawn to listening")
        )
        log("sync --once from empty")
        cycle, seconds, peak, cpu = sync_from_empty(server, store)
        figures.append(at_most("sync.peak_rss_mb", peak, "MB", 500, n))
        rate = server.items / cycle
        # The issue sets the rate at 1M: a small sync is mostly start-up (parser process, pool).
        at_1m = scale.name == "1m"
        figures.append(Figure("sync.items_per_s", rate, "items/s", ">= 15000" if at_1m else "",
                              rate >= 15_000 if at_1m else None,
                              f"{server.items:,} items in a sync cycle of {cycle:.1f} s, server in its own process"))  # fmt: skip
        figures.append(Figure("sync.spawn_to_exit_s", seconds, "s", "", None,
                              "sync --once from spawn to exit, naming new peers after the sync included"))  # fmt: skip
        figures.append(Figure("sync.items_per_cpu_s", server.items / cpu, "items/s", "", None,
                              f"the sync process's own CPU time: {cpu:.1f} s"))  # fmt: skip
        figures.append(at_most("server.peak_rss_mb", server.peak_mb(), "MB", 200, "flat"))
    finally:
        server.stop()
    env = server.env(store)
    for command in ("stats", "sessions"):
        times = [run_cli(env, command)[0] for _ in range(scale.runs)]
        figures.append(below(f"cli.{command}_s", median(times), "s", 1, "spawn to exit"))
    sid, count = _session_near(store, 5_000)
    times = [run_cli(env, "show", sid)[0] for _ in range(scale.runs)]
    figures.append(below("cli.show_s", median(times), "s", 1, f"a {count:,}-message conversation"))

    log("inbox: first paint vs a bare app, settled RSS, conversations (fresh interpreters)")
    from .app_figures import _probe

    expected = server.items  # every item is stored
    paints = PAINTS_PER_RUN * scale.runs
    paint = _probe("finder_tui.bench.app_paint", str(store), "0", str(paints),
                   str(root / "paint"))  # fmt: skip
    ratio = median(paint["inbox"]) / median(paint["bare"])
    figures.append(at_most("inbox.first_paint_over_bare", ratio, "x", 3,
                           f"{median(paint['inbox']) * 1000:.0f} ms vs {median(paint['bare']) * 1000:.0f} ms, "
                           f"medians of {paints}"))  # fmt: skip
    rss = _probe("finder_tui.bench.app_rss", str(store), str(expected))
    figures.append(
        at_most("inbox.settled_rss_mb", rss["hwm_mb"], "MB", 400, "peak, open to settled")
    )
    convo = _probe("finder_tui.bench.app_scale", str(store), sid)
    figures.append(below("inbox.conversation_newest_ms", convo["newest_ms"], "ms", 100,
                         f"{count:,}-message conversation, cold; busiest ({convo['busiest']:,}): "
                         f"{convo['busiest_newest_ms']:.0f} ms"))  # fmt: skip
    figures.append(Figure("inbox.older_chunk_ms", convo["older_ms"], "ms", "",
                          None, f"{convo['chunk']:,} older messages read and laid out on scroll"))  # fmt: skip

    log("search over every text")
    searched, costs = _search(store, scale.runs)
    figures += costs
    worst = max(searched, key=lambda k: searched[k])
    figures.append(below("search.worst_median_ms", searched[worst] * 1000, "ms", 1000,
                         ", ".join(f"{k} {v * 1000:.0f}" for k, v in searched.items())))  # fmt: skip

    log("commit cost at this size vs at 10k (same sessions)")
    big = commit_seconds(store)
    reference = _reference_store(page_size, root)
    small = commit_seconds(reference)
    figures.append(at_most("sync.commit_vs_10k", big / small, "x", 1.5,
                           f"{big * 1000:.0f} ms vs {small * 1000:.0f} ms for 5,000 new items"))  # fmt: skip
    return figures


def _reference_store(page_size: int, root: Path) -> Path:
    store = root / "store-reference"
    server = DemoProcess(REFERENCE, page_size)
    try:
        sync_from_empty(server, store)
    finally:
        server.stop()
    return store
