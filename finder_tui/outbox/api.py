"""Wrappers of the vendor's ``/privateSend`` and ``/getSessionId`` over ``FinderClient.call``.

``newMsgId`` reaches 2^64-1: the client parses answers with orjson (exact integers), and a
gateway that stringifies big ids is read as a decimal string, never through a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..client import FinderClient, ProtocolError
from ..wire.models import U64_MAX
from ..wire.sanitize import scrub_line


@dataclass(frozen=True, slots=True)
class SendTarget:
    """Where a message goes: the session and both sides of it."""

    session_id: str  # msgSessionId ("…@findermsg")
    to_user: str  # the peer
    my_user: str  # the identity the session uses (SessionSummary.me)


def private_send(client: FinderClient, target: SendTarget, content: str) -> int:
    """One ``POST /privateSend``; returns the new message's ``newMsgId``.

    Raises what ``FinderClient.call`` raises; an answer without a readable id is a
    ``ProtocolError`` (the message may well have been sent: the caller treats it as unknown).
    """
    data = client.call(
        "/privateSend",
        {
            "wId": client.config.wid,
            "toUserName": target.to_user,
            "myUserName": target.my_user,
            "sessionId": target.session_id,
            "content": content,
        },
    )
    return _new_msg_id(data)


def get_session_id(client: FinderClient, to_user: str, my_user: str, *, as_channels: bool) -> str:
    """``POST /getSessionId``: the session id for a conversation we have no item of yet.

    ``as_channels`` picks type 1 (as the Channels identity ``my_user``); otherwise type 2 (as
    the own WeChat id, ``myUserName`` sent empty as the vendor documents).
    """
    data = client.call(
        "/getSessionId",
        {
            "wId": client.config.wid,
            "toUserName": to_user,
            "myUserName": my_user if as_channels else "",
            "type": 1 if as_channels else 2,
        },
    )
    session_id = data.get("sessionId") if isinstance(data, dict) else None
    if not isinstance(session_id, str) or not session_id:
        raise ProtocolError(f"/getSessionId answered no sessionId ({_shape(data)})")
    return scrub_line(session_id)


def _new_msg_id(data: Any) -> int:
    value = data.get("newMsgId", data.get("NewMsgId")) if isinstance(data, dict) else None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= U64_MAX:
        raise ProtocolError(f"/privateSend answered no newMsgId ({_shape(data)})")
    return value


def _shape(data: Any) -> str:
    # Names only, never values: an unknown answer is described without echoing its content.
    if isinstance(data, dict):
        return "keys: " + ", ".join(sorted(scrub_line(str(k))[:30] for k in data)[:10])
    return type(data).__name__
