"""Live streams tell the truth: stale starts are not live, ends pair in any order, names not ids."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from finder_tui.demo.data import build_item, build_live_notice
from finder_tui.store import Store, live
from finder_tui.store.index import Index
from finder_tui.store.index_records import LiveStream
from finder_tui.wire.models import Message, parse_item

NOW = int(time.time())
OBJECT = 14_215_000_000_000_000_111
OTHER = 14_215_000_000_000_000_222
SESSION = "a" * 64 + "@findermsg"
PEER = "v2_060000231003b20faec8c6e48d1fc4d3cd03e438b077" + "f229@finder"


def notice(seq: int, when: int, object_id: int, *, start: bool = True) -> Message:
    item = build_live_notice(
        start=start,
        object_id=object_id,
        seq=seq,
        create_time=when,
        new_msg_id=9_000_000 + seq,
        live_id=2_080_000_000_000_000_000 + seq,
    )
    return parsed(item)


def parsed(item: dict[str, Any]) -> Message:
    message = parse_item(item)
    assert isinstance(message, Message)
    return message


def feed_share(seq: int, object_id: int, nickname: str) -> Message:
    content = (
        '<msg><appmsg appid="" sdkver="0"><title>当前微信版本不支持展示该内容</title>'
        f"<type>51</type><finderFeed><objectId>{object_id}</objectId><feedType>4</feedType>"
        f"<nickname>{nickname}</nickname><username>{PEER}</username><avatar></avatar>"
        "<desc>今晚直播</desc></finderFeed></appmsg></msg>"
    )
    return parsed(
        build_item(
            seq=seq,
            create_time=NOW - 100,
            new_msg_id=8_000_000 + seq,
            msg_type=49,
            content=content,
            from_user=PEER,
            to_user="wxid_me",
            is_sender=0,
            session_id=SESSION,
        )
    )


def test_a_start_two_days_old_with_no_end_is_no_end_seen_and_not_counted() -> None:
    index = Index()
    index.add([notice(1, NOW - 2 * 86400, OBJECT), notice(2, NOW - 600, OTHER)])
    assert index.live_now_count() == 1
    (stream,) = (s for s in index.live_streams() if s.object_id == str(OBJECT))
    assert live.state(stream) == live.NO_END_SEEN
    assert [s.object_id for s in index.live_streams()][0] == str(OTHER), "live now sorts first"


def test_the_stale_limit_is_configurable_on_the_index() -> None:
    index = Index()
    index.add([notice(1, NOW - 3 * 3600, OBJECT)])
    assert index.live_now_count() == 1
    index.live_stale_after = 2 * 3600
    assert index.live_now_count() == 0


def test_an_end_that_arrives_before_its_start_still_pairs_by_object_id() -> None:
    index = Index()
    ended = index.add([notice(2, NOW - 60, OBJECT, start=False)])
    started = index.add([notice(1, NOW - 600, OBJECT)])
    (stream,) = index.live_streams()
    assert stream.started_at == NOW - 600 and stream.ended_at == NOW - 60
    assert live.state(stream) == live.ENDED
    assert index.live_now_count() == 0
    assert [c.event for c in ended.live_changes] == ["ended"]
    assert started.live_changes == [], "a start after its end must not announce a live stream"


def test_ended_streams_sort_by_their_end_time_after_the_live_ones() -> None:
    index = Index()
    index.add(
        [
            notice(1, NOW - 900, 1001),
            notice(2, NOW - 800, 1001, start=False),
            notice(3, NOW - 700, 1002),
            notice(4, NOW - 300, 1002, start=False),
            notice(5, NOW - 100, 1003),
        ]
    )
    assert [s.object_id for s in index.live_streams()] == ["1003", "1002", "1001"]


def test_a_stream_with_nothing_known_is_a_followed_account_never_its_id() -> None:
    index = Index()
    index.add([notice(1, NOW - 60, OBJECT)])
    (title,) = index.live_titles(index.live_streams())
    assert title == live.UNKNOWN_ACCOUNT
    assert str(OBJECT) not in title


def test_a_shared_channels_post_names_the_stream_whichever_comes_first() -> None:
    before = Index()
    before.add([feed_share(1, OBJECT, "小林的厨房"), notice(2, NOW - 60, OBJECT)])
    after = Index()
    after.add([notice(2, NOW - 60, OBJECT)])
    after.add([feed_share(1, OBJECT, "小林的厨房")])
    for index in (before, after):
        (stream,) = index.live_streams()
        assert stream.account == PEER
        assert index.live_titles([stream]) == ["小林的厨房"]


def test_a_name_in_the_notice_itself_is_used_and_scrubbed() -> None:
    item = build_live_notice(start=True, object_id=OBJECT, seq=1, create_time=NOW, new_msg_id=1)
    content = item["content"]["msg"]["Content"]["string"]
    content = content.replace(
        "</functionmsg>", "<nickname>Ann\u202eie\u2066</nickname></functionmsg>"
    )
    item["content"]["msg"]["Content"]["string"] = content
    index = Index()
    index.add([parsed(item)])
    assert index.live_titles(index.live_streams()) == ["Annie"]


def test_an_alias_of_the_streaming_account_names_the_stream() -> None:
    stream = LiveStream(str(OBJECT), started_at=NOW, account=PEER)
    assert live.title(stream, lambda peer: "Kitchen" if peer == PEER else "") == "Kitchen"
    assert live.title(stream).endswith("· Channels")


def test_stream_names_survive_a_reopen(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s") as store:
        store.ingest([notice(1, NOW - 60, OBJECT), feed_share(2, OBJECT, "小林的厨房")])
        store.commit()
    with Store.open(tmp_path / "s") as store:
        (stream,) = store.index.live_streams()
        assert store.index.live_titles([stream]) == ["小林的厨房"]
        assert store.index.live_now_count() == 1


def test_ages_are_coarse() -> None:
    assert [live.age_text(s) for s in (120, 3 * 3600, 2 * 86400 + 5)] == ["2m", "3h", "2d"]


def test_the_demo_shares_posts_that_name_some_of_its_streams() -> None:
    from finder_tui.demo import default_demo_items
    from finder_tui.demo.live_names import NAMES, with_feed_shares

    items = with_feed_shares(default_demo_items(sessions=12, messages=400, seed=7))
    index = Index()
    index.add([parsed(item) for item in items])
    titles = index.live_titles(index.live_streams())
    assert set(NAMES[:3]) <= set(titles)
    assert all(not title.isdigit() for title in titles)
