"""The wire format: the seed page, exact ids, keyBuff, scrubbing, content kinds, item shapes."""

from __future__ import annotations

import base64
import copy
import random
import re
from collections import Counter
from typing import Any

import orjson
import pytest

from finder_tui.demo.data import build_item, build_live_notice
from finder_tui.store.index import Index
from finder_tui.wire import keybuff
from finder_tui.wire.content import parse_content
from finder_tui.wire.keybuff import Cursor, KeyBuffError
from finder_tui.wire.models import Message, Rejected, SyncPage, parse_item, parse_page
from finder_tui.wire.sanitize import scrub, scrub_line

U64 = (1 << 64) - 1
SEED_KEY_BUFF = "CgUIARDaCQoECAIQAAoECAMQAAoECAQQAAoECAUQAAoECAYQAAoECAcQAAoECAgQAAoECAkQABAA"
STARTED = {"14192909587060689023", "14193708641429293196", "14213974631921817681"}
ENDED_ONLY = {
    "14193711938459601029",
    "14193716574826072174",
    "14213593607578589247",
    "14213854028086777954",
    "14214303752422824026",
}


def chat_item(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "seq": 5000,
        "create_time": 1694500000,
        "new_msg_id": 4242424242,
        "msg_type": 1,
        "content": "你好 👋",
        "from_user": "wxid_peer",
        "to_user": "wxid_me",
        "is_sender": 0,
        "session_id": "abc123@findermsg",
        "extinfo": "CAIQAw==",
    }
    fields.update(overrides)
    return build_item(**fields)


def live_item(seq: int, new_msg_id: int, object_id: str = "14192909587060689023") -> dict[str, Any]:
    return build_live_notice(
        start=False,
        object_id=object_id,
        seq=seq,
        create_time=1694500000,
        new_msg_id=new_msg_id,
        live_id=2042557163204371840,
    )


def parsed(item: Any) -> Message:
    result = parse_item(item)
    assert isinstance(result, Message), result
    return result


def rejected(item: Any) -> Rejected:
    result = parse_item(item)
    assert isinstance(result, Rejected), result
    return result


# ---- the seed page ---------------------------------------------------------------------------


def test_seed_page_counts(seed_page: SyncPage) -> None:
    assert seed_page.raw_count == 19
    assert len(seed_page.messages) == 19
    assert seed_page.rejected == []
    chats = [m for m in seed_page.messages if m.session_id]
    notices = [m for m in seed_page.messages if not m.session_id]
    assert len(chats) == 8 and len(notices) == 11
    assert sorted(Counter(m.session_id for m in chats).values()) == [1, 3, 4]
    assert all(m.session_id.endswith("@findermsg") for m in chats)
    assert Counter(m.kind for m in chats) == {"text": 6, "image": 2}
    assert Counter(m.msg_type for m in chats) == {1: 6, 3: 2}
    assert sum(m.is_sender for m in chats) == 6
    assert sum(not m.is_sender for m in chats) == 2
    assert not any(m.is_system for m in chats)
    assert all(m.is_system and m.msg_type == 10002 for m in notices)


def test_seed_live_notices(seed_page: SyncPage) -> None:
    notices = [m for m in seed_page.messages if not m.session_id]
    started = [m.meta["object_id"] for m in notices if m.kind == "live_started"]
    ended = [m.meta["object_id"] for m in notices if m.kind == "live_ended"]
    assert len(started) == 3 and len(ended) == 8
    assert set(started) == STARTED
    assert set(ended) == STARTED | ENDED_ONLY
    assert len(set(started) | set(ended)) == 8
    index = Index()
    index.add(seed_page.messages)
    assert len(index.live_streams()) == 8
    assert index.live_now_count() == 0
    both = {s.object_id for s in index.live_streams() if s.started_at and s.ended_at}
    assert both == STARTED


