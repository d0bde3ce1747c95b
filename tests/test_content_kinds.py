"""Every payload kind reads as a person would read it: from a realistic payload, through the
store, in ``show --json`` (the same text the exports and the conversation use)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finder_tui.cli import main
from finder_tui.demo.data import build_item
from finder_tui.demo.kinds import ME, PEER, RECALLED_ID, SAMPLES
from finder_tui.store import Store
from finder_tui.wire.basic import image_label
from finder_tui.wire.content import parse_content
from finder_tui.wire.models import Message, parse_item

SID = "0c0ffee0content@findermsg"
EXPECTED = {
    "text": "Thanks! 链接在这里：https://example.com/item?id=42&from=finder",
    "image": "[image: 111.0 KB, 90×120 thumb, md5 9e107d9d372bb6826bd81d3542a419d6]",
    "video": "[video 2.3 MB, 17 s]",
    "sticker": "[sticker]",
    "voice": "[voice 5 s]",
    "card": "[contact card: 陈小姐 Chen · WeChat]",
    "location": "[location: 腾讯大厦 · 广东省深圳市南山区深南大道10000号]",
    "friend_request": "[friend request from Bob 王] 我是视频号上的粉丝，想请教一下拍摄",
    "notice": "你已添加了对方，现在可以开始聊天了。",
    "link": "[link] 一分钟学会手冲咖啡 — 器具、水温和研磨度，一次讲清楚 (mp.weixin.qq.com)",
    "file": "[file] 2026春季报价单.xlsx (1.2 MB, XLSX)",
    "file_uploading": "[file, uploading] 直播回放.mp4 (50.0 MB, MP4)",
    "chat_record": "[chat record] 群聊的聊天记录 (3 items)",
    "mini_program": "[mini program] 这家店的招牌菜，一定要试试 · 美团外卖",
    "channels_post": "[Channels post] 咖啡研究所: 三种手冲方法对比 #咖啡 #手冲",
    "quote": "好的，我周六准时到\n↪ 咖啡研究所: [link] 周末直播安排 — 点击查看 (channels.weixin.qq.com)",
    "transfer": "[transfer ￥88.00, received] 定金",
    "red_packet": "[red packet] 恭喜发财，大吉大利",
    "app_other": "[app message type 3] 晴天 - 周杰伦",
    "recall": '"咖啡研究所" 撤回了一条消息',
    "pat": '"v2_0600…f229 · Channels" 拍了拍 "me"',
    "sysmsgtemplate": '"Alice"邀请"Bob、Carol"加入了群聊',
    "announcement": "[group announcement] 本周六晚八点直播，记得预约",
    "roomtoolstips": '"Alice"设置了群待办: 群公告',
}


def _items() -> list[dict[str, Any]]:
    items = [
        build_item(
            seq=100,
            create_time=1764600000,
            new_msg_id=RECALLED_ID,
            msg_type=1,
            content="这条我说错了",
            from_user=PEER,
            to_user=ME,
            is_sender=0,
            session_id=SID,
        )
    ]
    for i, (_name, msg_type, content) in enumerate(SAMPLES):
        items.append(
            build_item(
                seq=101 + i,
                create_time=1764600060 + i,
                new_msg_id=7290000000000001000 + i,
                msg_type=msg_type,
                content=content,
                from_user=PEER,
                to_user=ME,
                is_sender=0,
                session_id=SID,
            )
        )
    return items


@pytest.fixture()
def shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    source = tmp_path / "kinds.json"
    source.write_bytes(orjson.dumps(_items()))
    store = tmp_path / "store"
    assert main(["import", str(source), "--store", str(store)]) == 0
    capsys.readouterr()
    assert main(["show", SID, "--store", str(store), "--json"]) == 0
    out: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return out


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_kind_shows_its_text_in_show_json(name: str, shown: list[dict[str, Any]]) -> None:
    by_name = {SAMPLES[i][0]: row for i, row in enumerate(shown[1:])}
    row = by_name[name]
    assert row["text"] == EXPECTED[name]
    assert row["kind"] not in ("unknown", "broken", "appmsg")


def test_a_recalled_message_is_marked_once_its_recall_arrives(
    shown: list[dict[str, Any]],
) -> None:
    assert shown[0]["new_msg_id"] == RECALLED_ID
    assert shown[0]["text"] == "(recalled) 这条我说错了"
    assert shown[0]["meta"]["recalled"] is True
    assert not any(row["meta"].get("recalled") for row in shown[1:])


def test_a_recall_that_arrives_before_its_message_marks_it_when_it_comes(
    tmp_path: Path,
) -> None:
    items = _items()
    recall = next(i for i, (name, _t, _c) in enumerate(SAMPLES) if name == "recall")
    first, rest = items[1 + recall], items[:1]
    with Store.open(tmp_path / "s") as store:
        store.ingest([m for m in map(parse_item, [first]) if isinstance(m, Message)])
        store.ingest([m for m in map(parse_item, rest) if isinstance(m, Message)])
        target = next(m for m in store.index.messages(SID) if m.new_msg_id == RECALLED_ID)
    assert target.meta.get("recalled") is True


def test_a_chatroom_prefix_is_kept_as_the_sender_and_the_payload_read_after_it() -> None:
    xml = dict((n, c) for n, _t, c in SAMPLES)["link"]
    parsed = parse_content(49, "12345678901@chatroom:\n" + xml)
    assert parsed.kind == "link"
    assert parsed.meta["sender"] == "12345678901@chatroom"
    notice = parse_content(10002, 'wxid_x@chatroom:\n<sysmsg type="pat"><pat /></sysmsg>')
    assert notice.kind == "sysmsg" and notice.meta["sender"] == "wxid_x@chatroom"


def test_a_text_that_merely_starts_with_a_word_and_colon_keeps_it() -> None:
    assert parse_content(1, "note:\nbuy milk").text == "note:\nbuy milk"


@pytest.mark.parametrize("name", [n for n, t, _c in SAMPLES if t != 1])
def test_every_kind_with_its_fields_missing_never_breaks(name: str) -> None:
    msg_type = dict((n, t) for n, t, _c in SAMPLES)[name]
    root = {3: "<msg><img/></msg>", 43: "<msg><videomsg/></msg>", 47: "<msg><emoji/></msg>"}
    root |= {34: "<msg><voicemsg/></msg>", 42: "<msg/>", 48: "<msg><location/></msg>"}
    root |= {37: "<msg/>", 10000: "", 10002: '<sysmsg type="pat"/>'}
    bare = root.get(msg_type, "<msg><appmsg><type>57</type></appmsg></msg>")
    parsed = parse_content(msg_type, bare)
    assert parsed.kind not in ("broken", "unknown")


def test_a_quote_of_a_quote_of_a_quote_stops_nesting() -> None:
    xml = "hi"
    for depth in range(6):
        xml = (
            "<msg><appmsg><title>r" + str(depth) + "</title><type>57</type><refermsg><type>49"
            "</type><displayname>A</displayname><content>"
            + xml.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            + "</content></refermsg></appmsg></msg>"
        )
    parsed = parse_content(49, xml)
    assert parsed.kind == "quote" and parsed.text.startswith("r5\n↪ A:")


def test_kinds_an_older_version_stored_as_unknown_or_appmsg_are_read_again_on_load() -> None:
    items = _items()
    for item, (name, _t, _c) in zip(items[1:], SAMPLES, strict=True):
        message = parse_item(item)
        assert isinstance(message, Message)
        doc = message.to_doc()
        old_kind = {34: "unknown", 49: "appmsg", 10002: "sysmsg"}.get(message.msg_type)
        if old_kind is None:
            continue
        doc["kind"], doc["meta"] = old_kind, {"type": message.meta.get("type", "")}
        doc["text"] = f"[system notice: {doc['meta']['type']}]" if old_kind == "sysmsg" else "?"
        again = Message.from_doc(doc)
        assert (again.kind, again.text) == (message.kind, message.text), name


def test_the_demo_inbox_holds_a_conversation_with_every_kind(tmp_path: Path) -> None:
    from finder_tui.demo import default_demo_items
    from finder_tui.demo.kinds import SHOWCASE_SESSION
    from finder_tui.tui.launch import with_showcase

    items = with_showcase(default_demo_items(2, 30, 7))
    with Store.open(tmp_path / "s") as store:
        store.ingest([m for m in map(parse_item, items) if isinstance(m, Message)])
        shown = store.index.messages(SHOWCASE_SESSION)
    kinds = {m.kind for m in shown}
    assert {"voice", "card", "location", "quote", "transfer", "channels_post"} <= kinds
    assert not kinds & {"unknown", "broken"}
    assert shown[0].meta.get("recalled") is True


@pytest.mark.parametrize("fmt", ["txt", "md", "csv", "html", "json"])
def test_exports_render_kinds_as_show_does(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "items.json"
    source.write_bytes(orjson.dumps(_items()))
    store = tmp_path / "store"
    assert main(["import", str(source), "--store", str(store)]) == 0
    out = tmp_path / f"kinds.{fmt}"
    args = ["export", SID, "--store", str(store), "--format", fmt, "--out", str(out)]
    assert main([*args, "--include-system"]) == 0
    text = out.read_text(encoding="utf-8-sig")
    if fmt == "json":
        text = json.dumps(json.loads(text), ensure_ascii=False)
    text = text.replace("\\", "")  # markdown escapes ( ) [ ] _
    for needle in (
        "(recalled) 这条我说错了",
        "v2_0600…f229 · Channels",
        "[voice 5 s]",
        "[Channels post]",
    ):
        assert needle in text, (fmt, needle)


@settings(max_examples=200, deadline=None)
@given(
    length=st.one_of(st.none(), st.integers(-5, 1 << 40)),
    width=st.one_of(st.none(), st.integers(-5, 5000)),
    height=st.one_of(st.none(), st.integers(-5, 5000)),
)
def test_the_ingested_image_label_is_the_one_image_label(
    length: int | None, width: int | None, height: int | None
) -> None:
    attrs = {"length": length, "cdnthumbwidth": width, "cdnthumbheight": height}
    xml = (
        "<msg><img "
        + " ".join(f'{k}="{v}"' for k, v in attrs.items() if v is not None)
        + "/></msg>"
    )
    parsed = parse_content(3, xml)
    assert parsed.text == image_label(parsed.meta)


def test_a_pat_previews_in_the_session_list_by_display_names(tmp_path: Path) -> None:
    pat = next(
        item for item, (name, _t, _c) in zip(_items()[1:], SAMPLES, strict=True) if name == "pat"
    )
    with Store.open(tmp_path / "s") as store:
        store.ingest([m for m in map(parse_item, [pat]) if isinstance(m, Message)])
        summary = store.index.session(SID)
    assert summary is not None
    assert summary.preview.startswith('"v2_0600…f229 · Channels" 拍了拍 "wxid_')
    assert "@finder" not in summary.preview and "· WeChat" in summary.preview
