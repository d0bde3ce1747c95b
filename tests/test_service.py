"""The sync service: its store-owning thread over a real DemoServer (backfill, live, errors),
the typed commands the UI sends it (what each sender queues, how the store thread applies it),
stopping, and how it fails (store in use, corrupt segment) or idles (offline).
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from finder_tui import service_commands as cmd
from finder_tui import service_events as ev
from finder_tui.client import ClientConfig, FinderClient, Secret
from finder_tui.demo import DemoServer, FaultSpec, generate_items, seed_items
from finder_tui.demo.data import build_live_notice
from finder_tui.service import SyncService
from finder_tui.store import Index, SessionSummary, Store, live
from finder_tui.wire.models import SyncPage, parse_page
from tests.test_sync import chat

Item = dict[str, Any]
E = TypeVar("E")
ServerFactory = Callable[..., DemoServer]
ClientFactory = Callable[..., FinderClient]


# ---- over a demo server --------------------------------------------------------------------------


def live_start(seq: int, object_id: int) -> Item:
    return build_live_notice(
        start=True,
        object_id=object_id,
        seq=seq,
        create_time=int(time.time()) - 60,  # recent: an old start with no end is not live
        new_msg_id=seq * 7,
    )


def session_of(index: Index, session_id: str) -> SessionSummary:
    """The session's summary; fails the test if the index has no such session."""
    found = index.session(session_id)
    assert found is not None, f"no session {session_id!r}"
    return found


class Recorder:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self._cond = threading.Condition()

    def __call__(self, event: Any) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def wait_for(
        self, predicate: Callable[[Any], bool], *, since: int = 0, timeout: float = 15.0
    ) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            seen = since
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching event; got {self.events[-8:]}")
                self._cond.wait(remaining)

    def of(self, kind: type[E]) -> list[E]:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]


def state(name: str) -> Callable[[Any], bool]:
    return lambda e: isinstance(e, ev.StateChanged) and e.state == name


@pytest.fixture()
def service_factory(
    make_client: ClientFactory,
) -> Iterator[Callable[..., tuple[SyncService, Recorder]]]:
    services: list[SyncService] = []

    def start(store_dir: Path, url: str, **client_kwargs: Any) -> tuple[SyncService, Recorder]:
        recorder = Recorder()
        config = make_client(url, **client_kwargs).config
        service = SyncService(store_dir, config, recorder, poll_interval=600, max_backoff=60)
        services.append(service)
        service.start()
        return service, recorder

    yield start
    for service in services:
        service.stop(timeout=10)
        assert not service.running


def test_service_backfill_then_live(
    demo_server: ServerFactory,
    store_dir: Path,
    service_factory: Callable[..., tuple[SyncService, Recorder]],
) -> None:
    server = demo_server(seed_items(), page_size=6)
    service, rec = service_factory(store_dir, server.url)
    rec.wait_for(state(ev.IDLE))
    opened = rec.of(ev.StoreOpened)
    assert len(opened) == 1
    news = rec.of(ev.NewMessages)
    assert news and all(e.backfill for e in news)
    assert sum(len(e.notices) + sum(map(len, e.by_session.values())) for e in news) == 19
    lives = rec.of(ev.LiveEvent)
    assert len(lives) == 11 and all(e.backfill for e in lives)
    assert opened[0].index.message_count == 19

    server.append([chat(1300, 424242), live_start(1301, 15555555555555555555)])
    mark = rec.mark()
    service.sync_now()
    rec.wait_for(state(ev.SYNCING), since=mark)
    rec.wait_for(state(ev.IDLE), since=mark)
    new_live = rec.wait_for(lambda e: isinstance(e, ev.NewMessages), since=mark)
    assert new_live.backfill is False
    assert [m.new_msg_id for v in new_live.by_session.values() for m in v] == [424242]
    (started,) = [e for e in rec.events[mark:] if isinstance(e, ev.LiveEvent)]
    assert started.backfill is False
    assert started.event == "started"
    assert started.stream.object_id == "15555555555555555555"
    assert live.is_live(started.stream)
    assert opened[0].index.live_now_count() == 1


def test_service_wrong_token_stops_without_leaking(
    demo_server: ServerFactory,
    store_dir: Path,
    service_factory: Callable[..., tuple[SyncService, Recorder]],
) -> None:
    server = demo_server(seed_items())
    bad = "wrong-but-secret-T0ken-9c1d"
    service, rec = service_factory(store_dir, server.url, token=bad)
    stopped = rec.wait_for(state(ev.STOPPED))
    assert stopped.detail
    assert bad not in stopped.detail
    assert all(bad not in repr(e) for e in rec.events)
    assert service.running  # stopped syncing, still serving the store
    assert not rec.of(ev.NewMessages)


