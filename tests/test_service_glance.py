"""How a UI's service opens the store when a first screen (glance.json) is there: the UI may
paint from it at once, and the head is parsed only after that first frame."""

from __future__ import annotations

import time
from pathlib import Path

from finder_tui import service_events as ev
from finder_tui.service import SyncService
from finder_tui.store import Store, glance
from finder_tui.wire.models import parse_page
from tests.test_service import Events
from tests.tui.helpers import Chat

T0 = 1_700_000_000


def _seeded(store_dir: Path) -> list[Chat]:
    people = [Chat.named(f"peer{i}") for i in range(3)]
    items = [chat.item(i + 1, T0 + i * 60, f"hi {i}") for i, chat in enumerate(people)]
    with Store.open(store_dir) as store:
        store.ingest(parse_page({"list": items, "keyBuff": ""}).messages)
        store.commit()
    return people


def _opened_events(events: Events) -> list[ev.StoreOpened]:
    return [e for e in events.all() if isinstance(e, ev.StoreOpened)]


def test_with_a_glance_the_first_frame_comes_before_the_head_is_opened(tmp_path: Path) -> None:
    people = _seeded(tmp_path)
    events = Events()
    service = SyncService(tmp_path, None, events, poll_interval=600, wait_for_ui=True)
    service.start()
    try:
        assert service.opened.wait(10)
        assert service.glance is not None
        assert [s.session_id for s in service.glance.sessions] == [
            c.session_id for c in reversed(people)
        ]
        time.sleep(0.2)
        assert service.store is None and not _opened_events(events)  # waiting for the frame
        service.first_frame.set()
        events.wait_for(lambda: service.state == ev.OFFLINE)
        assert service.index is not None and service.index.session_count() == 3
        assert len(_opened_events(events)) == 1
    finally:
        service.stop(timeout=10)


def test_without_a_glance_the_head_opens_before_the_first_frame(tmp_path: Path) -> None:
    _seeded(tmp_path)
    (tmp_path / glance.NAME).write_bytes(b"{cut sho")  # as a crash mid-write could leave it
    events = Events()
    service = SyncService(tmp_path, None, events, poll_interval=600, wait_for_ui=True)
    service.start()
    try:
        assert service.opened.wait(10)
        assert service.glance is None
        assert service.index is not None and service.index.session_count() == 3
    finally:
        service.stop(timeout=10)


def test_a_service_without_a_ui_never_reads_the_glance_nor_waits(tmp_path: Path) -> None:
    _seeded(tmp_path)
    events = Events()
    service = SyncService(tmp_path, None, events, poll_interval=600)
    service.start()
    try:
        events.wait_for(lambda: service.state == ev.OFFLINE)
        assert service.glance is None and service.index is not None
    finally:
        service.stop(timeout=10)


def test_stopping_while_the_first_frame_is_awaited_ends_the_thread_at_once(
    tmp_path: Path,
) -> None:
    _seeded(tmp_path)
    service = SyncService(tmp_path, None, Events(), poll_interval=600, wait_for_ui=True)
    service.start()
    assert service.opened.wait(10)
    started = time.monotonic()
    service.stop(timeout=10)
    assert not service.running
    assert time.monotonic() - started < 0.9  # not the 1 s wait for a frame that never comes
