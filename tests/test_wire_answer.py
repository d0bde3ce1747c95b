"""A syncFinder answer and its compact form between processes (finder_tui.wire.answer), and the
page-parser process's frame loop (finder_tui.wire.parse_worker) run in this process.

The compact form must carry every answer read_sync_answer can give exactly: the page parser
process is only a faster way to the same SyncAnswer.
"""

from __future__ import annotations

import io
import json
from typing import Any

import orjson
import pytest

from finder_tui.demo import FaultSpec, generate_items, seed_items
from finder_tui.demo.data import build_item
from finder_tui.demo.generator import GeneratedHistory
from finder_tui.demo.kinds import showcase_items
from finder_tui.wire.answer import SyncAnswer, decode_answer, encode_answer, read_sync_answer
from finder_tui.wire.kinds import BROKEN
from finder_tui.wire.parse_worker import frame, read_frame, serve

Item = dict[str, Any]
U64_MAX = 2**64 - 1
KEY_BUFF = "CNMJEAAYACAAKAAwADgAQABIAA=="
ZWJ_FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def chat_item(seq: int, new_msg_id: int, text: str, msg_type: int = 1) -> Item:
    return build_item(
        seq=seq,
        create_time=1700000000 + seq,
        new_msg_id=new_msg_id,
        msg_type=msg_type,
        content=text,
        from_user="fv1_edge@findermsgstranger",
        to_user="wxid_me",
        is_sender=0,
        session_id="edge-session@findermsg",
    )


def success_body(items: list[Any], key_buff: str = KEY_BUFF) -> bytes:
    # The standard library writes any int (orjson stops at 64 bits), as a vendor could.
    payload = {"code": "1000", "message": "处理成功", "data": {"list": items, "keyBuff": key_buff}}
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def assert_same_answer(got: SyncAnswer, want: SyncAnswer) -> None:
    """Field by field, so a failure names the field; messages compare as dataclasses."""
    assert (got.code, got.message, got.problem) == (want.code, want.message, want.problem)
    if want.page is None:
        assert got.page is None
        return
    assert got.page is not None
    assert got.page.key_buff == want.page.key_buff
    assert got.page.raw_count == want.page.raw_count
    assert got.page.rejected == want.page.rejected
    assert len(got.page.messages) == len(want.page.messages)
    for mine, theirs in zip(got.page.messages, want.page.messages, strict=True):
        assert mine == theirs
        assert mine.raw == theirs.raw  # the exact bytes, not an equal-looking text
        assert type(mine.new_msg_id) is int and type(mine.is_sender) is bool
    assert got == want


def round_trip(body: bytes) -> tuple[SyncAnswer, SyncAnswer]:
    want = read_sync_answer(body)
    return decode_answer(encode_answer(want)), want


# ---- pages of messages -----------------------------------------------------------------------


def test_a_generated_demo_page_survives_the_compact_form_exactly() -> None:
    items = seed_items() + generate_items(sessions=6, messages=300, seed=21)
    got, want = round_trip(success_body(items))
    assert want.page is not None and len(want.page.messages) == len(items) == 319
    assert {m.kind for m in want.page.messages} >= {"text", "image", "live_started", "live_ended"}
    assert_same_answer(got, want)


def test_a_page_of_generated_history_survives_the_compact_form_exactly() -> None:
    history = GeneratedHistory(sessions=8, messages=2500, seed=5)
    items = history.page_after(history.start_seq + 3000, 400)
    got, want = round_trip(success_body(items))
    assert want.page is not None and len(want.page.messages) == 400
    assert_same_answer(got, want)


def test_every_xml_kind_of_the_showcase_survives_the_compact_form() -> None:
    items = showcase_items(seed_items())
    got, want = round_trip(success_body(items))
    assert want.page is not None
    kinds = {m.kind for m in want.page.messages}
    assert len(kinds) >= 8, kinds  # image, video, link, card, location, quote, ... all read
    assert any(isinstance(v, float) for m in want.page.messages for v in m.meta.values())
    assert_same_answer(got, want)