def test_seed_images(seed_page: SyncPage) -> None:
    images = [m for m in seed_page.messages if m.kind == "image"]
    assert len(images) == 2
    for image in images:
        assert image.meta["length"] == 113874
        assert image.meta["md5"] == "ed91cf58fb15a933ea9660e8d60b4d53"
        assert image.meta["width"] == 80 and image.meta["height"] == 120
        assert image.text.startswith("[image")


def test_seed_peers_and_texts(seed_page: SyncPage) -> None:
    by_seq = {m.seq: m for m in seed_page.messages}
    sent = by_seq[1174]
    assert sent.is_sender and sent.text == "gIBC"
    assert sent.peer.startswith("v2_060000231003b20faec8cae18a1ec5d0") and sent.peer.endswith(
        "@finder"
    )
    received = by_seq[1192]
    assert not received.is_sender and received.text == "哈喽"
    assert received.peer.startswith("fv1_") and received.peer.endswith("@findermsgstranger")


def test_seed_new_msg_ids_exact(seed_page: SyncPage, seed_text: str) -> None:
    in_text = [int(v) for v in re.findall(r'"NewMsgId":\s*(\d+)', seed_text)]
    assert len(in_text) == 19
    assert [m.new_msg_id for m in seed_page.messages] == in_text
    for message in seed_page.messages:
        if message.session_id:
            assert message.key == str(message.new_msg_id)
        else:
            assert message.key.startswith(f"sys:{message.seq}:")
        assert f'"NewMsgId":{message.new_msg_id},'.encode() in message.raw
    assert seed_page.key_buff == SEED_KEY_BUFF


@pytest.mark.parametrize("big", [U64, 9007199254740993, (1 << 63) + 1])
def test_big_new_msg_ids_stay_exact(big: int) -> None:
    text = orjson.dumps(chat_item(new_msg_id=1)).replace(
        b'"NewMsgId":1,', f'"NewMsgId":{big},'.encode()
    )
    message = parsed(orjson.loads(text))
    assert message.new_msg_id == big
    assert message.key == str(big)
    assert f'"NewMsgId":{big},'.encode() in message.raw
    assert Message.from_doc(orjson.loads(orjson.dumps(message.to_doc()))).new_msg_id == big


def test_new_msg_id_beyond_u64_in_json_text_is_rejected() -> None:
    text = orjson.dumps(chat_item(new_msg_id=1)).replace(
        b'"NewMsgId":1,', b'"NewMsgId":18446744073709551616,'
    )
    result = rejected(orjson.loads(text))
    assert "NewMsgId" in result.reason


# ---- keyBuff ---------------------------------------------------------------------------------


def test_seed_keybuff_decodes() -> None:
    cursor = keybuff.decode(SEED_KEY_BUFF)
    assert cursor.as_dict() == {"1": 1242, **{str(k): 0 for k in range(2, 10)}}
    assert cursor.value(1) == 1242
    assert cursor.reset == 0
    assert keybuff.encode(cursor) == SEED_KEY_BUFF
    assert keybuff.describe(SEED_KEY_BUFF) == cursor.as_dict()


def test_keybuff_empty_is_empty_cursor() -> None:
    assert keybuff.decode("") == Cursor()
    assert keybuff.describe("") == {}


def test_keybuff_random_round_trips() -> None:
    rng = random.Random(20240513)
    for _ in range(300):
        pairs = tuple(
            (rng.randint(0, (1 << 32) - 1), rng.choice([0, 1, U64, rng.randint(0, U64)]))
            for _ in range(rng.randint(0, 12))
        )
        cursor = Cursor(pairs, rng.choice([0, 1, rng.randint(0, U64)]))
        encoded = keybuff.encode(cursor)
        assert keybuff.decode(encoded) == cursor
        assert keybuff.encode(keybuff.decode(encoded)) == encoded


def test_keybuff_extreme_values_round_trip() -> None:
    cursor = Cursor(((1, U64), (U64 >> 32, 0), (0, U64)), U64)
    assert keybuff.decode(keybuff.encode(cursor)) == cursor


