"""The sync engine against a real DemoServer: full sync, resume, faults, backoff, stopping.

The service thread that runs it is tested in test_service.py.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from finder_tui import service_events as ev
from finder_tui.client import ApiError, AuthError, ClientConfig, FinderClient, Secret, SyncError
from finder_tui.demo import DemoServer, generate_items, seed_items
from finder_tui.demo.data import build_item
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
    return max(int(i["content"]["seq"]) for i in items)


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

        def sync_body(self, key_buff: str) -> bytes:
            FailAfter.calls += 1
            if FailAfter.calls == 3:
                raise ApiError("1001", "busy")
            return super().sync_body(key_buff)

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


def test_backoff_survives_a_night_of_failures() -> None:
    backoff = Backoff(cap=60)
    delays = [backoff.next_delay() for _ in range(5000)]
    assert max(delays) <= 60 and delays[-1] >= 30


# ---- stopping --------------------------------------------------------------------------------


def test_engine_should_stop_is_checked_before_every_page(tmp_path: Path) -> None:
    items = seed_items() + generate_items(sessions=2, messages=500, seed=4)
    with (
        DemoServer(token="t", wid="w", items=items, page_size=10) as server,
        FinderClient(ClientConfig(server.url, "w", Secret("t"))) as client,
        Store.open(tmp_path / "s") as store,
    ):
        engine = SyncEngine(client, store)
        calls = iter(range(1000))
        engine.should_stop = lambda: next(calls) >= 3
        report = engine.run_cycle()
        assert report.pages == 3 and not engine.caught_up