def test_edge_items_survive_the_compact_form_exactly() -> None:
    junk = FaultSpec(seed=3).junk_items(chat_item(1, 5, "template"))
    items: list[Any] = [
        chat_item(10, U64_MAX, "the highest id there is"),
        chat_item(11, 1, "the lowest"),
        chat_item(12, 2**63, f"中文，表情 😀👍🏽 and a family {ZWJ_FAMILY} 🏳️‍🌈"),
        chat_item(13, 2**53 + 1, "an id a float would round"),
        chat_item(14, 77, "\x1b]52;c;aGk=\x07 [ @click=app.quit]x \u202eevil"),
        chat_item(15, 78, '<msg><img length="12"', msg_type=3),  # broken XML: a placeholder
        chat_item(16, 79, "", msg_type=49),
        *junk,
        "not an item",
        None,
        {"content": {"msg": {"NewMsgId": U64_MAX + 1}}},
    ]
    got, want = round_trip(success_body(items))
    assert want.page is not None
    ids = {m.new_msg_id for m in want.page.messages}
    assert {U64_MAX, 2**63, 2**53 + 1} <= ids
    assert any(ZWJ_FAMILY in m.text for m in want.page.messages)
    assert any(m.kind == BROKEN for m in want.page.messages)
    assert len(want.page.rejected) == len(junk) + 3
    assert want.page.raw_count == len(items)
    assert_same_answer(got, want)


def test_a_lone_utf16_surrogate_is_repaired_the_same_on_both_sides() -> None:
    item = chat_item(20, 4242, "half an emoji \ud83d here")
    # orjson cannot write a lone surrogate: the standard library writes it as "\ud83d".
    body = json.dumps(
        {"code": "1000", "message": "ok", "data": {"list": [item], "keyBuff": KEY_BUFF}}
    ).encode("ascii")
    assert b"\\ud83d" in body
    got, want = round_trip(body)
    assert want.page is not None
    (message,) = want.page.messages
    assert "\ufffd" in message.text and "\ufffd".encode() in message.raw
    assert_same_answer(got, want)


def test_an_empty_page_and_a_page_without_key_buff_survive_the_compact_form() -> None:
    for data in ({"list": [], "keyBuff": KEY_BUFF}, {"list": None}, {}):
        body = orjson.dumps({"code": "1000", "message": "", "data": data})
        got, want = round_trip(body)
        assert want.page is not None and want.page.raw_count == 0
        assert_same_answer(got, want)


# ---- answers that are no page ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"code":"1001","message":"\xe6\x9c\x8d\xe5\x8a\xa1\xe7\xb9\x81\xe5\xbf\x99","data":null}',
        b'{"code":1001,"msg":"Authorization\xe6\x97\xa0\xe6\x95\x88"}',
        b'{"code":"0","message":{"nested":"object"},"data":{"list":[]}}',
        b'{"code":"\\u001b[2J1001\\u0007","message":"\\u001b]52;c;x\\u0007"}',
    ],
    ids=["1001", "int-code-msg", "zero-code", "escapes-in-code"],
)
def test_a_code_other_than_1000_survives_the_compact_form(body: bytes) -> None:
    got, want = round_trip(body)
    assert want.code != "1000" and want.page is None and want.problem == ""
    assert "\x1b" not in want.code + want.message  # scrubbed on both sides
    assert_same_answer(got, want)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>502 Bad Gateway</html>",
        success_body(seed_items())[:-40],  # truncated
        b"\xff\xfe\x00garbage",
        b"[]",
        b"null",
        b'"just a string"',
        b'{"message":"no code"}',
        b'{"code":"1000","data":[]}',
        b'{"code":"1000","data":{"list":{"not":"a list"}}}',
        b'{"code":"1000","data":{"list":[],"keyBuff":5}}',
        b'{"code":"1000"}',
    ],
    ids=[
        "empty",
        "html",
        "truncated",
        "binary",
        "list",
        "null",
        "string",
        "no-code",
        "data-list",
        "list-object",
        "keybuff-int",
        "no-data",
    ],
)
def test_a_body_that_is_no_answer_survives_the_compact_form(body: bytes) -> None:
    got, want = round_trip(body)
    assert want.problem != "" and want.page is None
    assert_same_answer(got, want)