@pytest.mark.parametrize(
    "bad",
    [
        "!!not-base64!!",
        "CgUIARDa*",
        "CgUIARDaCQ",  # bad padding
        "ключ",
        base64.b64encode(b"\x10\x80").decode(),  # truncated varint (reset)
        base64.b64encode(b"\x0a\x05\x08\x01").decode(),  # pair length past the end
        base64.b64encode(b"\x0a\x02\x08\x80").decode(),  # truncated varint inside a pair
        base64.b64encode(base64.b64decode(SEED_KEY_BUFF)[:-1]).decode(),  # cut seed
        base64.b64encode(b"\x10" + b"\xff" * 11 + b"\x01").decode(),  # varint > 10 bytes
        base64.b64encode(b"\x0f").decode(),  # wire type 7
    ],
)
def test_keybuff_garbage_raises(bad: str) -> None:
    with pytest.raises(KeyBuffError):
        keybuff.decode(bad)
    assert keybuff.describe(bad) is None


def test_keybuff_varint_overflowing_64_bits_is_rejected() -> None:
    # Ten bytes whose last one carries bits 64..69: not a uint64, must not decode silently.
    overlong = base64.b64encode(b"\x10" + b"\xff" * 9 + b"\x7f").decode()
    with pytest.raises(KeyBuffError):
        keybuff.decode(overlong)


def test_keybuff_encode_rejects_out_of_range() -> None:
    with pytest.raises(KeyBuffError):
        keybuff.encode(Cursor(((1, U64 + 1),)))
    with pytest.raises(KeyBuffError):
        keybuff.encode(Cursor(((1, -1),)))


# ---- scrub -----------------------------------------------------------------------------------

