"""The store thread names peers in the background and raises problems the user must fix,
against the real demo server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from finder_tui import service_events as ev
from finder_tui.client import ClientConfig, Secret
from finder_tui.demo import DemoServer
from finder_tui.demo.people import nickname_for
from finder_tui.service import SyncService
from finder_tui.store import Index, Store
from tests.conftest import TOKEN, WID

ServerFactory = Callable[..., DemoServer]
E = TypeVar("E")


class Recorder:
    def __init__(self) -> None:
        self.events: list[ev.Event] = []
        self.lock = threading.Lock()

    def __call__(self, event: ev.Event) -> None:
        with self.lock:
            self.events.append(event)

    def of(self, kind: type[E]) -> list[E]:
        with self.lock:
            return [e for e in self.events if isinstance(e, kind)]


def wait_for(check: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _service(url: str, store_dir: Path, recorder: Recorder, token: str = TOKEN) -> SyncService:
    config = ClientConfig(url, WID, Secret(token), 2.0, 5.0)
    return SyncService(store_dir, config, recorder, poll_interval=0.3)


def opened_index(service: SyncService) -> Index:
    """Wait for the started service's store thread to open the store; returns its index."""
    wait_for(lambda: service.store is not None, "the store to open")
    assert service.store is not None
    return service.store.index


def test_the_service_names_every_peer_after_syncing_and_says_so(
    demo_server: ServerFactory, store_dir: Path
) -> None:
    server = demo_server()
    recorder = Recorder()
    service = _service(server.url, store_dir, recorder)
    service.start()
    try:
        index = opened_index(service)
        wait_for(
            lambda: index.sessions() and all(s.nickname for s in index.sessions()),
            "every peer named",
        )
        assert {s.nickname for s in index.sessions()} == {
            nickname_for(s.peer) for s in index.sessions()
        }
        names_changed = [e for e in recorder.of(ev.IndexChanged) if e.what == "names"]
        assert names_changed
        first_names = recorder.events.index(names_changed[0])
        first_messages = recorder.events.index(recorder.of(ev.NewMessages)[0])
        assert first_messages < first_names  # messages never wait on names
    finally:
        service.stop()
    with Store.open(store_dir) as store:  # persisted
        assert all(s.nickname for s in store.index.sessions())


def test_a_refused_token_raises_an_auth_attention_with_what_to_do(
    demo_server: ServerFactory, store_dir: Path
) -> None:
    server = demo_server()
    recorder = Recorder()
    service = _service(server.url, store_dir, recorder, token=TOKEN + "-wrong")
    service.start()
    try:
        wait_for(lambda: bool(recorder.of(ev.Attention)), "an attention event")
        attention = recorder.of(ev.Attention)[0]
        assert isinstance(attention, ev.Attention)
        assert attention.kind == ev.AUTH and "r to retry" in attention.hint
        assert TOKEN not in attention.text
    finally:
        service.stop()


def test_a_store_in_use_raises_an_attention_and_a_restart_clears_it(
    demo_server: ServerFactory, store_dir: Path
) -> None:
    server = demo_server()
    recorder = Recorder()
    holder = Store.open(store_dir)
    service = _service(server.url, store_dir, recorder)
    service.start()
    try:
        wait_for(lambda: bool(recorder.of(ev.Attention)), "an attention event")
        attention = recorder.of(ev.Attention)[0]
        assert isinstance(attention, ev.Attention) and attention.kind == ev.STORE_IN_USE
        assert "in use by another finder-tui process" in attention.text
        banner = f"{attention.text} {attention.hint}"
        assert banner.count("--store") == 1 and banner.count("close") == 1  # the advice once
        wait_for(lambda: not service.running, "the service to stop")
        holder.close()
        assert service.restart() is True
        wait_for(lambda: len(recorder.of(ev.Attention)) == 2, "the attention to clear")
        cleared = recorder.of(ev.Attention)[1]
        assert isinstance(cleared, ev.Attention) and cleared.kind == ""
        wait_for(lambda: bool(recorder.of(ev.NewMessages)), "sync after the restart")
    finally:
        service.stop()
        holder.close()
