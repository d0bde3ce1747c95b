"""After an outage the engine catches up again: what piled up is backlog, not a storm."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from finder_tui import service_events as ev
from finder_tui.client import FinderClient, SyncError
from finder_tui.demo import DemoServer, seed_items
from finder_tui.store import Store
from finder_tui.sync import SyncEngine
from tests.test_sync import chat

DEAD_URL = "http://127.0.0.1:9"  # nothing listens on the discard port: connection refused


def _backfill_flags(events: list[Any]) -> list[bool]:
    return [e.backfill for e in events if isinstance(e, ev.NewMessages)]


def _fail_once(engine: SyncEngine, dead: FinderClient) -> None:
    working, engine.client = engine.client, dead
    with pytest.raises(SyncError):
        engine.run_cycle()
    engine.client = working


@contextmanager
def _synced_engine(
    demo_server: Callable[..., DemoServer],
    make_client: Callable[..., FinderClient],
    store_dir: Path,
) -> Iterator[tuple[DemoServer, SyncEngine, list[Any]]]:
    """A seeded demo server and an engine over an open store that has run one cycle."""
    server = demo_server(seed_items())
    got: list[Any] = []
    with Store.open(store_dir) as store:
        engine = SyncEngine(make_client(server.url), store, got.append)
        engine.run_cycle()
        yield server, engine, got


def test_pages_fetched_after_an_outage_are_a_catch_up_again_then_live(
    demo_server: Callable[..., DemoServer],
    make_client: Callable[..., FinderClient],
    store_dir: Path,
) -> None:
    with _synced_engine(demo_server, make_client, store_dir) as (server, engine, got):
        assert engine.caught_up
        _fail_once(engine, make_client(DEAD_URL, connect_timeout=0.5))
        engine.OUTAGE_AFTER = 0.0  # the failure has lasted "long enough"
        got.clear()
        server.append([chat(1300, 5)])
        engine.run_cycle()
        assert _backfill_flags(got) == [True], "what arrived while away is backlog"
        got.clear()
        server.append([chat(1301, 6)])
        engine.run_cycle()
        assert _backfill_flags(got) == [False], "caught up again: live traffic"


def test_a_short_blip_is_not_an_outage(
    demo_server: Callable[..., DemoServer],
    make_client: Callable[..., FinderClient],
    store_dir: Path,
) -> None:
    with _synced_engine(demo_server, make_client, store_dir) as (server, engine, got):
        _fail_once(engine, make_client(DEAD_URL, connect_timeout=0.5))
        got.clear()
        server.append([chat(1300, 5)])
        engine.run_cycle()
        assert _backfill_flags(got) == [False]
        assert engine.failing_since is None
