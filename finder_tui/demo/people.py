"""Demo ``/finderHome`` and ``/finder/getContactDetails``: generated Chinese nicknames and avatars.

Every peer that appears in the demo's items has a nickname drawn from its username (stable across
runs); anything else is answered with 1001 "联系人不存在", as the vendor does for an unknown
contact. The contact answer's shape is the server's ``contact_shape`` (default ``"object"``), so tests
can check each shape the client must read. Requests are counted per contact in the server's
``contact_requests``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .data import OWN_FINDER, OWN_WXID, sessions_of
from .endpoints import ApiError, DemoState, endpoint

OWN_NICKNAME = "山野小厨"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = (
    "晓梅", "子涵", "浩然", "一诺", "思远", "雨桐", "明轩", "欣怡", "俊杰", "梓萱",
    "天佑", "诗琪", "嘉怡", "文博", "佳琪", "宇航", "若曦", "志强", "晨曦", "美玲",
)  # fmt: skip
_HANDLES = (
    "爱喝奶茶的{}", "{}的小店", "{}在路上", "旅行家{}", "{}美食记", "{}_Vlog", "阿{}", "{}同学",
)  # fmt: skip
_SIGNATURES = ("热爱生活，记录美好", "一个认真做饭的人", "分享日常", "", "合作请私信")
SHAPES = ("object", "contact", "list", "data_list", "contacts")
_STATE = "people"


def _digest(username: str) -> bytes:
    return hashlib.sha256(username.encode()).digest()


def nickname_for(username: str) -> str:
    """A stable, plausible Chinese nickname for a demo peer."""
    d = _digest(username)
    name = _SURNAMES[d[0] % len(_SURNAMES)] + _GIVEN[d[1] % len(_GIVEN)]
    return _HANDLES[d[2] % len(_HANDLES)].format(name) if d[3] % 3 == 0 else name


def avatar_for(username: str) -> str:
    return f"https://wx.qlogo.cn/finderhead/demo/{_digest(username).hex()[:32]}/132"


class _PeopleState:
    """The demo's peers, recomputed only when items were added (they only ever grow)."""

    def __init__(self) -> None:
        self.item_count = -1
        self.peers: set[str] = set()


def _peers(demo: DemoState) -> set[str]:
    state = demo.extras.get(_STATE)
    if not isinstance(state, _PeopleState):
        state = demo.extras[_STATE] = _PeopleState()
    items = demo.items
    if state.item_count != len(items):
        state.item_count, state.peers = len(items), {s.peer for s in sessions_of(items)}
        state.peers |= demo.extras.get("generated_peers", frozenset())  # served page by page
    return state.peers


@endpoint("/finderHome")
def finder_home(state: DemoState, payload: dict[str, Any]) -> Any:
    return {
        "userName": OWN_FINDER,
        "roleType": 3,
        "nickName": OWN_NICKNAME,
        "headUrl": avatar_for(OWN_FINDER),
        "wxUserName": OWN_WXID,
    }


@endpoint("/finder/getContactDetails")
def contact_details(state: DemoState, payload: dict[str, Any]) -> Any:
    username = payload.get("contactUserName")
    me = payload.get("meUserName")
    if not isinstance(username, str) or not username or not isinstance(me, str) or not me:
        raise ApiError("参数错误: contactUserName/meUserName 不能为空")
    state.contact_requests[username] = state.contact_requests.get(username, 0) + 1
    if username not in _peers(state):
        raise ApiError("联系人不存在")
    d = _digest(username)
    contact = {
        "username": username,
        "nickname": nickname_for(username),
        "headUrl": avatar_for(username),
        "signature": _SIGNATURES[d[4] % len(_SIGNATURES)],
        "extInfo": {"country": "CN", "province": "Guangdong", "city": "Shenzhen", "sex": d[5] % 3},
        "msgInfo": {"sessionId": ""},
    }
    shape = state.contact_shape
    if shape == "contact":
        return {"contact": contact}
    if shape == "list":
        return [{"username": "v2_other@finder", "nickname": "别人"}, contact]
    if shape == "data_list":
        return {"list": [contact], "total": 1}
    if shape == "contacts":
        return {"contacts": [contact]}
    if shape == "unknown":
        return {"weird": True}
    return contact
