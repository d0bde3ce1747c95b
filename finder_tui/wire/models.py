"""Typed models of a syncFinder item, and the parser from wire JSON to ``Message``.

An item of the wrong shape is rejected with a reason (``Rejected``), never raised: the rest of
the page is still processed. Unknown fields survive because ``Message.raw`` keeps the whole item
as the exact JSON text it came in (orjson keeps uint64 ``NewMsgId`` exact; nothing goes through a
float).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from .content import (
    APPMSG,
    BROKEN,
    MSG_NOTICE,
    SYSMSG,
    SYSTEM_KINDS,
    UNKNOWN,
    XML_TYPES,
    ParsedContent,
    parse_content,
)
from .sanitize import scrub_line
from .sysmsg import NEWLY_READ_TYPES

U64_MAX = (1 << 64) - 1
SYSTEM_MSG_TYPES = frozenset({10002})  # sysmsg XML: pseudo ids
# Types older versions stored as "unknown": re-read from the raw item when loaded.
UNDERSTOOD_SINCE_STORED = frozenset({MSG_NOTICE}) | XML_TYPES
# Kinds older versions stored that this one reads finer: every type 49 was "appmsg", a
# payload behind a ``…@chatroom:`` prefix was "broken", recalls and pats were bare type names.
_REREAD_KINDS = frozenset({UNKNOWN, APPMSG, BROKEN, SYSMSG})
MAX_TIME = 253_402_000_000  # late 9999: anything later cannot be shown as a date anywhere


@dataclass(frozen=True, slots=True)
class SyncRequest:
    wid: str
    key_buff: str

    def body(self) -> dict[str, str]:
        return {"wId": self.wid, "keyBuff": self.key_buff}


@dataclass(slots=True)
class Message:
    """One stored item: the parsed, scrubbed view plus the raw original."""

    key: str  # dedupe key: NewMsgId for chat, a (seq, content) digest for system items
    new_msg_id: int
    session_id: str  # msgSessionId; "" for account-level items (live notices)
    peer: str  # the other side of the conversation, scrubbed
    is_sender: bool
    create_time: int
    seq: int
    msg_type: int
    kind: str
    text: str  # scrubbed display text
    meta: dict[str, Any] = field(default_factory=dict)
    # The item exactly as received, as UTF-8 JSON bytes: a str would cost 4 bytes a character
    # for any message holding an emoji, and raw is the bulk of a message's memory.
    raw: bytes = b""
    # Our own side of the conversation (the sender of what we sent, the addressee of what we
    # received): the identity the session uses, a WeChat id or the account's Channels one.
    me: str = ""

    @property
    def is_system(self) -> bool:
        return not self.session_id or self.kind in SYSTEM_KINDS

    def raw_item(self) -> Any:
        return orjson.loads(self.raw)

    def to_doc(self) -> dict[str, Any]:
        # NewMsgId as a decimal string: the store must be readable by any JSON reader exactly.
        return {
            "k": self.key,
            "id": str(self.new_msg_id),
            "sid": self.session_id,
            "peer": self.peer,
            "out": 1 if self.is_sender else 0,
            "t": self.create_time,
            "seq": self.seq,
            "type": self.msg_type,
            "kind": self.kind,
            "text": self.text,
            "meta": self.meta,
            "raw": self.raw.decode("utf-8"),
            "me": self.me,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Message:
        message = cls(
            key=doc["k"],
            new_msg_id=int(doc["id"]),
            session_id=doc["sid"],
            peer=doc["peer"],
            is_sender=bool(doc["out"]),
            create_time=doc["t"],
            seq=doc["seq"],
            msg_type=doc["type"],
            kind=doc["kind"],
            text=doc["text"],
            meta=doc.get("meta") or {},
            raw=doc["raw"].encode("utf-8"),
            me=doc.get("me", ""),
        )
        if "me" not in doc:  # stored by a version that did not keep it
            message.me = _own_side(message)
        if message.kind in _REREAD_KINDS and _stored_by_older_version(message):
            _reclassify(message)
        return message


def _stored_by_older_version(message: Message) -> bool:
    kind = message.kind
    if kind == UNKNOWN:
        return message.msg_type in UNDERSTOOD_SINCE_STORED
    if kind == SYSMSG:
        return message.meta.get("type") in NEWLY_READ_TYPES and message.text.startswith(
            "[system notice: "
        )
    return kind != BROKEN or message.msg_type in XML_TYPES


def content_string(message: Message) -> str | None:
    """The item's ``Content.string`` exactly as received (None when the raw item is unreadable)."""
    try:
        return _wrapped_str(orjson.loads(message.raw)["content"]["msg"], "Content")
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ShapeError):
        return None


def _reclassify(message: Message) -> None:
    """A type stored as unknown that this version understands: read its body again from the
    raw item (the key stays: it never depended on the kind)."""
    body = content_string(message)
    if body is None:
        return  # keep what was stored
    parsed = parse_content(message.msg_type, body)
    message.kind, message.text, message.meta = parsed.kind, parsed.text, parsed.meta


@dataclass(frozen=True, slots=True)
class Rejected:
    """An item that could not be read, with the reason and a bounded excerpt of it."""

    reason: str
    excerpt: str


@dataclass(slots=True)
class SyncPage:
    messages: list[Message]
    rejected: list[Rejected]
    key_buff: str
    raw_count: int


class ShapeError(ValueError):
    pass


def _need_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{what} is {type(value).__name__}, expected an object")
    return value


