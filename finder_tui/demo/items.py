"""The wire shape of demo items: the vendor's seed page, item and live-notice builders, the
payload templates and the text pools the generators draw from."""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass
from typing import Any

import orjson

Item = dict[str, Any]

MAX_MSG_ID = (1 << 64) - 1
HIGH_BIT = 1 << 63

# The account that owns the seed inbox: its personal WeChat id and its Channels (finder) id.
OWN_WXID = "wxid_23fgdsdfh8"
OWN_FINDER = (
    "v2_060000231003b20faec8c6e18f10c7d6c903ec3db0776955d3d97c6b329d6aa58693bcdb7ad1@finder"
)
_V2_PREFIX = "v2_060000231003b20faec8"  # real v2 ids share these 20 hex chars, then 56 more

# Session kinds: who we are and who the peer is (both shapes appear in the seed page).
WX_TO_FINDER = "wx_to_finder"  # our personal wxid writes to a Channels account
STRANGER = "stranger"  # a viewer (fv1_...@findermsgstranger) writes to our Channels account
FINDER_TO_FINDER = "finder_to_finder"  # our Channels account and another one

# Text the client must render inertly (Textual markup, terminal escapes, HTML, formulas, bidi).
HOSTILE_TEXTS: tuple[str, ...] = (
    "[ @click=app.quit]x",
    "[$x @click=app.quit]y",
    "\x1b]52;c;aGk=\x07",
    "\x1b[2J",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "\u202eevil.exe\u202c 点我",
)

_LIVE_START_XML = (
    '<sysmsg type="functionmsg"><functionmsg><cgi>/cgi-bin/micromsg-bin/findergetlivetips</cgi>'
    "<cmdid>6407</cmdid><functionmsgid>FinderLiveNotificationMsg_LiveStartNotifyMsg_{oid}_2_{oid}_2"
    "</functionmsgid><version>0</version><op>0</op><retryinterval>150</retryinterval>"
    "<retrycount>3</retrycount><reportid>231759</reportid><successkey>101</successkey>"
    "<failkey>102</failkey><finalfailkey>103</finalfailkey><custombuff>CAA=</custombuff>"
    "<businessid>70001</businessid><actiontime>0</actiontime><delaytime>0</delaytime>"
    "</functionmsg></sysmsg>"
)
_LIVE_END_XML = (
    '<sysmsg type="finderliveclosenotifymsg"><finderliveclosenotifymsg>'
    "<live_id>{live_id}</live_id><object_id>{oid}</object_id>"
    "<revoke_id>{oid}_13_18</revoke_id><tips_id>{oid}_13_18</tips_id>"
    "<functionmsgid>FinderLiveNotificationMsg_{oid}_11_{oid}_11</functionmsgid>"
    "</finderliveclosenotifymsg></sysmsg>"
)
_IMAGE_XML = (
    '<?xml version="1.0"?>\n<msg>\n\t<img aeskey="{aes}" encryver="1" cdnthumbaeskey="{aes}" '
    'cdnthumburl="{url}" cdnthumblength="{thumb_len}" cdnthumbheight="{th}" cdnthumbwidth="{tw}" '
    'cdnmidheight="0" cdnmidwidth="0" cdnhdheight="0" cdnhdwidth="0" cdnmidimgurl="{url}" '
    'length="{length}" cdnbigimgurl="{url}" hdlength="{hd}" md5="{md5}" />\n'
    "\t<platform_signature></platform_signature>\n\t<imgdatahash></imgdatahash>\n</msg>\n"
)
_VIDEO_XML = (
    '<?xml version="1.0"?><msg><videomsg aeskey="{aes}" cdnthumburl="{url}" length="{length}" '
    'playlength="{play}" md5="{md5}" /></msg>'
)
_EMOJI_XML = (
    '<msg><emoji fromusername={frm} tousername={to} type="2" md5="{md5}" len="{size}" '
    'width="{side}" height="{side}" cdnurl="http://emoji.example.com/{md5}" /></msg>'
)
_APPMSG_XML = (
    '<msg><appmsg appid="" sdkver="0"><title>{title}</title><des>{des}</des><type>5</type>'
    "<url>https://example.com/article/{n}</url></appmsg></msg>"
)
_IMAGE_SOURCE = "<msgsource><bizflag>0</bizflag></msgsource>"
_LIVE_START_RE = re.compile(r"LiveStartNotifyMsg_(\d+)_2_")
_LIVE_END_RE = re.compile(r"<object_id>(\d+)</object_id>")

