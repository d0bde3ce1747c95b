"""Figures, run sizes and the shared run context (temp dir, server processes, built stores)."""

from __future__ import annotations

import gc
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..client import FinderClient
from ..store import Store
from ..sync import SyncEngine
from .server import Recipe, ServerProcess

INBOX, SESSION = "inbox", "session"  # the two data sets: many sessions, one long session


@dataclass(slots=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""  # e.g. ">= 5000"; empty for a reference figure
    ok: bool | None = None  # None: no target
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["name"]
        return out


def at_least(name: str, value: float, unit: str, limit: float, note: str = "") -> Figure:
    return Figure(name, value, unit, f">= {limit:g}", value >= limit, note)


def at_most(name: str, value: float, unit: str, limit: float, note: str = "") -> Figure:
    return Figure(name, value, unit, f"<= {limit:g}", value <= limit, note)


def below(name: str, value: float, unit: str, limit: float, note: str = "") -> Figure:
    return Figure(name, value, unit, f"< {limit:g}", value < limit, note)


@dataclass(frozen=True, slots=True)
class Sizes:
    inbox_messages: int
    inbox_sessions: int
    session_messages: int
    page_size: int
    tinydb_budget: float  # seconds of stock-TinyDB ingest before extrapolating
    repeats: int

    @classmethod
    def full(cls, page_size: int = 500) -> Sizes:
        return cls(100_000, 200, 20_000, page_size, 20.0, 5)

    @classmethod
    def quick(cls, page_size: int = 500) -> Sizes:
        return cls(10_000, 200, 2_000, page_size, 2.0, 3)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class Context:
    """Owns the temp dir and the server processes; builds each data set's store once."""

    def __init__(self, sizes: Sizes) -> None:
        self.sizes = sizes
        self.root = Path(tempfile.mkdtemp(prefix="finder-bench-"))
        self._servers: dict[str, ServerProcess] = {}
        self._stores: dict[str, Path] = {}

    def recipe(self, name: str) -> Recipe:
        if name == INBOX:
            return Recipe(self.sizes.inbox_sessions, self.sizes.inbox_messages)
        return Recipe(1, self.sizes.session_messages)

    def start_servers(self, names: Sequence[str]) -> None:
        """Start servers early: each generates its data while the client does other work."""
        for name in names:
            if name not in self._servers:
                self._servers[name] = ServerProcess(self.recipe(name), self.sizes.page_size).start()

    def server(self, name: str) -> ServerProcess:
        self.start_servers([name])
        return self._servers[name].wait()

    def path(self, name: str) -> Path:
        return self.root / name

    def set_store(self, name: str, directory: Path) -> None:
        self._stores[name] = directory

    def store(self, name: str) -> Path:
        """The data set's store, synced through the product (built here when ingest did not run)."""
        if name not in self._stores:
            log(f"building the {name} store")
            directory = self.path(f"store-{name}")
            finder_ingest(self.server(name), directory)
            self._stores[name] = directory
        return self._stores[name]

    def close(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def settle() -> None:
    """Between measurements: collect garbage so one benchmark's debris does not tax the next."""
    gc.collect()


def finder_ingest(server: ServerProcess, directory: Path) -> tuple[int, float]:
    """One ``run_cycle`` into an empty store: (new items, seconds including the last commit)."""
    store = Store.open(directory)
    try:
        with FinderClient(server.config()) as client:
            report = SyncEngine(client, store).run_cycle()
    finally:
        store.close()
    if report.rejected or report.new != server.count:
        raise RuntimeError(f"ingest stored {report.new} of {server.count} items")
    return report.new, report.seconds
