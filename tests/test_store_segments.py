"""Sealed history on disk: per-session slices, on-demand reads, a bad segment, check/repair."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from finder_tui.cli import main
from finder_tui.demo import generate_items
from finder_tui.search import search
from finder_tui.store import Store, StoreCorruptError
from finder_tui.store.segments import WHOLE_FILE, SegmentIndex, sidecar_path
from finder_tui.wire.models import Message, parse_item

SEAL_AT = 50


def parse_all(items: list[dict[str, Any]]) -> list[Message]:
    out = [parse_item(item) for item in items]
    assert all(isinstance(m, Message) for m in out)
    return [m for m in out if isinstance(m, Message)]


@pytest.fixture()
def history() -> list[Message]:
    return parse_all(generate_items(sessions=4, messages=600, seed=11))


@pytest.fixture()
def sealed_store(store_dir: Path, history: list[Message]) -> Path:
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        for start in range(0, len(history), 40):
            store.ingest(history[start : start + 40])
            store.commit()
        assert len(store.segments) >= 6
    return store_dir


def by_session(messages: list[Message], sid: str) -> list[Message]:
    return sorted(
        (m for m in messages if m.session_id == sid), key=lambda m: (m.create_time, m.seq)
    )


def busiest(messages: list[Message]) -> str:
    counts: dict[str, int] = {}
    for m in messages:
        if m.session_id:
            counts[m.session_id] = counts.get(m.session_id, 0) + 1
    return max(counts, key=lambda sid: counts[sid])


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_sealed_segment_is_a_tinydb_file_grouped_by_session(sealed_store: Path) -> None:
    head = orjson.loads((sealed_store / "head.json").read_bytes())
    name = head["meta"]["1"]["segments"][0]
    docs = list(orjson.loads((sealed_store / name).read_bytes())["messages"].values())
    sids = [d["sid"] for d in docs]
    groups = [sid for i, sid in enumerate(sids) if i == 0 or sids[i - 1] != sid]
    assert len(groups) == len(set(groups))  # each session's documents are contiguous
    assert head["meta"]["1"]["segment_counts"][name][0] == len(docs)
    assert sidecar_path(sealed_store / name).exists()


def test_opening_reads_no_sealed_message_until_a_conversation_asks(
    sealed_store: Path, history: list[Message]
) -> None:
    with Store.open(sealed_store, seal_at=SEAL_AT) as store:
        sealed = store.index.sealed
        assert sealed is not None and sealed._cached == 0
        assert store.index.message_count == len(history)
        sid = busiest(history)
        assert store.index.messages(sid) == by_session(history, sid)
        assert sealed._cached > 0


def test_messages_before_pages_older_history_newest_first(
    sealed_store: Path, history: list[Message]
) -> None:
    sid = busiest(history)
    expected = by_session(history, sid)
    with Store.open(sealed_store, seal_at=SEAL_AT) as store:
        pages: list[list[Message]] = []
        before = None
        while page := store.index.messages_before(sid, before, 25):
            pages.append(page)
            before = (page[0].create_time, page[0].seq)
        assert store.index.sealed is not None and store.index.sealed._cached == 0
    assert pages[0] == expected[-25:]
    assert [m for page in reversed(pages) for m in page] == expected


def test_global_search_finds_sealed_messages_without_loading_history(
    sealed_store: Path, history: list[Message]
) -> None:
    word = "发货"
    expected = {m.key for m in history if m.session_id and word in m.text and m.kind == "text"}
    assert expected
    with Store.open(sealed_store, seal_at=SEAL_AT) as store:
        result = search(store.index, word, limit=1000)
        assert {h.message.key for h in result.hits} == expected
        assert result.total == len(expected)
        newest = search(store.index, word, limit=3)
        keys = sorted(
            (m for m in history if m.key in expected), key=lambda m: (m.create_time, m.seq)
        )
        assert [h.message.key for h in newest.hits] == [m.key for m in keys[::-1][:3]]
        assert newest.total == len(expected)


def test_the_session_cache_is_bounded(sealed_store: Path, history: list[Message]) -> None:
    with Store.open(sealed_store, seal_at=SEAL_AT) as store:
        sealed = store.index.sealed
        assert sealed is not None
        sealed.cache_messages = 120
        for summary in store.index.sessions():
            store.index.messages(summary.session_id)
        assert sealed._cached <= 120 or len(sealed._cache) == 1


def test_a_segment_written_by_an_older_version_is_indexed_in_place(
    sealed_store: Path, history: list[Message]
) -> None:
    name = "seg-000002.json"
    path = sealed_store / name
    docs = list(orjson.loads(path.read_bytes())["messages"].values())
    docs.sort(key=lambda d: d["k"])  # not grouped by session, as before
    path.write_bytes(orjson.dumps({"messages": {str(i): d for i, d in enumerate(docs, 1)}}))
    sidecar_path(path).unlink()
    before = path.read_bytes()
    with Store.open(sealed_store, seal_at=SEAL_AT) as store:
        assert store.bad_segments == []
        assert {m.key for m in store.index.all_messages()} == {m.key for m in history}
    assert path.read_bytes() == before
    assert sidecar_path(path).exists()


@pytest.mark.parametrize("damage", ["truncate", "delete", "garble"])
def test_a_bad_segment_takes_only_its_own_messages(
    sealed_store: Path, history: list[Message], damage: str
) -> None:
    name = "seg-000003.json"
    path = sealed_store / name
    held = len(orjson.loads(path.read_bytes())["messages"])
    lost = {d["k"] for d in orjson.loads(path.read_bytes())["messages"].values()}
    if damage == "truncate":
        truncate(path)
    elif damage == "delete":
        path.unlink()
    else:
        data = bytearray(path.read_bytes())
        data[100:140] = b"#" * 40  # same size: found when first read
        path.write_bytes(bytes(data))
    with Store.open(sealed_store, seal_at=SEAL_AT) as store:
        everything = store.index.all_messages()
        assert {m.key for m in everything} == {m.key for m in history} - lost or damage == "garble"
        assert [(b.name, b.messages) for b in store.bad_segments] == [(name, held)]
        more = parse_all(generate_items(sessions=2, messages=120, seed=99, start_seq=90_000))
        assert len(store.ingest(more).new) == 120  # sync goes on
        store.commit()
    with Store.open(sealed_store, seal_at=SEAL_AT) as store:
        assert {m.key for m in more} <= {m.key for m in store.index.all_messages()}


def test_check_reports_and_repair_sets_the_bad_segment_aside(
    sealed_store: Path, history: list[Message], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--store", str(sealed_store)]) == 0
    assert "store is sound" in capsys.readouterr().out
    name = "seg-000002.json"
    held = len(orjson.loads((sealed_store / name).read_bytes())["messages"])
    truncate(sealed_store / name)
    assert main(["check", "--store", str(sealed_store)]) == 1
    out = capsys.readouterr().out
    assert f"BAD  {name} ({held:,} messages)" in out

    for command in (["stats"], ["sessions"], ["show", busiest(history)]):
        assert main([*command, "--store", str(sealed_store)]) == 0
    capsys.readouterr()

    assert main(["check", "--repair", "--store", str(sealed_store)]) == 0
    out = capsys.readouterr().out
    assert f"moved aside as {name}.corrupt" in out
    assert (sealed_store / f"{name}.corrupt").exists() and not (sealed_store / name).exists()
    assert main(["check", "--store", str(sealed_store)]) == 0
    assert "store is sound" in capsys.readouterr().out
    with Store.open(sealed_store, seal_at=SEAL_AT) as store:
        assert store.bad_segments == []
        assert name not in store.segments
        total = sum(s.count for s in store.index.sessions())
        assert total == store.index.message_count - store.index.notice_count()
        assert total == len(store.index.all_messages()) - store.index.notice_count()


def test_a_missing_sidecar_is_rebuilt(sealed_store: Path, history: list[Message]) -> None:
    sidecar_path(sealed_store / "seg-000001.json").unlink()
    with Store.open(sealed_store, seal_at=SEAL_AT) as store:
        assert {m.key for m in store.index.all_messages()} == {m.key for m in history}
    assert sidecar_path(sealed_store / "seg-000001.json").exists()


def test_a_corrupt_head_stays_a_refusal_that_check_explains(
    sealed_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncate(sealed_store / "head.json")
    with pytest.raises(StoreCorruptError):
        Store.open(sealed_store)
    assert main(["check", "--repair", "--store", str(sealed_store)]) == 1
    out = capsys.readouterr().out
    assert "BAD  head.json" in out and "sync cursor" in out
    assert (sealed_store / "seg-000001.json").exists()


def test_a_side_table_is_its_own_atomic_file_checked_with_the_store(
    store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(store_dir) as store:
        notes = store.side_table("notes")
        notes.table("names").insert({"id": "fv1_x", "name": "小王"})
        notes.commit()
        assert notes.dirty is False
    with Store.open(store_dir) as store:
        assert store.side_table("notes").table("names").all() == [{"id": "fv1_x", "name": "小王"}]
    assert main(["check", "--store", str(store_dir)]) == 0
    assert "notes.json" in capsys.readouterr().out
    (store_dir / "notes.json").write_bytes(b'{"names": {"1": {"id"')
    assert main(["check", "--repair", "--store", str(store_dir)]) == 1
    out = capsys.readouterr().out
    assert "BAD  notes.json" in out
    assert (store_dir / "notes.json").exists()
    with pytest.raises(StoreCorruptError, match="notes.json"):
        with Store.open(store_dir) as store:
            store.side_table("notes")


def test_old_ended_live_streams_move_out_of_the_head_and_still_load(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from finder_tui.demo.data import build_live_notice
    from finder_tui.store import livearchive

    monkeypatch.setattr(livearchive, "KEEP_ENDED", 5)
    monkeypatch.setattr(livearchive, "ARCHIVE_BATCH", 5)
    notices: list[dict[str, Any]] = []
    for n in range(30):
        for is_start in (True, False) if n < 27 else (True,):
            seq = 1 + len(notices)
            notices.append(
                build_live_notice(
                    start=is_start, object_id=10**19 + n, seq=seq, create_time=10**9 + seq,
                    new_msg_id=10**18 + seq, live_id=7,
                )
            )  # fmt: skip
    messages = parse_all(notices)
    with Store.open(store_dir) as store:
        for at in range(0, len(messages), 6):
            store.ingest(messages[at : at + 6])
            store.commit()
        before = sorted((s.to_doc() for s in store.index.live_streams()), key=str)
    head = orjson.loads((store_dir / "head.json").read_bytes())
    assert len(head["live"]) < 20  # 3 live now + the newest ended ones
    assert (store_dir / "live_archive.json").exists()
    with Store.open(store_dir) as store:
        after = sorted((s.to_doc() for s in store.index.live_streams()), key=str)
        assert after == before and len(after) == 30
        assert store.index.live_now_count(now=10**9 + 100) == 3


def test_a_rebuilt_sidecar_keeps_each_sessions_byte_range(sealed_store: Path) -> None:
    side = sidecar_path(sealed_store / "seg-000002.json")
    written = SegmentIndex.read_header("seg-000002.json", side)
    side.unlink()
    with Store.open(sealed_store, seal_at=SEAL_AT):
        pass
    rebuilt = SegmentIndex.read_header("seg-000002.json", side)
    assert rebuilt.rows == written.rows  # byte ranges, not "parse the whole file"
    assert all(row[1] != WHOLE_FILE for row in rebuilt.rows)
    assert rebuilt.read_keys() == written.read_keys()


def test_a_message_is_found_by_its_key_in_the_head_and_in_any_sealed_segment(
    sealed_store: Path, history: list[Message]
) -> None:
    with Store.open(sealed_store, lazy_history=True) as store:
        store.load_segments()
        head = {m.key for m in store.index.head_messages()}
        sealed = [m for m in history if m.key not in head]
        assert sealed and head
        for wanted in (sealed[0], sealed[len(sealed) // 2], sealed[-1], history[-1]):
            found = store.index.find_message(wanted.key)
            assert found is not None
            assert (found.key, found.session_id, found.text) == (
                wanted.key,
                wanted.session_id,
                wanted.text,
            )
        assert store.index.find_message(str(2**64 - 2)) is None
