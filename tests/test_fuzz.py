"""Property tests: parsers never raise, scrub is clean and idempotent, keyBuff round-trips."""

from __future__ import annotations

import base64
import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finder_tui.demo import seed_items
from finder_tui.store.index import Index
from finder_tui.wire import keybuff
from finder_tui.wire.content import parse_content
from finder_tui.wire.keybuff import Cursor, KeyBuffError
from finder_tui.wire.models import Message, Rejected, parse_item, parse_page
from finder_tui.wire.sanitize import scrub, scrub_line

U64 = (1 << 64) - 1
FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,  # the tree is shared: keep no example database in it
    suppress_health_check=[HealthCheck.too_slow],
)
BIDI = set("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
TEMPLATE = seed_items()[2]  # a text message of the seed

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(1 << 70), max_value=1 << 70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
field_names = st.sampled_from(
    [
        "content",
        "msg",
        "NewMsgId",
        "MsgType",
        "CreateTime",
        "seq",
        "MsgSeq",
        "isSender",
        "msgSessionId",
        "Content",
        "FromUserName",
        "ToUserName",
        "string",
        "extinfo",
    ]
)


def check(result: Any) -> None:
    assert isinstance(result, Message | Rejected)
    if isinstance(result, Message):
        assert 0 <= result.new_msg_id <= U64
        assert "\x1b" not in result.text and "\x1b" not in result.peer
        assert result.kind
    else:
        assert result.reason
        assert len(result.excerpt) <= 300


@FUZZ
@given(json_values)
def test_parse_item_never_raises_on_anything(value: Any) -> None:
    check(parse_item(value))


@FUZZ
@given(st.lists(st.tuples(st.lists(field_names, min_size=1, max_size=3), json_values), max_size=6))
def test_parse_item_never_raises_on_mutated_items(edits: list[tuple[list[str], Any]]) -> None:
    item = copy.deepcopy(TEMPLATE)
    for path, value in edits:
        node: Any = item
        for key in path[:-1]:
            if not isinstance(node, dict):
                break
            node = node.setdefault(key, {})
        if isinstance(node, dict):
            node[path[-1]] = value
    result = parse_item(item)
    check(result)
    if isinstance(result, Message):
        Index().add([result])  # whatever parses can be indexed


@FUZZ
@given(st.lists(json_values, max_size=8))
def test_parse_page_keeps_count(items: list[Any]) -> None:
    page = parse_page({"list": [*items, TEMPLATE], "keyBuff": "x"})
    assert page.raw_count == len(items) + 1
    assert len(page.messages) + len(page.rejected) == page.raw_count
    assert page.messages[-1].new_msg_id == TEMPLATE["content"]["msg"]["NewMsgId"]


xmlish = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda tag, attrs, body: f"<msg><{tag} {attrs}>{body}</{tag}></msg>",
        st.sampled_from(["img", "videomsg", "emoji", "appmsg", "sysmsg", "x"]),
        st.text(alphabet='abcdefghlmnt="&;<> 0123456789', max_size=40),
        st.text(max_size=60),
    ),
    st.builds(
        lambda kind, inner: f'<sysmsg type="{kind}">{inner}</sysmsg>',
        st.sampled_from(["functionmsg", "finderliveclosenotifymsg", "revokemsg", ""]),
        st.text(max_size=120),
    ),
)


@FUZZ
@given(
    st.one_of(st.sampled_from([1, 3, 43, 47, 49, 10002]), st.integers(-(1 << 40), 1 << 40)),
    xmlish,
)
def test_parse_content_never_raises(msg_type: int, raw: str) -> None:
    result = parse_content(msg_type, raw)
    assert isinstance(result.kind, str) and result.kind
    assert isinstance(result.text, str)
    assert "\x1b" not in result.text
    if result.kind == "broken":
        assert result.text == scrub(raw)


@FUZZ
@given(st.text())
def test_scrub_output_is_clean_and_idempotent(text: str) -> None:
    cleaned = scrub(text)
    for ch in cleaned:
        code = ord(ch)
        assert code >= 0x20 or ch in "\n\t", repr(ch)
        assert not 0x7F <= code <= 0x9F, repr(ch)
        assert ch not in BIDI, repr(ch)
    assert scrub(cleaned) == cleaned
    line = scrub_line(text)
    assert "\n" not in line and "\t" not in line
    assert scrub_line(line) == line


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, (1 << 32) - 1), st.integers(0, U64)),
        max_size=12,
    ),
    st.integers(0, U64),
)
def test_keybuff_round_trip(pairs: list[tuple[int, int]], reset: int) -> None:
    cursor = Cursor(tuple(pairs), reset)
    encoded = keybuff.encode(cursor)
    assert keybuff.decode(encoded) == cursor
    assert keybuff.encode(keybuff.decode(encoded)) == encoded


@FUZZ
@given(st.binary(max_size=64))
def test_keybuff_decode_garbage_raises_only_keybuff_error(data: bytes) -> None:
    text = base64.b64encode(data).decode()
    try:
        cursor = keybuff.decode(text)
    except KeyBuffError:
        assert keybuff.describe(text) is None
        return
    assert all(0 <= v <= U64 for _, v in cursor.pairs)
    assert keybuff.describe(text) == cursor.as_dict()


@FUZZ
@given(st.text(max_size=40))
def test_keybuff_decode_arbitrary_text(text: str) -> None:
    try:
        keybuff.decode(text)
    except KeyBuffError:
        pass