_PHRASES = (
    "你好，请问这个视频里的背景音乐叫什么？",
    "主播今天几点开播呀",
    "已下单，麻烦尽快发货，谢谢！",
    "收到，我晚点回复你",
    "这个价格还能再便宜点吗",
    "哈哈哈哈哈哈",
    "明天见",
    "视频拍得太好了，学到了很多",
    "请问可以合作吗？我们是一家做本地生活的公司",
    "在吗？",
    "谢谢支持",
    "稍等，我确认一下库存",
    "周末有直播吗？",
    "地址发你了，注意查收",
    "上次那个教程能再发一遍吗",
    "好的，没问题",
    "我在外面，回去再看",
    "这款有没有大码的",
    "已关注，期待更新！",
    "Thanks! 下次直播我一定来",
    "OK，3点前给你答复",
    "不好意思，刚看到消息",
    "链接在这里：https://example.com/item?id=42&from=finder",
    "麻烦把发票开一下，抬头：某某科技有限公司",
)
_EMOJI = (
    "😀",
    "🙏",
    "👍🏻",
    "❤️",
    "🎉",
    "👨‍👩‍👧",  # ZWJ family
    "👩🏽‍💻",  # ZWJ with skin tone
    "🏳️‍🌈",
    "🇨🇳",
    "🇯🇵",
    "🤣",
    "🌸",
)
_APP_TITLES = (
    ("【直播预告】周六晚八点不见不散", "点击查看详情"),
    ("春季上新 & 限时折扣 <5折起>", "数量有限，先到先得"),
    ("一分钟学会手冲咖啡", "视频号精选内容"),
    ("活动报名表", "请在周五前填写"),
)
_UNKNOWN = (
    (10000, "你已添加了对方，现在可以开始聊天了。"),
    (9999, "[收到一条暂不支持的消息，请在手机上查看]"),
)


@dataclass(frozen=True)
class Session:
    """One conversation: its id, our side's username and the peer's."""

    session_id: str
    own: str
    peer: str


def seed_items() -> list[Item]:
    """The 19 items of the vendor's success example, exactly (NewMsgIds as exact ints)."""
    raw = importlib.resources.files(__package__).joinpath("seed_page.json").read_bytes()
    items: list[Item] = orjson.loads(raw)
    return items


def build_item(
    *,
    seq: int,
    create_time: int,
    new_msg_id: int,
    msg_type: int,
    content: str,
    from_user: str,
    to_user: str,
    is_sender: int,
    session_id: str,
    extinfo: str | None = None,
) -> Item:
    """One item in the wire shape (key order as in the seed; MsgSeq and MsgId equal seq)."""
    image = msg_type == 3
    msg = {
        "Status": 3,
        "ImgBuf": {"iLen": 0},
        "Content": {"string": content},
        "CreateTime": create_time,
        "MsgSeq": seq,
        "NewMsgId": new_msg_id,
        "FromUserName": {"string": from_user},
        "ToUserName": {"string": to_user},
        "MsgType": msg_type,
        "ImgStatus": 2 if image else 1,
        "MsgId": seq,
        "MsgSource": _IMAGE_SOURCE if image else "",
    }
    body: Item = {"msg": msg}
    if extinfo is not None:
        body["extinfo"] = extinfo
    body.update({"isSender": is_sender, "msgSessionId": session_id, "seq": seq})
    return {"syncKeyType": 1, "itemType": 1, "subType": 0, "content": body}


def build_live_notice(
    *,
    start: bool,
    object_id: int | str,
    seq: int,
    create_time: int,
    new_msg_id: int,
    live_id: int = 0,
) -> Item:
    """An account-level live notice as the vendor sends it (MsgType 10002, no session, empty
    From/To): a start (cgi findergetlivetips) or an end (finderliveclosenotifymsg)."""
    if start:
        content = _LIVE_START_XML.format(oid=object_id)
    else:
        content = _LIVE_END_XML.format(oid=object_id, live_id=live_id)
    return build_item(
        seq=seq,
        create_time=create_time,
        new_msg_id=new_msg_id,
        msg_type=10002,
        content=content,
        from_user="",
        to_user="",
        is_sender=0,
        session_id="",
    )