HOSTILE = [
    "\x1b]52;c;aGk=\x07",
    "\x1b[2J",
    "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\",
    "\x9b31m",  # C1 CSI
    "\x9d0;title\x9c",  # C1 OSC .. ST
    "a\x7fb",
    "\u202eevil.exe\u202c",
    "\u2066iso\u2069",
    "\x00\x01\x08\x0b\x0c\x0e\x1f",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_scrub_removes_controls(text: str) -> None:
    cleaned = scrub(text)
    assert "\x1b" not in cleaned
    assert not any(0x80 <= ord(c) <= 0x9F for c in cleaned)
    assert "\x7f" not in cleaned
    assert not set(cleaned) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert all(c in "\n\t" or ord(c) >= 0x20 for c in cleaned)
    assert scrub(cleaned) == cleaned


def test_scrub_examples() -> None:
    assert scrub("\x1b]52;c;aGk=\x07") == "]52;c;aGk="
    assert scrub("\x1b[2J") == "[2J"
    assert scrub("\u202eevil.exe\u202c 点我") == "evil.exe 点我"
    assert scrub("a\r\nb") == "a\nb"


def test_scrub_keeps_text() -> None:
    text = "第一行\n\t第二行 😀👨‍👩‍👧 🇨🇳 ❤️ café"
    assert scrub(text) == text
    assert scrub_line(text) == "第一行 第二行 😀👨‍👩‍👧 🇨🇳 ❤️ café"


# ---- content kinds ---------------------------------------------------------------------------


def test_content_text() -> None:
    result = parse_content(1, "hi\x1b[31m red")
    assert result.kind == "text" and result.text == "hi[31m red"


def test_content_video() -> None:
    xml = '<?xml version="1.0"?><msg><videomsg length="2097152" playlength="42" md5="x"/></msg>'
    result = parse_content(43, xml)
    assert result.kind == "video"
    assert result.meta == {"length": 2097152, "play_length": 42}
    assert "42 s" in result.text and "2.0 MB" in result.text


def test_content_emoji() -> None:
    result = parse_content(47, '<msg><emoji md5="abcdef" len="2048" type="2"/></msg>')
    assert result.kind == "emoji"
    assert result.meta == {"md5": "abcdef", "length": 2048}


def test_content_appmsg_link_reads_title_and_url() -> None:
    xml = (
        "<msg><appmsg><title>春季上新 &amp; 折扣</title><type>5</type>"
        "<url>https://example.com/a?x=1&amp;y=2</url></appmsg></msg>"
    )
    result = parse_content(49, xml)
    assert result.kind == "link"
    assert result.meta == {
        "app_type": 5,
        "title": "春季上新 & 折扣",
        "des": "",
        "url": "https://example.com/a?x=1&y=2",
    }
    assert "春季上新 & 折扣" in result.text


def test_content_unknown_type() -> None:
    result = parse_content(9999, "[收到一条暂不支持的消息]\x1b[2J")
    assert result.kind == "unknown"
    assert result.meta["msg_type"] == 9999
    assert "9999" in result.text and "\x1b" not in result.text


def test_content_other_sysmsg_shows_its_type_name() -> None:
    result = parse_content(10002, '<sysmsg type="editrevokecontent"><x>x</x></sysmsg>')
    assert result.kind == "sysmsg"
    assert result.meta == {"type": "editrevokecontent"}
    assert result.text == "[system notice: editrevokecontent]"


def test_content_functionmsg_that_is_not_live_is_sysmsg() -> None:
    xml = '<sysmsg type="functionmsg"><functionmsg><cgi>/cgi-bin/other</cgi></functionmsg></sysmsg>'
    assert parse_content(10002, xml).kind == "sysmsg"


@pytest.mark.parametrize(
    ("msg_type", "raw"),
    [
        (3, '<msg><img length="1"'),
        (3, "<msg><video/></msg>"),  # no <img>
        (43, "not xml at all \x1b[2J"),
        (47, "<msg></msg>"),
        (49, "<msg><appmsg>"),
        (10002, "<notsys/>"),
    ],
)
def test_content_broken_keeps_raw_text(msg_type: int, raw: str) -> None:
    result = parse_content(msg_type, raw)
    assert result.kind == "broken"
    assert result.text == scrub(raw)
    assert result.meta["msg_type"] == msg_type


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<msg><appmsg><title>&lol3;</title></appmsg></msg>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE msg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<msg><img length="1" md5="&xxe;"/></msg>'
)
PARAM_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE msg [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
    "<msg><appmsg><title>t</title></appmsg></msg>"
)


@pytest.mark.parametrize("msg_type", [3, 43, 47, 49, 10002])
@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE, PARAM_ENTITY])
def test_content_entities_are_never_expanded(msg_type: int, payload: str) -> None:
    result = parse_content(msg_type, payload)
    assert result.kind == "broken"
    assert result.text == payload
    assert "lollollol" not in result.text
    assert "root:" not in result.text


# ---- item shapes -----------------------------------------------------------------------------


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    item = chat_item()
    node = item
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return item


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    item = chat_item()
    node = item
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return item


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        ([1, 2], "item"),
        ("item", "item"),
        (None, "item"),
        (_without(("content",)), "content"),
        (_with(("content",), "x"), "content"),
        (_without(("content", "msg")), "msg"),
        (_with(("content", "msg"), []), "msg"),
        (_with(("content", "msg", "NewMsgId"), "abc"), "NewMsgId"),
        (_with(("content", "msg", "NewMsgId"), -1), "NewMsgId"),
        (_with(("content", "msg", "NewMsgId"), U64 + 1), "NewMsgId"),
        (_with(("content", "msg", "NewMsgId"), True), "NewMsgId"),
        (_with(("content", "msg", "NewMsgId"), 1.5), "NewMsgId"),
        (_without(("content", "msg", "NewMsgId")), "NewMsgId"),
        (_without(("content", "msg", "MsgType")), "MsgType"),
        (_with(("content", "msg", "MsgType"), "1"), None),  # a stringified int is accepted
        (_with(("content", "msg", "Content"), {"string": 42}), "Content"),
        (_with(("content", "msgSessionId"), 12345), "msgSessionId"),
        (_with(("content", "isSender"), 2), "isSender"),
    ],
)
def test_parse_item_rejects_wrong_shapes(item: Any, needle: str | None) -> None:
    result = parse_item(item)
    if needle is None:
        assert isinstance(result, Message)
        return
    assert isinstance(result, Rejected), result
    assert needle in result.reason
    assert len(result.excerpt) <= 300
    assert "\x1b" not in result.excerpt


