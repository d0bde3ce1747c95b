"""The banner of unreadable store files names every bad segment, also when a second one is
found unreadable only when a conversation first reads it."""

from __future__ import annotations

from pathlib import Path

from finder_tui import service_events as ev
from finder_tui.service import SyncService
from tests.test_service import Recorder, sealed_store, wait_until

SESSION = "live-test@findermsg"


def test_a_segment_found_bad_on_first_read_joins_the_ones_found_at_open(tmp_path: Path) -> None:
    store_dir = sealed_store(tmp_path)
    first, second = sorted(store_dir.glob("seg-*.json"))[:2]
    first.write_bytes(first.read_bytes()[:100])  # truncated: seen at open
    data = bytearray(second.read_bytes())
    data[40:60] = b"x" * 20  # garbled in place, same size: seen when first read
    second.write_bytes(bytes(data))
    rec = Recorder()
    service = SyncService(store_dir, None, rec)
    service.start()
    try:
        wait_until(lambda: service.state == ev.OFFLINE)
        assert service.index is not None
        service.index.messages_before(SESSION, None, 1_000)
        wait_until(lambda: len(rec.of(ev.SegmentsUnavailable)) >= 2)
    finally:
        service.stop()
    latest = rec.of(ev.SegmentsUnavailable)[-1]
    assert [name for name, _count in latest.segments] == [first.name, second.name]
    assert first.name in latest.text() and second.name in latest.text()