def test_service_dead_server_backs_off(
    store_dir: Path, service_factory: Callable[..., tuple[SyncService, Recorder]]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    before = time.time()
    service, rec = service_factory(store_dir, f"http://127.0.0.1:{port}")
    backoff = rec.wait_for(state(ev.BACKOFF))
    assert backoff.retry_at is not None
    assert before < backoff.retry_at <= time.time() + 1.0
    assert "127.0.0.1" in backoff.detail
    assert service.state in (ev.BACKOFF, ev.SYNCING)


def test_service_commands_persist(
    demo_server: ServerFactory,
    store_dir: Path,
    service_factory: Callable[..., tuple[SyncService, Recorder]],
) -> None:
    server = demo_server(seed_items())
    service, rec = service_factory(store_dir, server.url)
    rec.wait_for(state(ev.IDLE))
    index = rec.of(ev.StoreOpened)[0].index
    (stranger,) = [s.session_id for s in index.sessions() if s.unread]
    shop = next(s.session_id for s in index.sessions() if s.session_id.startswith("a37c87fbfb"))
    service.mark_read(stranger)
    rec.wait_for(lambda e: isinstance(e, ev.IndexChanged) and e.what == "mark_read")
    service.set_alias(shop, "小店")
    rec.wait_for(lambda e: isinstance(e, ev.IndexChanged) and e.what == "alias")
    assert session_of(index, stranger).unread == 0
    service.stop(timeout=10)
    assert not service.running
    with Store.open(store_dir) as store:
        assert session_of(store.index, stranger).unread == 0
        assert session_of(store.index, shop).alias == "小店"
        assert store.index.message_count == 19


def test_service_store_in_use_reports_failure(
    demo_server: ServerFactory,
    store_dir: Path,
    service_factory: Callable[..., tuple[SyncService, Recorder]],
) -> None:
    server = demo_server(seed_items())
    with Store.open(store_dir):
        service, rec = service_factory(store_dir, server.url)
        failed = rec.wait_for(lambda e: isinstance(e, ev.StoreFailed))
        assert "in use" in failed.error
        rec.wait_for(state(ev.STOPPED))
        service.stop(timeout=10)
        assert not service.running
        assert not rec.of(ev.StoreOpened)


def test_service_offline_still_serves_commands(store_dir: Path, seed_page: Any) -> None:
    with Store.open(store_dir) as store:
        store.ingest(seed_page.messages)
    rec = Recorder()
    service = SyncService(store_dir, None, rec, poll_interval=600)
    service.start()
    try:
        rec.wait_for(state(ev.OFFLINE))
        index = rec.of(ev.StoreOpened)[0].index
        (stranger,) = [s.session_id for s in index.sessions() if s.unread]
        service.mark_read(stranger)
        rec.wait_for(lambda e: isinstance(e, ev.IndexChanged))
    finally:
        service.stop(timeout=10)
    assert not service.running
    assert not rec.of(ev.NewMessages)
    with Store.open(store_dir) as store:
        assert session_of(store.index, stranger).unread == 0


# ---- typed commands ------------------------------------------------------------------------------
# Offline services over a store seeded with the vendor's example page: the commands reach the
# store thread without a server, so these tests need none.

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


# ---- stopping, failures, idling ------------------------------------------------------------------


def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def sealed_store(tmp_path: Path) -> Path:
    """A store of 60 chat messages committed one by one, sealed into segments of 20."""
    store_dir = tmp_path / "store"
    page = parse_page({"list": [chat(i, 10_000 + i) for i in range(1, 61)], "keyBuff": ""})
    with Store.open(store_dir, seal_at=20) as store:
        for message in page.messages:
            store.ingest([message])
            store.commit()
    return store_dir


def test_a_corrupt_segment_is_reported_by_name_and_the_service_goes_on(tmp_path: Path) -> None:
    store_dir = sealed_store(tmp_path)
    segment = next(store_dir.glob("seg-*.json"))
    segment.write_bytes(b"{not json")
    rec = Recorder()
    service = SyncService(store_dir, None, rec)
    service.start()
    wait_until(lambda: service.state == ev.OFFLINE)
    service.stop()
    assert not rec.of(ev.StoreFailed)
    bad = rec.of(ev.SegmentsUnavailable)
    assert bad and bad[0].segments[0][0] == segment.name and segment.name in bad[0].text()
    assert segment.read_bytes() == b"{not json"


def test_stop_ends_a_catch_up_between_pages_and_aliases_are_saved_at_once(tmp_path: Path) -> None:
    items = seed_items() + generate_items(sessions=5, messages=20_000, seed=3)
    slow = FaultSpec({"slow": 1.0}, slow_seconds=0.02)  # a catch-up of ~20 s
    with DemoServer(token="t", wid="w", items=items, page_size=20, faults=slow) as server:
        service = SyncService(
            tmp_path / "store", ClientConfig(server.url, "w", Secret("t")), Recorder()
        )
        service.start()
        wait_until(lambda: service.index is not None and service.index.session_count() > 0)
        assert service.index is not None
        session_id = service.index.sessions()[0].session_id
        service.set_alias(session_id, "Shop owner")
        head = tmp_path / "store" / "head.json"
        wait_until(lambda: head.exists() and b"Shop owner" in head.read_bytes())  # on disk at once
        started = time.monotonic()
        service.stop()
        assert time.monotonic() - started < 5 and not service.running
        assert server.requests < len(items) / 20  # the catch-up did not run to its end
    with Store.open(tmp_path / "store") as store:
        assert session_of(store.index, session_id).alias == "Shop owner"


def test_an_offline_service_waits_instead_of_spinning(tmp_path: Path) -> None:
    """Offline (and after "sync now" with no server) the store thread must block on its queue:
    a loop with a zero timeout would burn a core and starve the UI of the GIL."""
    service = SyncService(tmp_path / "store", None, Recorder())
    service.start()
    wait_until(lambda: service.state == ev.OFFLINE)
    service.sync_now()
    started_cpu, started = time.process_time(), time.monotonic()
    time.sleep(1.0)
    cpu = time.process_time() - started_cpu
    wall = time.monotonic() - started
    service.stop()
    assert cpu < 0.5 * wall, f"the idle store thread used {cpu:.2f} s of CPU in {wall:.2f} s"