def test_a_create_time_no_calendar_can_show_is_rejected() -> None:
    result = parse_item(chat_item(create_time=300_000_000_000))
    assert isinstance(result, Rejected) and "CreateTime" in result.reason


def test_parse_item_keeps_unknown_fields() -> None:
    item = chat_item()
    item["futureTopLevel"] = {"nested": [1, 2, 3]}
    item["content"]["msg"]["PushContent"] = "新字段"
    item["content"]["someFlag"] = U64
    message = parsed(item)
    raw = message.raw_item()
    assert raw == item
    assert raw["futureTopLevel"] == {"nested": [1, 2, 3]}
    assert raw["content"]["someFlag"] == U64


def test_parse_item_optional_fields_default() -> None:
    item = chat_item(is_sender=1)
    for name in ("MsgSource", "ImgBuf", "Status", "ImgStatus", "MsgId", "MsgSeq"):
        del item["content"]["msg"][name]
    del item["content"]["extinfo"]
    message = parsed(item)
    assert message.is_sender and message.peer == "wxid_me" and message.seq == 5000

    item = chat_item()
    del item["content"]["isSender"]
    del item["content"]["msg"]["FromUserName"]
    message = parsed(item)
    assert message.is_sender is False
    assert message.peer == ""

    item = chat_item()
    del item["content"]["seq"]
    assert parsed(item).seq == 5000  # falls back to MsgSeq


def test_peer_follows_direction() -> None:
    sent = parsed(chat_item(is_sender=1, from_user="wxid_me", to_user="v2_peer@finder"))
    received = parsed(chat_item(is_sender=0, from_user="fv1_x@findermsgstranger", to_user="me"))
    assert sent.peer == "v2_peer@finder"
    assert received.peer == "fv1_x@findermsgstranger"


def test_peer_and_session_are_scrubbed() -> None:
    message = parsed(chat_item(from_user="evil\x1b[2J\u202e", session_id="s\x1b]0;x\x07@findermsg"))
    assert message.peer == "evil[2J"
    assert "\x1b" not in message.session_id and "\x07" not in message.session_id


def test_account_level_items_never_become_sessions() -> None:
    text_without_session = parsed(chat_item(session_id="", seq=1))
    missing_session = chat_item(seq=2, new_msg_id=77)
    del missing_session["content"]["msgSessionId"]
    notice = parsed(live_item(3, 99))
    items = [text_without_session, parsed(missing_session), notice]
    assert all(m.session_id == "" and m.is_system for m in items)
    assert all(m.key.startswith("sys:") for m in items)
    index = Index()
    index.add(items)
    assert index.session_count() == 0
    assert index.sessions() == []
    assert len(index.notices()) == 3


def test_system_items_dedupe_by_seq_and_content() -> None:
    first = parsed(live_item(1300, 111))
    pseudo = parsed(live_item(1300, 222))  # same notice re-sent with a fresh pseudo id
    other_seq = parsed(live_item(1301, 111))
    other_body = parsed(live_item(1300, 111, object_id="14193711938459601029"))
    assert first.key == pseudo.key
    assert len({first.key, other_seq.key, other_body.key}) == 3
    index = Index()
    result = index.add([first, pseudo, other_seq, other_body])
    assert len(result.new) == 3 and result.duplicates == 1


