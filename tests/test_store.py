"""The store: commit and reopen, locking, corruption, write failures, sealing, read state."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from finder_tui.demo import generate_items, seed_items
from finder_tui.demo.data import build_item, build_live_notice
from finder_tui.store import (
    Store,
    StoreCorruptError,
    StoreInUseError,
    StoreVersionError,
    StoreWriteError,
)
from finder_tui.store import storage as storage_mod
from finder_tui.store.index import Index
from finder_tui.store.index_records import SessionSummary
from finder_tui.wire.models import Message, SyncPage, parse_item

SEED_KEY_BUFF = "CgUIARDaCQoECAIQAAoECAMQAAoECAQQAAoECAUQAAoECAYQAAoECAcQAAoECAgQAAoECAkQABAA"
STRANGER_SESSION_PREFIX = "cb68e69522"
SHOP_SESSION_PREFIX = "a37c87fbfb"


def parse_all(items: list[dict[str, Any]]) -> list[Message]:
    out = []
    for item in items:
        result = parse_item(item)
        assert isinstance(result, Message)
        out.append(result)
    return out


def session_of(index: Index, session_id: str) -> SessionSummary:
    """The session's summary; fails the test if the index has no such session."""
    found = index.session(session_id)
    assert found is not None, f"no session {session_id!r}"
    return found


def session_with(store: Store, prefix: str) -> str:
    (sid,) = [s.session_id for s in store.index.sessions() if s.session_id.startswith(prefix)]
    return sid


def snapshot(store: Store) -> dict[str, Any]:
    index = store.index
    return {
        "messages": sorted((m.to_doc() for m in index.all_messages()), key=lambda d: d["k"]),
        "sessions": [s.to_doc() for s in index.sessions()],
        "live": sorted((s.to_doc() for s in index.live_streams()), key=lambda d: d["object_id"]),
        "key_buff": store.key_buff,
        "count": index.message_count,
    }


def open_full(directory: Path, **kwargs: Any) -> Store:
    store = Store.open(directory, **kwargs)
    if not store.index.complete:
        store.load_segments()
    return store


def disk_docs(directory: Path) -> list[dict[str, Any]]:
    """Every message document on disk: the head plus the segments the head lists."""
    head = orjson.loads((directory / "head.json").read_bytes())
    docs = list(head.get("messages", {}).values())
    meta = head.get("meta", {}).get("1", {})
    for name in meta.get("segments", []):
        docs += orjson.loads((directory / name).read_bytes()).get("messages", {}).values()
    return docs


@pytest.fixture()
def seeded(store_dir: Path, seed_page: SyncPage) -> Path:
    with Store.open(store_dir) as store:
        store.ingest(seed_page.messages)
        store.set_key_buff(seed_page.key_buff, synced_at=1700000000.0)
        store.commit()
    return store_dir


# ---- commit and reopen -----------------------------------------------------------------------


def test_reopen_gives_identical_state(store_dir: Path, seed_page: SyncPage) -> None:
    store = Store.open(store_dir)
    result = store.ingest(seed_page.messages)
    assert len(result.new) == 19 and result.duplicates == 0
    store.set_key_buff(seed_page.key_buff, synced_at=1700000000.0)
    store.commit()
    before = snapshot(store)
    store.close()

    with Store.open(store_dir) as again:
        assert snapshot(again) == before
        assert again.key_buff == SEED_KEY_BUFF
        assert again.last_success == 1700000000.0
        assert again.index.session_count() == 3
        assert len(again.index.live_streams()) == 8
        assert again.ingest(seed_page.messages).duplicates == 19


def test_uncommitted_messages_are_not_on_disk(store_dir: Path, seed_page: SyncPage) -> None:
    store = Store.open(store_dir)
    store.ingest(seed_page.messages[:5])
    store.commit()
    store.ingest(seed_page.messages[5:])
    store.set_key_buff(seed_page.key_buff)
    assert store.pending == 14
    # Read the head as another reader would, before the next commit.
    assert len(disk_docs(store_dir)) == 5
    assert orjson.loads((store_dir / "head.json").read_bytes())["meta"]["1"]["key_buff"] == ""
    store.close()  # close commits
    assert len(disk_docs(store_dir)) == 19


