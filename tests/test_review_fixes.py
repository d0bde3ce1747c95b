"""Regressions for defects found in review: each test failed before its fix."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from finder_tui import service_events as ev
from finder_tui.client import ApiError, ClientConfig, FinderClient, Secret
from finder_tui.config import ConfigError, resolve
from finder_tui.demo import DemoServer, FaultSpec, generate_items, seed_items
from finder_tui.demo.data import build_item
from finder_tui.service import SyncService
from finder_tui.store import Store
from finder_tui.sync import Backoff, SyncEngine
from finder_tui.tui.timefmt import clock, day_of, full, relative
from finder_tui.wire import jsonio
from finder_tui.wire.models import Message, Rejected, parse_item

SESSION = "ab" * 32 + "@findermsg"


def chat(seq: int, text: str = "hi", when: int = 1_700_000_000, msg_type: int = 1) -> dict:
    return build_item(
        seq=seq,
        create_time=when,
        new_msg_id=10_000 + seq,
        msg_type=msg_type,
        content=text,
        from_user="fv1_x@findermsgstranger",
        to_user="v2_y@finder",
        is_sender=0,
        session_id=SESSION,
    )


def test_a_time_no_calendar_can_show_is_rejected_and_never_crashes_display() -> None:
    result = parse_item(chat(1, when=300_000_000_000))
    assert isinstance(result, Rejected) and "CreateTime" in result.reason
    for fn in (clock, day_of, full):
        fn(300_000_000_000)  # an old store could hold one: shown as the epoch, no exception
    assert relative(300_000_000_000, now=1_700_000_000) != ""


def test_backoff_survives_a_night_of_failures() -> None:
    backoff = Backoff(cap=60)
    delays = [backoff.next_delay() for _ in range(5000)]
    assert max(delays) <= 60 and delays[-1] >= 30


def test_a_lone_surrogate_does_not_block_the_page() -> None:
    page = {
        "code": "1000",
        "message": "ok",
        "data": {"list": [chat(1, "half \\ud83d emoji"), chat(2, "next")], "keyBuff": ""},
    }
    body = json.dumps(page, ensure_ascii=False).replace("\\\\ud83d", "\\ud83d").encode()
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)  # what a strict parser would do: the whole page lost
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    config = ClientConfig("http://test", "w", Secret("t"))
    with FinderClient(config, transport=transport) as client:
        result = client.sync("")
    texts = [m.text for m in result.messages]
    assert texts == ["half \ufffd emoji", "next"] and not result.rejected
    assert jsonio.loads(b'{"id": 18446744073709551615, "t": "\\udc00"}') == {
        "id": 18446744073709551615,
        "t": "\ufffd",
    }


def test_the_server_code_is_scrubbed_before_it_reaches_an_error_text() -> None:
    body = orjson.dumps({"code": "\x1b]52;c;cHduZWQ=\x07\x1b[2J", "message": "x", "data": None})
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with FinderClient(ClientConfig("http://t", "w", Secret("t")), transport=transport) as client:
        with pytest.raises(ApiError) as info:
            client.sync("")
    assert "\x1b" not in str(info.value) and "\x07" not in str(info.value)


def test_an_invalid_server_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a valid URL|must look like"):
        resolve(base_url="http://[::1", use_file=False)
    with pytest.raises(ConfigError, match="must look like"):
        resolve(base_url="ftp://host", use_file=False)


def test_a_broken_sysmsg_in_a_session_dedupes_under_new_pseudo_ids() -> None:
    first = chat(7, "<sysmsg type='x'><broken", msg_type=10002)
    again = orjson.loads(orjson.dumps(first))
    again["content"]["msg"]["NewMsgId"] = 999_999
    a, b = parse_item(first), parse_item(again)
    assert isinstance(a, Message) and isinstance(b, Message)
    assert a.kind == "broken" and a.key == b.key


def _collect(events: list[Any], lock: threading.Lock) -> Any:
    def emit(event: Any) -> None:
        with lock:
            events.append(event)

    return emit


def _wait(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_corrupt_segment_is_reported_by_name_and_the_service_goes_on(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    from finder_tui.wire.models import parse_page

    page = parse_page({"list": [chat(i) for i in range(1, 61)], "keyBuff": ""})
    with Store.open(store_dir, seal_at=20) as store:
        for message in page.messages:
            store.ingest([message])
            store.commit()
    segment = next(store_dir.glob("seg-*.json"))
    segment.write_bytes(b"{not json")
    events: list[Any] = []
    service = SyncService(store_dir, None, _collect(events, threading.Lock()))
    service.start()
    _wait(lambda: service.state == ev.OFFLINE)
    service.stop()
    assert not [e for e in events if isinstance(e, ev.StoreFailed)]
    bad = [e for e in events if isinstance(e, ev.SegmentsUnavailable)]
    assert bad and segment.name in bad[0].text() and bad[0].segments[0][0] == segment.name
    assert segment.read_bytes() == b"{not json"


def test_stop_ends_a_catch_up_between_pages_and_aliases_are_saved_at_once(tmp_path: Path) -> None:
    items = seed_items() + generate_items(sessions=5, messages=20_000, seed=3)
    slow = FaultSpec({"slow": 1.0}, slow_seconds=0.02)  # a catch-up of ~20 s
    with DemoServer(token="t", wid="w", items=items, page_size=20, faults=slow) as server:
        events: list[Any] = []
        lock = threading.Lock()
        service = SyncService(
            tmp_path / "store", ClientConfig(server.url, "w", Secret("t")), _collect(events, lock)
        )
        service.start()
        _wait(lambda: service.store is not None and service.store.index.session_count() > 0)
        session_id = service.store.index.sessions()[0].session_id  # type: ignore[union-attr]
        service.set_alias(session_id, "Shop owner")
        head = tmp_path / "store" / "head.json"
        _wait(lambda: head.exists() and b"Shop owner" in head.read_bytes())  # on disk at once
        started = time.monotonic()
        service.stop()
        assert time.monotonic() - started < 5 and not service.running
        assert server.requests < len(items) / 20  # the catch-up did not run to its end
    with Store.open(tmp_path / "store") as store:
        assert store.index.session(session_id).alias == "Shop owner"  # type: ignore[union-attr]


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


def test_an_offline_service_waits_instead_of_spinning(tmp_path: Path) -> None:
    """Offline (and after "sync now" with no server) the store thread must block on its queue:
    a loop with a zero timeout would burn a core and starve the UI of the GIL."""
    events: list[Any] = []
    service = SyncService(tmp_path / "store", None, _collect(events, threading.Lock()))
    service.start()
    _wait(lambda: service.state == ev.OFFLINE)
    service.sync_now()
    started_cpu, started = time.process_time(), time.monotonic()
    time.sleep(1.0)
    cpu = time.process_time() - started_cpu
    wall = time.monotonic() - started
    service.stop()
    assert cpu < 0.5 * wall, f"the idle store thread used {cpu:.2f} s of CPU in {wall:.2f} s"