# ---- what the compact form refuses -----------------------------------------------------------


def test_a_value_json_cannot_carry_raises_type_error_when_encoding() -> None:
    huge = '<msg><img length="99999999999999999999999" md5="x"/></msg>'
    answer = read_sync_answer(success_body([chat_item(30, 31, huge, msg_type=3)]))
    assert answer.page is not None and answer.page.messages[0].meta["length"] > U64_MAX
    with pytest.raises(TypeError):
        encode_answer(answer)


def compact(header: bytes, raws: bytes = b"") -> bytes:
    return len(header).to_bytes(4, "big") + header + raws


PAGE = b'{"c":"1000","m":"","p":"","k":"kb","n":1,"rj":[],"ms":[["k",1,"s","p",false,1,1,1,"text","hi",{},%d,"me"]]}'


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x00\x00\x09not json",
        compact(b"not json"),
        compact(b"[]"),
        compact(b"null"),
        compact(b"7"),
        compact(b'{"c":"1000"}'),
        compact(b'{"c":"1","m":"","p":"","k":"x"}'),
        compact(b'{"c":"1","m":"","p":""}', b"{}"),
        compact(PAGE % 2, b"{}{}"),
        compact(PAGE % 5, b"{}"),
        compact(
            PAGE.replace(b"]]}", b'],["k2",2,"s","p",false,1,2,1,"text","",{},1,"me"]]}') % 1,
            "\u00e9".encode(),
        ),
        compact(PAGE % 3, b"{\xff}"),
        compact(PAGE % -1, b""),
    ],
    ids=[
        "empty",
        "cut-short",
        "text",
        "list",
        "null",
        "number",
        "no-message",
        "page-without-rows",
        "raw-bytes-without-a-page",
        "raw-bytes-left-over",
        "raw-bytes-missing",
        "raw-cuts-a-character",
        "raw-not-utf8",
        "negative-length",
    ],  # fmt: skip
)
def test_decoding_garbage_raises_one_of_the_documented_errors(data: bytes) -> None:
    with pytest.raises((ValueError, TypeError, KeyError)):
        decode_answer(data)


def test_a_raw_item_travels_as_its_exact_bytes() -> None:
    raw = '{"é":"x"}'.encode()
    got = decode_answer(compact(PAGE % len(raw), raw))
    assert got.page is not None
    assert got.page.messages[0].raw == raw


# ---- the worker's frame loop -----------------------------------------------------------------


def test_the_worker_answers_each_frame_in_order_and_stops_at_the_end_of_input() -> None:
    bodies = [success_body(seed_items()), b"not json", b'{"code":"1001","message":"busy"}']
    source = io.BytesIO(b"".join(frame(body) for body in bodies))
    sink = io.BytesIO()
    serve(source, sink)
    sink.seek(0)
    for body in bodies:
        answer = read_frame(sink)
        assert answer is not None
        assert_same_answer(decode_answer(answer), read_sync_answer(body))
    assert read_frame(sink) is None


def test_the_worker_answers_an_empty_frame_for_a_page_it_cannot_carry() -> None:
    huge = '<msg><img length="99999999999999999999999"/></msg>'
    bodies = [success_body([chat_item(30, 31, huge, msg_type=3)]), success_body(seed_items())]
    sink = io.BytesIO()
    serve(io.BytesIO(b"".join(frame(body) for body in bodies)), sink)
    sink.seek(0)
    assert read_frame(sink) == b""  # "read it yourself"
    second = read_frame(sink)
    assert second is not None and decode_answer(second) == read_sync_answer(bodies[1])


def test_a_frame_cut_short_is_a_clean_end_of_input() -> None:
    whole = frame(b'{"code":"1001"}')
    assert read_frame(io.BytesIO(whole[:2])) is None
    assert read_frame(io.BytesIO(whole[:-3])) is None
    assert read_frame(io.BytesIO(whole)) == b'{"code":"1001"}'
    assert read_frame(io.BytesIO(frame(b""))) == b""