def test_permissions(seeded: Path) -> None:
    with Store.open(seeded, seal_at=5) as store:
        store.ingest(parse_all(generate_items(sessions=2, messages=20, seed=1)))
        store.commit()
    assert stat.S_IMODE(seeded.stat().st_mode) == 0o700
    files = [p for p in seeded.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"head.json", "lock", "seg-000001.json"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


# ---- locking ---------------------------------------------------------------------------------


def test_second_open_in_process_is_refused(seeded: Path) -> None:
    with Store.open(seeded):
        with pytest.raises(StoreInUseError) as info:
            Store.open(seeded)
        message = str(info.value)
        assert str(seeded) in message and "in use" in message
    with Store.open(seeded) as store:  # released on close
        assert store.index.message_count == 19


def test_second_open_from_another_process_is_refused(seeded: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        from finder_tui.store import Store, StoreInUseError
        try:
            Store.open(sys.argv[1])
        except StoreInUseError as exc:
            print(exc)
            sys.exit(3)
        sys.exit(0)
        """
    )
    with Store.open(seeded):
        proc = subprocess.run(
            [sys.executable, "-c", code, str(seeded)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 3, proc.stderr
    assert "in use by another finder-tui process" in proc.stdout
    assert str(seeded) in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-c", code, str(seeded)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---- corruption and versions -----------------------------------------------------------------


def _corruptions(original: bytes) -> dict[str, bytes]:
    return {
        "truncated": original[: len(original) // 2],
        "one-byte-short": original[:-1],
        "binary": b"\x00\xff\xfe garbage \x1b[2J",
        "list": b"[1, 2, 3]",
        "table-not-object": b'{"messages": [1, 2]}',
        "document-of-wrong-shape": b'{"messages": {"1": {"oops": 1}}}',
    }


@pytest.mark.parametrize(
    "kind",
    [
        "truncated",
        "one-byte-short",
        "binary",
        "list",
        "table-not-object",
        "document-of-wrong-shape",
    ],
)
def test_corrupt_head_is_reported_and_left_alone(seeded: Path, kind: str) -> None:
    head = seeded / "head.json"
    original = head.read_bytes()
    bad = _corruptions(original)[kind]
    head.write_bytes(bad)
    with pytest.raises(StoreCorruptError) as info:
        Store.open(seeded)
    assert str(head) in str(info.value)
    assert head.read_bytes() == bad
    head.write_bytes(original)
    with Store.open(seeded) as store:  # the failed open released the lock
        assert store.index.message_count == 19


def test_newer_schema_is_refused_and_left_alone(seeded: Path) -> None:
    head = seeded / "head.json"
    data = orjson.loads(head.read_bytes())
    data["meta"]["1"]["schema"] = 99
    newer = orjson.dumps(data)
    head.write_bytes(newer)
    before = {p.name: p.read_bytes() for p in seeded.iterdir()}
    with pytest.raises(StoreVersionError) as info:
        Store.open(seeded)
    assert "99" in str(info.value) and str(head) in str(info.value)
    assert head.read_bytes() == newer
    assert {p.name: p.read_bytes() for p in seeded.iterdir()} == before  # nothing written


# ---- write failures --------------------------------------------------------------------------


@contextlib.contextmanager
def unwritable(directory: Path) -> Iterator[None]:
    """chmod 0500; where that does not stop writes (root), fail the atomic write instead."""
    directory.chmod(0o500)
    try:
        with pytest.MonkeyPatch.context() as patch:
            probe = directory / ".probe"
            try:
                probe.write_bytes(b"x")
            except PermissionError:
                pass
            else:
                probe.unlink()

                def full_disk(path: Path, data: bytes, mode: int = 0o600) -> None:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

                patch.setattr(storage_mod, "atomic_write_bytes", full_disk)
            yield
    finally:
        directory.chmod(0o700)


def test_write_failure_keeps_previous_commit(seeded: Path) -> None:
    head = seeded / "head.json"
    committed = head.read_bytes()
    extra = parse_all(generate_items(sessions=2, messages=30, seed=5))
    store = Store.open(seeded)
    store.ingest(extra)
    store.set_key_buff("bmV3ZXI=")
    with unwritable(seeded):
        with pytest.raises(StoreWriteError) as info:
            store.commit()
        assert str(head) in str(info.value)
        assert "intact" in str(info.value)
        assert head.read_bytes() == committed
    assert [p.name for p in seeded.iterdir() if p.name.endswith(".tmp")] == []
    store.commit()  # the retry succeeds once the disk is writable again
    store.close()
    with Store.open(seeded) as again:
        assert again.index.message_count == 19 + 30
        assert again.key_buff == "bmV3ZXI="


def test_failed_commit_retry_writes_no_duplicate_documents(seeded: Path) -> None:
    extra = parse_all(generate_items(sessions=2, messages=30, seed=5))
    store = Store.open(seeded)
    store.ingest(extra)
    with unwritable(seeded):
        with pytest.raises(StoreWriteError):
            store.commit()
    store.commit()
    store.close()
    docs = disk_docs(seeded)
    keys = [d["k"] for d in docs]
    assert len(keys) == len(set(keys)) == 49


@pytest.mark.parametrize("failing", ["segment", "head"])
def test_write_failure_while_sealing(
    seeded: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    real = storage_mod.atomic_write_bytes

    def flaky(path: Path, data: bytes, mode: int = 0o600) -> None:
        is_head = path.name == "head.json"
        if is_head == (failing == "head"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data, mode)

    committed = (seeded / "head.json").read_bytes()
    extra = parse_all(generate_items(sessions=2, messages=30, seed=5))
    store = Store.open(seeded, seal_at=30)
    store.ingest(extra)
    with monkeypatch.context() as patch:
        patch.setattr(storage_mod, "atomic_write_bytes", flaky)
        with pytest.raises(StoreWriteError):
            store.commit()
    assert (seeded / "head.json").read_bytes() == committed
    store.commit()
    store.close()
    with open_full(seeded, seal_at=30) as again:
        assert again.segments == ["seg-000001.json"]
        assert again.index.message_count == 49
    docs = disk_docs(seeded)
    assert len(docs) == len({d["k"] for d in docs}) == 49


def test_close_after_failed_commit_raises_and_releases_lock(seeded: Path) -> None:
    store = Store.open(seeded)
    store.ingest(parse_all(generate_items(sessions=1, messages=3, seed=9)))
    with unwritable(seeded):
        with pytest.raises(StoreWriteError):
            store.close()
    with Store.open(seeded) as again:
        assert again.index.message_count == 19


# ---- sealing ---------------------------------------------------------------------------------


def test_sealing_keeps_every_message(store_dir: Path) -> None:
    messages = parse_all(generate_items(sessions=6, messages=500, seed=21))
    keys = {m.key for m in messages}
    assert len(keys) == 500
    with Store.open(store_dir, seal_at=50) as store:
        for start in range(0, 500, 37):
            result = store.ingest(messages[start : start + 37])
            assert len(result.new) == len(messages[start : start + 37])
            store.commit()
        before = snapshot(store)
        segments = store.segments
    assert len(segments) >= 5
    assert all((store_dir / name).exists() for name in segments)
    head_docs = orjson.loads((store_dir / "head.json").read_bytes())["messages"]
    assert len(head_docs) <= 50
    seg_bytes = sum((store_dir / name).stat().st_size for name in segments)
    assert (store_dir / "head.json").stat().st_size < seg_bytes / 4

    store = Store.open(store_dir, seal_at=50, lazy_history=True)
    assert store.index.complete is False
    assert store.load_segments() == 500 - len(head_docs)
    assert store.index.complete is True
    assert {m.key for m in store.index.all_messages()} == keys
    assert snapshot(store) == before
    again = store.ingest(messages)
    assert again.new == [] and again.duplicates == 500
    store.close()
    docs = disk_docs(store_dir)
    assert len(docs) == 500 and {d["k"] for d in docs} == keys


_KILL_AT_HEAD = textwrap.dedent(
    """
    import os, sys
    import orjson
    from finder_tui.store import Store, storage
    from finder_tui.wire.models import parse_item

    real = storage.atomic_write_bytes

    def write(path, data, mode=0o600):
        if path.name == "head.json":
            os._exit(9)  # killed between the segment write and the head commit
        real(path, data, mode)

    store = Store.open(sys.argv[1], seal_at=50)
    store.ingest([parse_item(i) for i in orjson.loads(sys.stdin.buffer.read())])
    storage.atomic_write_bytes = write
    store.commit()
    """
)


def test_orphan_segment_is_ignored(store_dir: Path) -> None:
    items = generate_items(sessions=3, messages=70, seed=8)
    first, second = parse_all(items[:40]), parse_all(items[40:])
    with Store.open(store_dir, seal_at=50) as store:
        store.ingest(first)
        store.commit()
    committed = (store_dir / "head.json").read_bytes()
    proc = subprocess.run(
        [sys.executable, "-c", _KILL_AT_HEAD, str(store_dir)],
        input=orjson.dumps(items[40:]),
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 9, proc.stderr.decode()
    orphan = store_dir / "seg-000001.json"
    assert orphan.exists()
    assert len(orjson.loads(orphan.read_bytes())["messages"]) == 70
    assert (store_dir / "head.json").read_bytes() == committed

    with Store.open(store_dir, seal_at=50) as store:
        assert store.segments == []
        assert store.index.complete is True
        assert {m.key for m in store.index.all_messages()} == {m.key for m in first}
        assert len(store.ingest(second).new) == 30
        store.commit()
        assert store.segments == ["seg-000001.json"]
    with open_full(store_dir, seal_at=50) as store:
        assert store.index.message_count == 70
    docs = disk_docs(store_dir)
    assert len(docs) == 70 == len({d["k"] for d in docs})


def test_unlisted_foreign_segment_is_not_loaded(seeded: Path) -> None:
    foreign = parse_all(generate_items(sessions=1, messages=10, seed=4))
    (seeded / "seg-000007.json").write_bytes(
        orjson.dumps({"messages": {str(i): m.to_doc() for i, m in enumerate(foreign, 1)}})
    )
    with open_full(seeded) as store:
        assert store.index.message_count == 19
        assert not any(store.index.has_key(m.key) for m in foreign)


# ---- read state, aliases, live ---------------------------------------------------------------


def test_unread_mark_read_and_alias_persist(seeded: Path) -> None:
    with Store.open(seeded) as store:
        stranger = session_with(store, STRANGER_SESSION_PREFIX)
        shop = session_with(store, SHOP_SESSION_PREFIX)
        unread = {s.session_id: s.unread for s in store.index.sessions()}
        assert unread[stranger] == 2
        assert sum(unread.values()) == 2
        assert store.mark_read(stranger) is True
        assert store.mark_read(stranger) is False  # nothing left to mark
        assert store.set_alias(shop, "  Shop\x1b[2J 店铺 ") is True
        assert store.set_alias("no-such-session", "x") is False
    with Store.open(seeded) as store:
        assert session_of(store.index, stranger).unread == 0
        assert session_of(store.index, shop).alias == "Shop[2J 店铺"
        newer = build_item(
            seq=1300,
            create_time=1700000000,
            new_msg_id=99,
            msg_type=1,
            content="还在吗",
            from_user="fv1_peer@findermsgstranger",
            to_user="me",
            is_sender=0,
            session_id=stranger,
        )
        store.ingest(parse_all([newer]))
        assert session_of(store.index, stranger).unread == 1
    with Store.open(seeded) as store:
        summary = store.index.session(stranger)
        assert summary is not None and summary.unread == 1 and summary.count == 4
        assert session_of(store.index, shop).alias == "Shop[2J 店铺"


def test_live_now_persists(seeded: Path) -> None:
    started_at = int(time.time()) - 60  # recent: an older start with no end is not live
    start = build_live_notice(
        start=True,
        object_id="15000000000000000001",
        seq=1300,
        create_time=started_at,
        new_msg_id=1,
    )
    with Store.open(seeded) as store:
        result = store.ingest(parse_all([start]))
        assert [(c.event, c.stream.object_id) for c in result.live_changes] == [
            ("started", "15000000000000000001")
        ]
        assert store.index.live_now_count() == 1
        assert store.index.unseen_live_notices() == 12
        assert store.mark_live_seen() is True
    with Store.open(seeded) as store:
        assert store.index.live_now_count() == 1
        (live,) = [s for s in store.index.live_streams() if s.open_ended]
        assert live.object_id == "15000000000000000001" and live.started_at == started_at
        assert store.index.live_streams()[0].object_id == live.object_id  # live first
        assert len(store.index.live_streams()) == 9
        assert store.index.unseen_live_notices() == 0


def test_index_orders_newest_first(store_dir: Path) -> None:
    messages = parse_all(seed_items() + generate_items(sessions=8, messages=300, seed=2))
    with Store.open(store_dir) as store:
        store.ingest(list(reversed(messages)))  # arrival order must not matter
        sessions = store.index.sessions()
        order = [(s.last_time, s.last_seq) for s in sessions]
        assert order == sorted(order, reverse=True)
        newest = max((m for m in messages if m.session_id), key=lambda m: (m.create_time, m.seq))
        assert sessions[0].session_id == newest.session_id
        for summary in sessions:
            conv = store.index.messages(summary.session_id)
            assert [(m.create_time, m.seq) for m in conv] == sorted(
                (m.create_time, m.seq) for m in conv
            )
            assert summary.count == len(conv)
            assert summary.last_seq == conv[-1].seq
    with Store.open(store_dir) as store:
        assert [s.session_id for s in store.index.sessions()] == [s.session_id for s in sessions]


def test_session_summary_copy_keeps_every_field() -> None:
    # copy() spells its fields out for speed; a field added later must not be dropped by it.
    values: dict[str, Any] = {}
    for n, field in enumerate(dataclasses.fields(SessionSummary)):
        if field.type in ("bool", bool):
            values[field.name] = True
        elif field.type in ("int", int):
            values[field.name] = 1000 + n
        else:
            values[field.name] = f"value-{n}"
    original = SessionSummary(**values)
    copied = original.copy()
    assert copied == original and copied is not original
    assert SessionSummary.from_doc(original.to_doc()) == original
    with_unknown = {**original.to_doc(), "field_from_a_newer_version": 1}
    assert SessionSummary.from_doc(with_unknown) == original
