"""Turn a message's ``Content.string`` into what a person reads, by kind, never raising.

XML is parsed with defusedxml (no entity expansion, no external resources). A payload that
fails to parse becomes a ``broken`` placeholder that keeps the (scrubbed) raw text, so nothing
a user received is ever hidden. The readers live by family: ``basic`` (one-element payloads),
``appmsg`` (type 49) and ``sysmsg`` (type 10002).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from . import basic
from .appmsg import appmsg
from .kinds import (
    APP,
    APPMSG,
    BROKEN,
    CARD,
    EMOJI,
    FRIEND_REQUEST,
    IMAGE,
    LIVE_ENDED,
    LIVE_STARTED,
    LOCATION,
    MSG_APPMSG,
    MSG_CARD,
    MSG_EMOJI,
    MSG_FRIEND_REQUEST,
    MSG_IMAGE,
    MSG_LOCATION,
    MSG_NOTICE,
    MSG_SYS,
    MSG_TEXT,
    MSG_VIDEO,
    MSG_VOICE,
    SYSMSG,
    SYSTEM_KINDS,
    TEXT,
    UNKNOWN,
    VIDEO,
    VOICE,
    ParsedContent,
)
from .sanitize import scrub, scrub_line
from .sysmsg import LIVE_CLOSE_TYPE, LIVE_TIPS_CGI, sysmsg
from .xmlread import format_size, parse_xml

__all__ = [
    "APP",
    "APPMSG",
    "BROKEN",
    "EMOJI",
    "IMAGE",
    "LIVE_CLOSE_TYPE",
    "LIVE_ENDED",
    "LIVE_STARTED",
    "LIVE_TIPS_CGI",
    "MSG_NOTICE",
    "SYSMSG",
    "SYSTEM_KINDS",
    "TEXT",
    "UNKNOWN",
    "VIDEO",
    "ParsedContent",
    "format_size",
    "parse_content",
    "split_sender_prefix",
]

# ``<id>@chatroom:\n`` (group-style sender prefix) before a payload; for XML payloads any
# id-like sender followed by a line break and the XML itself.
_ROOM_PREFIX = re.compile(r"([A-Za-z0-9_\-.]{1,120}@chatroom):[ \t]*\r?\n")
_SENDER_PREFIX = re.compile(r"([A-Za-z0-9_\-.@]{1,160}):[ \t]*\r?\n(?=\s*<)")
_NESTED_DEPTH = 3  # a quote inside a quote inside a quote is shown as its text


def _xml_reader(
    fn: Callable[[Element], ParsedContent],
) -> Callable[[Element, int], ParsedContent]:
    return lambda root, _depth: fn(root)


def _appmsg_reader(root: Element, depth: int) -> ParsedContent:
    def nested(msg_type: int, raw: str) -> ParsedContent:
        if depth >= _NESTED_DEPTH:
            return ParsedContent(TEXT, scrub_line(raw)[:200])
        return _parse(msg_type, raw, depth + 1)

    return appmsg(root, nested)


_XML_KINDS: dict[int, tuple[str, Callable[[Element, int], ParsedContent]]] = {
    MSG_IMAGE: (IMAGE, _xml_reader(basic.image)),
    MSG_VIDEO: (VIDEO, _xml_reader(basic.video)),
    MSG_EMOJI: (EMOJI, _xml_reader(basic.emoji)),
    MSG_VOICE: (VOICE, _xml_reader(basic.voice)),
    MSG_CARD: (CARD, _xml_reader(basic.card)),
    MSG_LOCATION: (LOCATION, _xml_reader(basic.location)),
    MSG_FRIEND_REQUEST: (FRIEND_REQUEST, _xml_reader(basic.friend_request)),
    MSG_APPMSG: (APPMSG, _appmsg_reader),
    MSG_SYS: (SYSMSG, _xml_reader(sysmsg)),
}
# Wire types an older version stored as ``unknown``: re-read from the raw item on load.
XML_TYPES = frozenset(_XML_KINDS)


def split_sender_prefix(msg_type: int, raw: str) -> tuple[str, str]:
    """``(sender, body)``: a group-style ``<id>:\\n`` prefix split off (``""`` when none).

    Text keeps anything but an ``…@chatroom:`` prefix: a person may well type ``note:``."""
    match = _ROOM_PREFIX.match(raw)
    if match is None and msg_type in _XML_KINDS:
        match = _SENDER_PREFIX.match(raw)
    if match is None:
        return "", raw
    return match.group(1), raw[match.end() :]


def parse_content(msg_type: int, raw: str) -> ParsedContent:
    """Classify one message body. Never raises."""
    if msg_type == MSG_TEXT and raw.find("@chatroom:", 0, 130) < 0:
        return ParsedContent(TEXT, scrub(raw))  # the common case, kept cheap
    return _parse(msg_type, raw, 0)


def _parse(msg_type: int, raw: str, depth: int) -> ParsedContent:
    if raw.startswith("<"):  # XML right away: no sender prefix to look for
        return _parse_body(msg_type, raw, depth)
    sender, body = split_sender_prefix(msg_type, raw)
    parsed = _parse_body(msg_type, body, depth)
    if sender:
        parsed.meta["sender"] = scrub_line(sender)
    return parsed


def _parse_body(msg_type: int, raw: str, depth: int) -> ParsedContent:
    if msg_type == MSG_TEXT:
        return ParsedContent(TEXT, scrub(raw))
    if msg_type == MSG_NOTICE:
        # WeChat's own line in a chat ("你已添加了对方…"): plain text, shown and exported as a
        # system notice, never as something the peer wrote.
        return ParsedContent(SYSMSG, scrub(raw), {"type": "notice"})
    entry = _XML_KINDS.get(msg_type)
    if entry is None:
        meta: dict[str, Any] = {"msg_type": msg_type}
        preview = scrub_line(raw)[:200]
        return ParsedContent(
            UNKNOWN, f"[type {msg_type}]" + (f" {preview}" if preview else ""), meta
        )
    expected, parser = entry
    try:
        return parser(parse_xml(raw), depth)
    except (SafeET.ParseError, DefusedXmlException, ValueError, TypeError) as exc:
        return ParsedContent(
            BROKEN,
            scrub(raw),
            {"expected": expected, "msg_type": msg_type, "error": scrub_line(str(exc))[:200]},
        )
    except Exception as exc:  # noqa: BLE001 - one bad payload must never stop the sync
        return ParsedContent(
            BROKEN,
            scrub(raw),
            {"expected": expected, "msg_type": msg_type, "error": type(exc).__name__},
        )
