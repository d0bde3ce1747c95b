"""The sync engine against a real DemoServer: full sync, resume, faults, backoff, the service."""

from __future__ import annotations

import math
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from finder_tui import service_events as ev
from finder_tui.client import ApiError, AuthError, FinderClient, SyncError
from finder_tui.demo import DemoServer, generate_items, seed_items
from finder_tui.demo.data import build_item, build_live_notice
from finder_tui.service import SyncService
from finder_tui.store import Store
from finder_tui.sync import Backoff, SyncEngine, SyncReport
from finder_tui.wire.keybuff import decode
from finder_tui.wire.models import Message, parse_item

Item = dict[str, Any]
ServerFactory = Callable[..., DemoServer]
ClientFactory = Callable[..., FinderClient]


@pytest.fixture(scope="module")
def big_items() -> list[Item]:
    return seed_items() + generate_items(sessions=20, messages=2000, seed=3)


@pytest.fixture(scope="module")
def small_items() -> list[Item]:
    return seed_items() + generate_items(sessions=5, messages=400, seed=13)


def expected_keys(items: list[Item]) -> tuple[set[str], int]:
    """The server's item set as a correct client stores it: chat keys and the notice count."""
    chat, notices = set(), 0
    for item in items:
        message = parse_item(item)
        assert isinstance(message, Message)
        if message.session_id:
            assert message.key == str(item["content"]["msg"]["NewMsgId"])
            chat.add(message.key)
        else:
            notices += 1
    return chat, notices


def assert_store_matches(store: Store, items: list[Item]) -> None:
    chat, notices = expected_keys(items)
    index = store.index
    stored_chat = [m.key for m in index.all_messages() if m.session_id]
    assert len(stored_chat) == len(set(stored_chat))
    assert set(stored_chat) == chat
    assert len(index.notices()) == notices
    assert index.message_count == len(items)
    exact = {str(i["content"]["msg"]["NewMsgId"]) for i in items}
    assert {str(m.new_msg_id) for m in index.all_messages()} == exact


def last_seq(items: list[Item]) -> int:
    return max(i["content"]["seq"] for i in items)


def sync_until_caught_up(engine: SyncEngine, server: DemoServer, attempts: int = 400) -> SyncReport:
    """The retry loop a caller runs: any retryable error means "run the cycle again"."""
    report = SyncReport()
    target = last_seq(server.items)
    for _ in range(attempts):
        try:
            engine.run_cycle(report)
        except SyncError as exc:
            assert exc.retryable, exc
            continue
        if decode(engine.store.key_buff).value(1) == target:
            return report
    raise AssertionError(f"not caught up after {attempts} attempts: {report.as_dict()}")


# ---- full sync and resume --------------------------------------------------------------------


def test_full_sync_then_nothing_new_then_resume(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    big_items: list[Item],
) -> None:
    server = demo_server(big_items, page_size=97)
    client = make_client(server.url)
    with Store.open(store_dir) as store:
        report = SyncEngine(client, store).run_cycle()
        assert report.new == len(big_items) == 2019
        assert report.rejected == 0 and report.duplicates == 0
        assert report.pages == math.ceil(2019 / 97) + 1
        assert_store_matches(store, big_items)
        assert decode(store.key_buff).value(1) == last_seq(big_items)

        again = SyncEngine(client, store).run_cycle()
        assert (again.new, again.duplicates, again.pages) == (0, 0, 1)
        assert store.index.message_count == 2019

    requests_before = server.requests
    fresh = generate_items(sessions=2, messages=150, seed=99, start_seq=last_seq(big_items) + 1)
    server.append(fresh)
    with Store.open(store_dir) as store:
        assert store.index.complete is True
        report = SyncEngine(make_client(server.url), store).run_cycle()
        assert report.new == 150
        assert report.pages == math.ceil(150 / 97) + 1
        assert server.requests - requests_before == report.pages
        assert_store_matches(store, big_items + fresh)
    with Store.open(store_dir) as store:
        assert_store_matches(store, big_items + fresh)