def test_chat_messages_dedupe_by_new_msg_id() -> None:
    one = parsed(chat_item(new_msg_id=5, content="a"))
    same_id = parsed(chat_item(new_msg_id=5, content="b", seq=5001))
    same_body = parsed(chat_item(new_msg_id=6, content="a"))
    assert one.key == same_id.key == "5"
    assert same_body.key == "6"
    index = Index()
    result = index.add([one, same_id, same_body])
    assert [m.key for m in result.new] == ["5", "6"]
    assert result.duplicates == 1


def test_a_broken_sysmsg_in_a_session_dedupes_under_new_pseudo_ids() -> None:
    first = chat_item(seq=7, new_msg_id=10_007, content="<sysmsg type='x'><broken", msg_type=10002)
    again = orjson.loads(orjson.dumps(first))
    again["content"]["msg"]["NewMsgId"] = 999_999
    a, b = parse_item(first), parse_item(again)
    assert isinstance(a, Message) and isinstance(b, Message)
    assert a.kind == "broken" and a.key == b.key


def test_parse_page_continues_after_bad_items() -> None:
    good1, good2 = chat_item(new_msg_id=1, seq=1), chat_item(new_msg_id=2, seq=2)
    bad = copy.deepcopy(good1)
    bad["content"]["msg"]["NewMsgId"] = "abc"
    page = parse_page({"list": [good1, bad, "junk", {"content": None}, good2], "keyBuff": "x"})
    assert [m.new_msg_id for m in page.messages] == [1, 2]
    assert len(page.rejected) == 3
    assert page.raw_count == 5
    assert page.key_buff == "x"


def test_parse_page_empty_and_null_list() -> None:
    assert parse_page({"list": None, "keyBuff": ""}).raw_count == 0
    assert parse_page({"keyBuff": "abc"}).messages == []


def test_type_10000_is_a_system_notice_inside_its_chat_keyed_by_its_id() -> None:
    notice = parsed(
        chat_item(msg_type=10000, content="你已添加了对方，现在可以开始聊天了。\x1b[2J")
    )
    assert notice.kind == "sysmsg" and notice.meta == {"type": "notice"}
    assert notice.text == "你已添加了对方，现在可以开始聊天了。[2J"  # scrubbed, kept
    assert notice.session_id == "abc123@findermsg"
    assert notice.key == str(notice.new_msg_id)  # a real chat id, not a pseudo one
    # An unknown type stays unknown, with its text as a preview.
    other = parsed(chat_item(msg_type=10001, content="something new"))
    assert other.kind == "unknown" and other.text == "[type 10001] something new"


def test_a_type_10000_stored_as_unknown_by_an_older_version_loads_as_a_notice() -> None:
    notice = parsed(chat_item(msg_type=10000, content="你已添加了对方，现在可以开始聊天了。"))
    old_doc = {
        **notice.to_doc(),
        "kind": "unknown",
        "text": "[type 10000] 你已添加了对方，现在可以开始聊天了。",
        "meta": {"msg_type": 10000},
    }
    loaded = Message.from_doc(old_doc)
    assert (loaded.kind, loaded.text, loaded.key) == ("sysmsg", notice.text, notice.key)
    # A raw item that cannot be read again keeps what was stored.
    broken = Message.from_doc({**old_doc, "raw": "{not json"})
    assert broken.kind == "unknown" and broken.text.startswith("[type 10000]")


def test_each_message_knows_which_of_our_identities_it_uses(seed_page: SyncPage) -> None:
    chats = [m for m in seed_page.messages if m.session_id and not m.is_system]
    assert chats
    for message in chats:
        raw = message.raw_item()["content"]["msg"]
        own = raw["FromUserName" if message.is_sender else "ToUserName"]
        assert message.me == (own["string"] if isinstance(own, dict) else own)
    assert {m.me.split("_", 1)[0] for m in chats} >= {"wxid", "v2"}


def test_a_message_stored_without_its_identity_recovers_it_from_the_raw_item(
    seed_page: SyncPage,
) -> None:
    message = next(m for m in seed_page.messages if m.session_id and not m.is_system)
    doc = message.to_doc()
    del doc["me"]
    assert Message.from_doc(doc).me == message.me != ""
