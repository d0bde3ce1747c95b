"""The first screen kept beside the head (store/glance.py): what it holds, when the store
rewrites it, and that any problem with it reads as "no glance", never as an error."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from finder_tui.store import Store, glance
from finder_tui.store.check import check_store
from finder_tui.store.contacts import Contact
from finder_tui.store.glance import read_glance
from finder_tui.store.sidetable import side_table_files
from finder_tui.wire.models import parse_page
from tests.tui.helpers import Chat, live_item

T0 = int(time.time()) - 3600


def _fill(store: Store, chats: int, *, live_now: bool = False) -> list[Chat]:
    people = [Chat.named(f"peer{i}") for i in range(chats)]
    items = [chat.item(i + 1, T0 + i * 10, f"hello {i}") for i, chat in enumerate(people)]
    if live_now:
        items.append(live_item(chats + 1, T0 + chats * 10, 4242))
    page = parse_page({"list": items, "keyBuff": ""})
    store.ingest(page.messages)
    store.commit()
    return people


def test_a_closed_store_leaves_the_newest_sessions_as_the_list_shows_them(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path) as store:
        people = _fill(store, 70, live_now=True)
        store.set_alias(people[-1].session_id, "Newest")
        store.set_contact(Contact(people[-2].peer, "Nick Two"))
        expected = store.index.sessions()[: glance.ROWS]
    seen = read_glance(tmp_path)
    assert seen is not None
    assert len(seen.sessions) == glance.ROWS < 70
    assert [s.session_id for s in seen.sessions] == [s.session_id for s in expected]
    assert seen.sessions[0].display_name == "Newest"
    assert seen.sessions[1].display_name == "Nick Two"  # nicknames are kept (never in the head)
    assert seen.sessions == expected
    assert [s.object_id for s in seen.open_streams] == ["4242"]
    assert seen.live_now(time.time(), 12 * 3600) == 1
    assert seen.live_now(time.time() + 13 * 3600, 12 * 3600) == 0  # too old to be live
    assert seen.unseen_live == 1


def test_the_glance_is_rewritten_only_when_the_index_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []
    real = glance.write_glance

    def counted(directory: Path, data: bytes) -> None:
        writes.append(len(data))
        real(directory, data)

    monkeypatch.setattr(glance, "write_glance", counted)
    monkeypatch.setattr(glance.GlanceKeeper, "EVERY_SECONDS", 0.0)
    with Store.open(tmp_path) as store:
        people = _fill(store, 3)
        assert len(writes) == 1
        store.commit()  # nothing changed
        assert len(writes) == 1
        store.mark_read(people[0].session_id)
        store.commit()
        assert len(writes) == 2
    assert len(writes) == 2  # closing with nothing new writes nothing


def test_commits_during_a_sync_write_the_glance_at_most_once_a_second_and_close_catches_up(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path) as store:
        _fill(store, 2)
        first = read_glance(tmp_path)
        more = [Chat.named("late").item(100, T0 + 500, "late")]
        store.ingest(parse_page({"list": more, "keyBuff": ""}).messages)
        store.commit()  # within the second: the glance waits
        assert read_glance(tmp_path) == first
    after = read_glance(tmp_path)
    assert after is not None and first is not None
    assert after.sessions[0].session_id == Chat.named("late").session_id
    assert len(after.sessions) == len(first.sessions) + 1


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"version": 2}',
        b"x" * (glance.MAX_BYTES + 10),
    ],
    ids=["empty", "garbage", "not an object", "another version", "too big"],
)
def test_an_unreadable_glance_reads_as_none_and_check_calls_it_harmless(
    tmp_path: Path, damage: bytes
) -> None:
    with Store.open(tmp_path) as store:
        _fill(store, 2)
    (tmp_path / glance.NAME).write_bytes(damage)
    assert read_glance(tmp_path) is None
    report = check_store(tmp_path)
    line = next(f for f in report.files if f.name == glance.NAME)
    assert line.ok and "ignored" in line.detail
    assert all(f.ok for f in report.files)
    with Store.open(tmp_path) as store:  # the store opens, and the next commit rewrites it
        store.mark_read(Chat.named("peer0").session_id)
        store.commit()
    assert read_glance(tmp_path) is not None


def _rewritten(tmp_path: Path, change: object) -> bytes:
    doc = orjson.loads((tmp_path / glance.NAME).read_bytes())
    change(doc)  # type: ignore[operator]
    return orjson.dumps(doc)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["sessions"][0].update(preview=7),
        lambda d: d["sessions"][0].pop("me"),
        lambda d: d["sessions"][0].update(extra="field"),
        lambda d: d["open_streams"][0].update(started_at="soon"),
        lambda d: d["titles"].append("one too many"),
        lambda d: d.update(unseen_live="3"),
        lambda d: d.update(sessions={}),
    ],
    ids=[
        "text field holds a number",
        "field missing",
        "unknown field",
        "bad stream",
        "titles do not match",
        "count not a number",
        "sessions not a list",
    ],  # fmt: skip
)
def test_a_glance_with_a_field_of_the_wrong_shape_is_not_used(
    tmp_path: Path, change: object
) -> None:
    with Store.open(tmp_path) as store:
        _fill(store, 2, live_now=True)
    assert read_glance(tmp_path) is not None
    (tmp_path / glance.NAME).write_bytes(_rewritten(tmp_path, change))
    assert read_glance(tmp_path) is None


def test_the_glance_is_private_and_not_taken_for_a_side_table(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        _fill(store, 1)
    path = tmp_path / glance.NAME
    assert path.stat().st_mode & 0o777 == 0o600
    assert path not in side_table_files(tmp_path)
    line = next(f for f in check_store(tmp_path).files if f.name == glance.NAME)
    assert line.ok and line.detail == "first screen: 1 sessions"


def test_live_names_follow_the_badge_rule_of_up_to_two_known_names() -> None:
    now = time.time()
    stream = glance.LiveStream("1", started_at=int(now) - 60)
    old = glance.LiveStream("2", started_at=int(now) - 20 * 3600)
    one = glance.Glance([], [stream, old], ["Cook", "Old"], 0)
    assert one.live_names(now, 12 * 3600) == ("Cook",)  # the stale one is not live
    unknown = glance.Glance([], [stream], ["a followed account"], 0)
    assert unknown.live_names(now, 12 * 3600) == ()
    three = [glance.LiveStream(str(i), started_at=int(now) - 60) for i in range(3)]
    many = glance.Glance([], three, ["A", "B", "C"], 0)
    assert many.live_now(now, 12 * 3600) == 3
    assert many.live_names(now, 12 * 3600) == ()  # three live: the badge shows a count only


def test_opening_and_closing_without_a_change_leaves_the_glance_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(tmp_path) as store:
        _fill(store, 2)
    writes: list[bytes] = []
    monkeypatch.setattr(glance, "write_glance", lambda _d, data: writes.append(data))
    with Store.open(tmp_path, lazy_history=True):
        pass  # as `finder-tui stats` does
    assert writes == []
    (tmp_path / glance.NAME).unlink()
    with Store.open(tmp_path, lazy_history=True):
        pass
    assert len(writes) == 1  # none there (a store of an older version): written at close
