"""The sync service's typed commands: what each sender queues, and how the store thread applies it.

Offline services over a store seeded with the vendor's example page: the commands reach the
store thread without a server, so these tests need none.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from finder_tui import service_commands as cmd
from finder_tui import service_events as ev
from finder_tui.service import SyncService
from finder_tui.store import Store
from finder_tui.wire.models import SyncPage

KEY_BUFF = "CAEQAQ=="


class Events:
    """Collects what the store thread emits; ``wait_for`` polls it with a deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[ev.Event] = []

    def __call__(self, event: ev.Event) -> None:
        with self._lock:
            self._events.append(event)

    def all(self) -> list[ev.Event]:
        with self._lock:
            return list(self._events)

    def changes(self) -> list[str]:
        return [e.what for e in self.all() if isinstance(e, ev.IndexChanged)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out; events: {self.all()!r}"
            time.sleep(0.01)


@pytest.fixture()
def seeded_store(store_dir: Path, seed_page: SyncPage) -> Path:
    with Store.open(store_dir) as store:
        store.ingest(seed_page.messages)
        store.set_key_buff(KEY_BUFF, synced_at=0.0)
        store.commit()
    return store_dir


@pytest.fixture()
def offline_service(seeded_store: Path) -> Iterator[tuple[SyncService, Events]]:
    events = Events()
    service = SyncService(seeded_store, None, events, poll_interval=600)
    service.start()
    try:
        events.wait_for(lambda: service.state == ev.OFFLINE)
        yield service, events
    finally:
        service.stop(timeout=10)


def queued(service: SyncService) -> list[cmd.Command]:
    commands: list[cmd.Command] = []
    while not service._commands.empty():
        commands.append(service._commands.get_nowait())
    return commands


def test_each_public_sender_queues_its_typed_command(tmp_path: Path) -> None:
    service = SyncService(tmp_path / "store", None, Events())  # never started
    service.sync_now()
    service.mark_read("s1@findermsg")
    service.set_alias("s2@findermsg", "Shop owner")
    service.mark_live_seen()
    assert queued(service) == [
        cmd.SyncNow(),
        cmd.MarkRead("s1@findermsg"),
        cmd.SetAlias("s2@findermsg", "Shop owner"),
        cmd.MarkLiveSeen(),
    ]


def test_commands_are_frozen_values() -> None:
    command = cmd.SetAlias("s@findermsg", "a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.alias = "b"  # type: ignore[misc]
    assert command == cmd.SetAlias("s@findermsg", "a")
    assert hash(command) == hash(cmd.SetAlias("s@findermsg", "a"))


def test_a_sent_mark_read_clears_the_unread_count_and_reports_the_change(
    offline_service: tuple[SyncService, Events],
) -> None:
    service, events = offline_service
    index = service.index
    assert index is not None
    (unread,) = [s.session_id for s in index.sessions() if s.unread]
    service.send(cmd.MarkRead(unread))
    events.wait_for(lambda: "mark_read" in events.changes())
    assert index.session(unread).unread == 0  # type: ignore[union-attr]


def test_a_sent_alias_is_on_disk_as_soon_as_it_is_reported(
    offline_service: tuple[SyncService, Events], seeded_store: Path
) -> None:
    service, events = offline_service
    assert service.index is not None
    session_id = service.index.sessions()[0].session_id
    service.send(cmd.SetAlias(session_id, "小店"))
    events.wait_for(lambda: "alias" in events.changes())
    assert "小店" in (seeded_store / "head.json").read_text("utf-8")  # committed at once
    assert service.index.session(session_id).alias == "小店"  # type: ignore[union-attr]


def test_a_command_that_changes_nothing_reports_nothing(
    offline_service: tuple[SyncService, Events],
) -> None:
    service, events = offline_service
    service.send(cmd.MarkRead("no-such-session@findermsg"))
    service.send(cmd.SyncNow())  # offline: nothing to sync
    service.send(cmd.SetAlias("marker@findermsg", "x"))  # an unknown session: no change either
    time.sleep(0.3)
    assert events.changes() == []
    assert service.state == ev.OFFLINE and service.running


def test_mark_live_seen_reports_a_change_once_then_nothing(
    offline_service: tuple[SyncService, Events],
) -> None:
    service, events = offline_service
    assert service.index is not None
    assert service.index.unseen_live_notices() > 0  # the example page has live notices
    service.send(cmd.MarkLiveSeen())
    service.send(cmd.MarkLiveSeen())
    service.send(cmd.MarkRead("no-such-session@findermsg"))  # a marker: both were applied
    time.sleep(0.3)
    assert events.changes() == ["live_seen"]
    assert service.index.unseen_live_notices() == 0


def test_a_stop_command_ends_the_store_thread(seeded_store: Path) -> None:
    service = SyncService(seeded_store, None, Events(), poll_interval=600)
    service.start()
    service.opened.wait(10)
    service.send(cmd.Stop())
    service._thread.join(10)
    assert not service.running


def test_the_ui_reads_the_index_and_cursor_through_the_service(seeded_store: Path) -> None:
    events = Events()
    service = SyncService(seeded_store, None, events, poll_interval=600)
    assert service.index is None and service.key_buff == ""  # before the store opened
    service.start()
    try:
        events.wait_for(lambda: service.state == ev.OFFLINE)
        opened = [e for e in events.all() if isinstance(e, ev.StoreOpened)]
        assert service.index is opened[0].index
        assert service.key_buff == KEY_BUFF
    finally:
        service.stop(timeout=10)
