"""What a kill or a damaged file leaves behind costs nothing: dedupe reads a segment's keys
from the segment when its sidecar's key blob is cut, and temp files of a cut write go."""

from __future__ import annotations

from pathlib import Path

from finder_tui.demo import generate_items
from finder_tui.store import Store
from finder_tui.store.segments import SegmentIndex, sidecar_path
from finder_tui.wire.models import Message, parse_item


def test_a_truncated_sidecar_still_dedupes_its_segments_messages(store_dir: Path) -> None:
    parsed = [parse_item(item) for item in generate_items(sessions=3, messages=300, seed=3)]
    history = [m for m in parsed if isinstance(m, Message)]
    with Store.open(store_dir, seal_at=40) as store:
        store.ingest(history)
        store.commit()
        first = store.segments[0]
    side = sidecar_path(store_dir / first)
    header = SegmentIndex.read_header(first, side)
    side.write_bytes(side.read_bytes()[: header.blobs["keys"][0] + 8])  # header whole, keys cut
    with Store.open(store_dir, seal_at=40) as store:
        result = store.ingest(history)  # the server re-delivers everything
        assert result.new == []
        assert result.duplicates == len(history)
        assert store.index.message_count == len(history)


def test_temp_files_of_a_write_cut_by_a_kill_are_removed_at_open(store_dir: Path) -> None:
    with Store.open(store_dir, seal_at=40):
        pass
    orphans = [store_dir / ".seg-000003.json.k2j4.tmp", store_dir / ".head.json.x81q.tmp"]
    for orphan in orphans:
        orphan.write_bytes(b'{"messages": {"1": ')
    other = store_dir / ".drafts.json.a1b2.tmp"  # not the store's: left alone
    other.write_bytes(b"")
    with Store.open(store_dir, seal_at=40):
        pass
    assert not any(orphan.exists() for orphan in orphans)
    assert other.exists()
