"""Search: case-insensitive, offsets in original text (even where casefold changes lengths)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from finder_tui.search import find_in_messages, search, snippet
from finder_tui.store.index import Index
from finder_tui.wire.models import Message, parse_item, parse_page

FIXTURE = Path(__file__).parent / "fixtures" / "syncFinder-success.json"
S1 = "1" * 64 + "@findermsg"
S2 = "2" * 64 + "@findermsg"
PEER = "fv1_" + "3" * 64 + "@findermsgstranger"
OWN = "v2_060000231003b20faec8c6e18f10c7d6c903ec3db0776955d3d97c6b329d6aa58693bcdb7ad1@finder"
T0 = 1700000000
FAMILY = "👨\u200d👩\u200d👧"


def item(seq: int, text: str, *, sid: str = S1, when: int | None = None) -> dict[str, Any]:
    msg = {
        "Content": {"string": text},
        "CreateTime": T0 + seq if when is None else when,
        "MsgSeq": seq,
        "NewMsgId": 5_000_000_000_000_000_000 + seq,
        "FromUserName": {"string": PEER},
        "ToUserName": {"string": OWN},
        "MsgType": 1,
    }
    body = {"msg": msg, "isSender": 0, "msgSessionId": sid, "seq": seq}
    return {"syncKeyType": 1, "itemType": 1, "subType": 0, "content": body}


def messages(*items: dict[str, Any]) -> list[Message]:
    out = [parse_item(it) for it in items]
    parsed_ok = [m for m in out if isinstance(m, Message)]
    assert len(parsed_ok) == len(out), out
    return parsed_ok


TEXTS = {
    1: "Hello World",
    2: "say HELLO again",
    3: "Straße STRASSE strasse",
    4: f"家庭 {FAMILY} 合影",
    5: "好的 👍🏻 谢谢",
    6: "İstanbul trip",
    7: "first line\nsecond hello line",
}


@pytest.fixture
def index() -> Index:
    idx = Index()
    idx.add(parse_page(orjson.loads(FIXTURE.read_bytes())["data"]).messages)
    idx.add(messages(*(item(seq, text) for seq, text in TEXTS.items())))
    idx.add(messages(item(50, "hello from the other chat", sid=S2)))
    return idx


def spans(result: Any) -> list[tuple[int, str]]:
    return [(h.message.seq, h.message.text[h.start : h.end]) for h in result.hits]


def test_case_insensitive_ascii_newest_first(index: Index) -> None:
    result = search(index, "hello")
    assert spans(result) == [(50, "hello"), (7, "hello"), (2, "HELLO"), (1, "Hello")]
    assert result.total == 4 and result.seconds >= 0
    assert [h.session_id for h in result.hits] == [S2, S1, S1, S1]
    times = [(h.message.create_time, h.message.seq) for h in result.hits]
    assert times == sorted(times, reverse=True)


def test_chinese_substring(index: Index) -> None:
    result = search(index, "哈喽")
    assert [h.message.text for h in result.hits] == ["哈喽", "哈喽"]
    # Newest first: the b337... session's message (1692187582) before cb68... (1692186142).
    assert [h.message.create_time for h in result.hits] == [1692187582, 1692186142]
    assert all((h.start, h.end, h.snippet) == (0, 2, "哈喽") for h in result.hits)


def test_emoji_and_zwj_sequence(index: Index) -> None:
    family = search(index, FAMILY)
    assert spans(family) == [(4, FAMILY)]
    assert (
        family.hits[0].snippet[family.hits[0].snippet_start : family.hits[0].snippet_end] == FAMILY
    )
    thumbs = search(index, "👍🏻")
    assert spans(thumbs) == [(5, "👍🏻")]
    assert [h.message.seq for h in search(index, "👍").hits] == [5]


def test_sharp_s_offsets(index: Index) -> None:
    # "ß" folds to "ss": every spelling matches the others, spans stay in the original text.
    for query in ("ss", "SS", "ß", "STRASSE", "straße"):
        result = search(index, query)
        assert [h.message.seq for h in result.hits] == [3], query
    hit = search(index, "STRASSE").hits[0]
    assert hit.message.text[hit.start : hit.end] == "Straße"
    found = find_in_messages(index.messages(S1), "ss")
    text = TEXTS[3]
    assert [text[s:e] for _, s, e in found] == ["ß", "SS", "ss"]
    found = find_in_messages(index.messages(S1), "e")
    assert [(TEXTS[3][s:e]) for i, s, e in found if index.messages(S1)[i].seq == 3] == [
        "e",
        "E",
        "e",
    ]
    # "s" matches both halves of "ß": one highlight, not two overlapping ones.
    lone = messages(item(1, "ß"))
    assert find_in_messages(lone, "s") == [(0, 0, 1)]


def test_expanding_fold_before_the_match(index: Index) -> None:
    # "İ" folds to two characters: offsets after it must still be right.
    hit = search(index, "TRIP").hits[0]
    assert hit.message.text[hit.start : hit.end] == "trip"
    hit = search(index, "i̇stanbul").hits[0]
    assert hit.message.text[hit.start : hit.end] == "İstanbul"


def test_limit_and_total(index: Index) -> None:
    result = search(index, "l", limit=2)
    assert len(result.hits) == 2 and result.total > 2
    assert [h.message.seq for h in result.hits] == [50, 7]
    assert search(index, "hello", limit=0).hits == []


def test_session_filter(index: Index) -> None:
    assert [h.message.seq for h in search(index, "hello", session_id=S2).hits] == [50]
    assert [h.message.seq for h in search(index, "hello", session_id=S1).hits] == [7, 2, 1]
    assert search(index, "hello", session_id="nope").hits == []


def test_system_notices_only_on_request(index: Index) -> None:
    assert search(index, "live").total == 0
    notices = search(index, "LIVE", session_id="")
    assert notices.total == 11 and {h.message.kind for h in notices.hits} == {
        "live_started",
        "live_ended",
    }
    assert all(h.session_id == "" for h in notices.hits)


def test_empty_query(index: Index) -> None:
    assert search(index, "").hits == [] and search(index, "   ").total == 0
    assert find_in_messages(index.messages(S1), "") == []


def test_snippet_is_one_line_around_the_match(index: Index) -> None:
    hit = search(index, "second").hits[0]
    assert "\n" not in hit.snippet
    assert hit.snippet[hit.snippet_start : hit.snippet_end] == "second"
    assert hit.snippet == "first line second hello line"
    long = "x" * 100 + "needle" + "y" * 100
    text, start, end = snippet(long, 100, 106)
    assert text == "…" + "x" * 15 + "needle" + "y" * 15 + "…"
    assert text[start:end] == "needle"


def test_snippet_does_not_cut_a_zwj_sequence() -> None:
    text = FAMILY + "x" * 14 + "needle"
    start = text.index("needle")
    got, s, e = snippet(text, start, start + 6)
    assert got.startswith(FAMILY) and got[s:e] == "needle"
    tones = "a" * 30 + "👍🏻" + "b" * 14 + "needle"
    start = tones.index("needle")
    got, s, e = snippet(tones, start, start + 6)
    assert got.startswith("…👍🏻") and got[s:e] == "needle"


def test_find_in_messages_all_occurrences_in_order(index: Index) -> None:
    conversation = index.messages(S1)
    found = find_in_messages(conversation, "HELLO")
    assert [(conversation[i].seq, s, e) for i, s, e in found] == [(1, 0, 5), (2, 4, 9), (7, 18, 23)]
    many = messages(item(1, "abcABCabc"), item(2, "no"), item(3, "ABC"))
    assert find_in_messages(many, "abc") == [(0, 0, 3), (0, 3, 6), (0, 6, 9), (2, 0, 3)]
    assert find_in_messages(many, "aa") == []


def test_100k_messages() -> None:
    # Correctness at scale only; the timing is measured outside the test suite.
    idx = Index()
    phrases = [
        "你好，请问这个视频里的背景音乐叫什么？",
        "主播今天几点开播呀",
        "Thanks! 下次直播我一定来",
        "好的 👍🏻",
    ]
    batch: list[Message] = []
    needles: set[int] = set()
    for n in range(100_000):
        text = phrases[n % len(phrases)]
        if n % 2711 == 0:
            text += " 稀有NEEDLE词"
            needles.add(n)
        batch.append(
            Message(
                key=str(n + 1),
                new_msg_id=n + 1,
                session_id=f"{n % 97:064d}@findermsg",
                peer=PEER,
                is_sender=n % 3 == 0,
                create_time=T0 + n,
                seq=n,
                msg_type=1,
                kind="text",
                text=text,
                raw=b"{}",
            )
        )
    idx.add(batch)
    result = search(idx, "needle词")
    assert result.total == len(needles) == 37
    assert [h.message.seq for h in result.hits] == sorted(needles, reverse=True)
    assert all(h.message.text[h.start : h.end] == "NEEDLE词" for h in result.hits)
    limited = search(idx, "直播", limit=500)
    assert limited.total == 25_000 and len(limited.hits) == 500
    assert limited.hits[0].message.seq == 99_998