def test_sync_events(
    demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    server = demo_server(seed_items(), page_size=7)
    got: list[Any] = []
    with Store.open(store_dir) as store:
        engine = SyncEngine(make_client(server.url), store, got.append)
        engine.run_cycle()
        news = [e for e in got if isinstance(e, ev.NewMessages)]
        assert sum(len(e.notices) for e in news) == 11
        assert sum(len(v) for e in news for v in e.by_session.values()) == 8
        assert all(e.backfill for e in news)
        lives = [e for e in got if isinstance(e, ev.LiveEvent)]
        assert [e.event for e in lives].count("started") == 3
        assert [e.event for e in lives].count("ended") == 8
        assert all(e.backfill for e in lives)
        assert isinstance(got[-1], ev.Progress) and got[-1].new == 19

        got.clear()
        server.append([chat(1300, 5)])
        engine.run_cycle()
        (news_event,) = [e for e in got if isinstance(e, ev.NewMessages)]
        assert news_event.backfill is False


# ---- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "read_timeout"),
    [
        ("1001=0.6,seed=1", 5.0),
        ("500=0.6,seed=2", 5.0),
        ("slow=0.4,slow_seconds=2,seed=3", 0.15),
        ("truncated=0.6,seed=4", 5.0),
        ("duplicate=0.6,seed=5", 5.0),
        ("malformed=0.6,seed=6", 5.0),
        ("all=0.7,slow_seconds=2,seed=7", 0.15),
        ("all=0.3,slow_seconds=2,seed=11", 0.15),
    ],
    ids=["1001", "500", "slow", "truncated", "duplicate", "malformed", "all-70", "all-30"],
)
def test_faults_converge_to_the_clean_set(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    small_items: list[Item],
    faults: str,
    read_timeout: float,
) -> None:
    server = demo_server(small_items, page_size=50, faults=faults)
    client = make_client(server.url, read_timeout=read_timeout)
    with Store.open(store_dir) as store:
        report = sync_until_caught_up(SyncEngine(client, store), server)
        assert_store_matches(store, small_items)
        if faults.startswith(("malformed", "all=0.7")):
            assert report.rejected > 0
        else:
            assert report.rejected == 0
        if faults.startswith("duplicate"):
            assert report.duplicates > 0
    with Store.open(store_dir) as store:
        assert_store_matches(store, small_items)


def test_errors_are_typed(
    demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    server = demo_server(seed_items(), faults="1001=1")
    with Store.open(store_dir) as store:
        with pytest.raises(ApiError) as info:
            SyncEngine(make_client(server.url), store).run_cycle()
        assert info.value.retryable and not isinstance(info.value, AuthError)
        assert store.index.message_count == 0


def test_wrong_token_is_not_retryable(
    demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    server = demo_server(seed_items())
    with Store.open(store_dir) as store:
        engine = SyncEngine(make_client(server.url, token="wrong-token"), store)
        with pytest.raises(AuthError) as info:
            engine.run_cycle()
        assert info.value.retryable is False
        assert store.key_buff == ""
    with Store.open(store_dir) as store:
        wrong_wid = SyncEngine(make_client(server.url, wid="someone-else"), store)
        with pytest.raises(AuthError):
            wrong_wid.run_cycle()


def test_pages_before_a_failure_are_committed(
    demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    items = seed_items() + generate_items(sessions=3, messages=100, seed=4)
    server = demo_server(items, page_size=20)

    class FailAfter(FinderClient):
        calls = 0

        def sync(self, key_buff: str):  # type: ignore[no-untyped-def]
            FailAfter.calls += 1
            if FailAfter.calls == 3:
                raise ApiError("1001", "busy")
            return super().sync(key_buff)

    base = make_client(server.url)
    client = FailAfter(base.config)
    try:
        with Store.open(store_dir) as store:
            with pytest.raises(ApiError):
                SyncEngine(client, store).run_cycle()
    finally:
        client.close()
    with Store.open(store_dir) as store:
        assert store.index.message_count == 40
        assert decode(store.key_buff).value(1) == items[39]["content"]["seq"]


# ---- backoff ---------------------------------------------------------------------------------


def test_backoff_grows_with_jitter_and_caps() -> None:
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(5))
    delays = [backoff.next_delay() for _ in range(12)]
    for attempt, delay in enumerate(delays):
        nominal = min(60.0, 2.0**attempt)
        assert 0.5 * nominal <= delay <= nominal, (attempt, delay)
    assert max(delays) <= 60.0
    assert delays[8] >= 30.0  # capped at 60, jitter keeps it at least half
    assert len(set(delays)) == len(delays)  # jittered, not a fixed schedule
    backoff.reset()
    assert 0.5 <= backoff.next_delay() <= 1.0
    assert 1.0 <= backoff.next_delay() <= 2.0


def test_backoff_jitter_spans_the_range() -> None:
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(11))
    samples = []
    for _ in range(400):
        backoff.reset()
        samples.append(backoff.next_delay())
    assert min(samples) < 0.55 and max(samples) > 0.95


# ---- the service thread ----------------------------------------------------------------------


def chat(seq: int, new_msg_id: int, session: str = "live-test@findermsg") -> Item:
    return build_item(
        seq=seq,
        create_time=1700000000 + seq,
        new_msg_id=new_msg_id,
        msg_type=1,
        content=f"message {seq}",
        from_user="fv1_live@findermsgstranger",
        to_user="me",
        is_sender=0,
        session_id=session,
    )


def live_start(seq: int, object_id: int) -> Item:
    return build_live_notice(
        start=True,
        object_id=object_id,
        seq=seq,
        create_time=int(time.time()) - 60,  # recent: an old start with no end is not live
        new_msg_id=seq * 7,
    )


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

    def of(self, kind: type) -> list[Any]:
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
    assert started.stream.live_now
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
    assert index.session(stranger).unread == 0  # type: ignore[union-attr]
    service.stop(timeout=10)
    assert not service.running
    with Store.open(store_dir) as store:
        assert store.index.session(stranger).unread == 0  # type: ignore[union-attr]
        assert store.index.session(shop).alias == "小店"  # type: ignore[union-attr]
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
        assert store.index.session(stranger).unread == 0  # type: ignore[union-attr]