def _int_field(
    obj: dict[str, Any], name: str, *, default: int | None = None, hi: int = U64_MAX
) -> int:
    value = obj.get(name, default)
    if type(value) is int and 0 <= value <= hi:  # the common case, checked first (not bool)
        return value
    if value is None:
        raise ShapeError(f"{name} is missing")
    if isinstance(value, str) and value.isdigit():  # some gateways stringify big ids
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShapeError(f"{name} is {type(value).__name__}, expected an integer")
    if not 0 <= value <= hi:
        raise ShapeError(f"{name} out of range")
    return value


def _wrapped_str(obj: dict[str, Any], name: str) -> str:
    """Fields like ``Content``/``FromUserName`` are ``{"string": ...}``; missing means empty."""
    value = obj.get(name)
    if type(value) is dict:  # the common case first
        inner = value.get("string", "")
        if type(inner) is str:
            return inner
    if value is None:
        return ""
    if isinstance(value, dict):
        inner = value.get("string", "")
        if inner is None:
            return ""
        if isinstance(inner, str):
            return inner
    raise ShapeError(f"{name}.string is not a string")


def _system_key(seq: int, content: str) -> str:
    digest = hashlib.blake2b(content.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()
    return f"sys:{seq}:{digest}"


def _excerpt(item: Any) -> str:
    try:
        text = orjson.dumps(item).decode()
    except TypeError:
        text = repr(item)
    return scrub_line(text)[:300]


def parse_item(item: Any) -> Message | Rejected:
    """Read one wire item. Never raises."""
    try:
        return _parse_item(item)
    except ShapeError as exc:
        return Rejected(str(exc), _excerpt(item))
    except Exception as exc:  # noqa: BLE001 - one bad item must never stop a page
        return Rejected(f"unreadable item ({type(exc).__name__})", _excerpt(item))


def _parse_item(item: Any) -> Message:
    item = _need_dict(item, "item")
    content = _need_dict(item.get("content"), "content")
    msg = _need_dict(content.get("msg"), "content.msg")
    msg_type = _int_field(msg, "MsgType", hi=(1 << 31) - 1)
    new_msg_id = _int_field(msg, "NewMsgId")
    create_time = _int_field(msg, "CreateTime", hi=MAX_TIME)
    seq = _int_field(content, "seq", default=msg.get("MsgSeq", 0), hi=U64_MAX)
    is_sender = _int_field(content, "isSender", default=0, hi=1) == 1
    session_id = content.get("msgSessionId") or ""
    if not isinstance(session_id, str):
        raise ShapeError("msgSessionId is not a string")
    body = _wrapped_str(msg, "Content")
    sender = _wrapped_str(msg, "FromUserName")
    receiver = _wrapped_str(msg, "ToUserName")

    parsed: ParsedContent = parse_content(msg_type, body)
    # System items carry pseudo ids: key them on what is stable under re-delivery. Decided by
    # the wire type, not the parsed kind, so a system payload that fails to parse keys the same
    # (and a type-10000 notice, a chat message with a real id, keeps keying by it).
    if not session_id or msg_type in SYSTEM_MSG_TYPES:
        key = _system_key(seq, body)
    else:
        key = str(new_msg_id)
    return Message(
        key=key,
        new_msg_id=new_msg_id,
        session_id=scrub_line(session_id),
        peer=scrub_line(receiver if is_sender else sender),
        is_sender=is_sender,
        create_time=create_time,
        seq=seq,
        msg_type=msg_type,
        kind=parsed.kind,
        text=parsed.text,
        meta=parsed.meta,
        raw=orjson.dumps(item),
        me=scrub_line(sender if is_sender else receiver),
    )


def _own_side(message: Message) -> str:
    try:
        msg = orjson.loads(message.raw)["content"]["msg"]
        key = "FromUserName" if message.is_sender else "ToUserName"
        return scrub_line(_wrapped_str(msg, key))
    except (orjson.JSONDecodeError, KeyError, TypeError, ShapeError):
        return ""


class EnvelopeError(ValueError):
    """The answer is not a syncFinder envelope (the protocol is broken, not the request)."""


def parse_envelope(payload: Any) -> tuple[str, str, Any]:
    """Split an answer into (code, message, data). Raises EnvelopeError on a wrong shape."""
    if not isinstance(payload, dict):
        raise EnvelopeError(f"answer is {type(payload).__name__}, expected an object")
    code = payload.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str):
        raise EnvelopeError("answer has no string 'code'")
    code = scrub_line(code)[:32]  # it ends up in error texts, on terminals
    message = payload.get("message", payload.get("msg", ""))
    return (
        code,
        scrub_line(message if isinstance(message, str) else str(message)),
        payload.get("data"),
    )


def parse_page(data: Any) -> SyncPage:
    """Read ``data`` of a successful answer: every item parsed or rejected, plus the keyBuff."""
    if not isinstance(data, dict):
        raise EnvelopeError("'data' is not an object")
    items = data.get("list")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise EnvelopeError("'data.list' is not a list")
    key_buff = data.get("keyBuff", "")
    if not isinstance(key_buff, str):
        raise EnvelopeError("'data.keyBuff' is not a string")
    messages: list[Message] = []
    rejected: list[Rejected] = []
    for item in items:
        result = parse_item(item)
        (messages if isinstance(result, Message) else rejected).append(result)  # type: ignore[arg-type]
    return SyncPage(messages, rejected, key_buff, len(items))
