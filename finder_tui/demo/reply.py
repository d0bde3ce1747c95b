"""The demo server's send endpoints: ``/privateSend`` and ``/getSessionId``.

A sent message is appended to the item list as an ``isSender`` 1 item carrying the
``newMsgId`` the answer returns, so it comes back through ``/syncFinder`` like the real API's.
With ``peer_replies`` > 0 the peer sometimes answers a few seconds later. The send faults of
``--faults`` (``send_fail``, ``send_timeout``, ``send_drop``) apply here only.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from typing import Any

from .data import MAX_MSG_ID, OWN_WXID, Item, build_item
from .endpoints import ApiError, DemoState, DropConnection, endpoint

_STATE = "reply"
REPLY_DELAY = (2.0, 6.0)  # seconds before a demo peer answers
_REPLIES = (
    "收到，谢谢！",
    "好的，我看看",
    "👍",
    "明白了",
    "哈哈，好",
    "稍等一下，我马上回复你",
    "OK, thanks!",
    "没问题，就这么定",
)


class _ReplyState:
    def __init__(self) -> None:
        self.rng = random.Random(11)
        self.minted: dict[str, tuple[str, str]] = {}  # sessionId -> (peer, own identity)


def _state(demo: DemoState) -> _ReplyState:
    state = demo.extras.get(_STATE)
    if state is None:
        state = demo.extras[_STATE] = _ReplyState()
    assert isinstance(state, _ReplyState)
    return state


def _text_field(payload: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = payload.get(name, "")
    if not isinstance(value, str) or (required and not value):
        raise ApiError(f"参数错误: {name}必须是非空字符串")
    return value


def _sessions(demo: DemoState) -> dict[str, tuple[str, str]]:
    """Every known session id -> (peer, own identity), from the items and minted ids."""
    known: dict[str, tuple[str, str]] = {}
    for item in demo.items:
        content = item.get("content")
        if not isinstance(content, dict) or not content.get("msgSessionId"):
            continue
        msg = content.get("msg", {})
        frm = msg.get("FromUserName", {}).get("string", "")
        to = msg.get("ToUserName", {}).get("string", "")
        known[content["msgSessionId"]] = (to, frm) if content.get("isSender") == 1 else (frm, to)
    known.update(_state(demo).minted)
    return known


@endpoint("/getSessionId")
def get_session_id(demo: DemoState, payload: dict[str, Any]) -> dict[str, Any]:
    to_user = _text_field(payload, "toUserName")
    kind = payload.get("type")
    if kind not in (1, 2):
        raise ApiError("参数错误: type必须是1或2")
    my_user = _text_field(payload, "myUserName") if kind == 1 else OWN_WXID
    known = [sid for sid, sides in _sessions(demo).items() if sides == (to_user, my_user)]
    session_id = known[0] if known else f"{secrets.token_hex(16)}@findermsg"
    _state(demo).minted.setdefault(session_id, (to_user, my_user))
    return {"sessionId": session_id, "enableAction": 1, "toUsername": to_user}


@endpoint("/privateSend")
def private_send(demo: DemoState, payload: dict[str, Any]) -> dict[str, Any]:
    to_user = _text_field(payload, "toUserName")
    my_user = _text_field(payload, "myUserName")
    session_id = _text_field(payload, "sessionId")
    content = _text_field(payload, "content")
    if session_id not in _sessions(demo):
        raise ApiError("会话不存在")
    fault = demo.faults.choose_send() if demo.faults is not None else None
    if fault == "send_fail":
        raise ApiError("失败")
    if fault == "send_drop":
        raise DropConnection()
    state = _state(demo)
    new_msg_id = _fresh_id(demo, state.rng)
    now = int(time.time())

    demo.append_next(_text_line(new_msg_id, content, my_user, to_user, session_id, when=now))
    if demo.peer_replies and state.rng.random() < demo.peer_replies:
        answer = state.rng.choice(_REPLIES)
        reply_id = _fresh_id(demo, state.rng)
        reply = _text_line(reply_id, answer, to_user, my_user, session_id, outgoing=False)
        demo.later(state.rng.uniform(*REPLY_DELAY), lambda: demo.append_next(reply))
    if fault == "send_timeout" and demo.faults is not None:
        demo.sleep_slow(demo.faults.send_timeout_seconds)  # the client has given up by then
    return {"newMsgId": new_msg_id}


def _fresh_id(demo: DemoState, rng: random.Random) -> int:
    # Half of them above 2^63, where a float or a signed 64-bit reader would break them.
    used = {item.get("content", {}).get("msg", {}).get("NewMsgId") for item in demo.items}
    while True:
        value = rng.randint(1 << 63, MAX_MSG_ID) if rng.random() < 0.5 else rng.randint(1, 1 << 62)
        if value not in used:
            return value


def _text_line(
    new_msg_id: int,
    content: str,
    sender: str,
    receiver: str,
    session_id: str,
    *,
    when: int | None = None,
    outgoing: bool = True,
) -> Callable[[int], list[Item]]:
    """One text message for ``append_next``: ours (``outgoing``) or the peer's, stamped ``when``
    or, by default, the moment it is appended."""

    def line(seq: int) -> list[Item]:
        return [
            build_item(
                seq=seq,
                create_time=int(time.time()) if when is None else when,
                new_msg_id=new_msg_id,
                msg_type=1,
                content=content,
                from_user=sender,
                to_user=receiver,
                is_sender=1 if outgoing else 0,
                session_id=session_id,
            )
        ]

    return line
