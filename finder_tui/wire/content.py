"""Turn a message's ``Content.string`` into a small set of kinds, never raising.

XML is parsed with defusedxml (no entity expansion, no external resources). A payload that
fails to parse becomes a ``broken`` placeholder that keeps the (scrubbed) raw text, so nothing
a user received is ever hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from .sanitize import scrub, scrub_line

TEXT, IMAGE, VIDEO, EMOJI, APPMSG = "text", "image", "video", "emoji", "appmsg"
LIVE_STARTED, LIVE_ENDED, SYSMSG, UNKNOWN, BROKEN = (
    "live_started",
    "live_ended",
    "sysmsg",
    "unknown",
    "broken",
)
SYSTEM_KINDS = frozenset({LIVE_STARTED, LIVE_ENDED, SYSMSG})

MSG_TEXT, MSG_IMAGE, MSG_VIDEO, MSG_EMOJI, MSG_APPMSG, MSG_SYS = 1, 3, 43, 47, 49, 10002
MSG_NOTICE = 10000  # a plain-text notice from WeChat inside a chat
LIVE_TIPS_CGI = "findergetlivetips"
LIVE_CLOSE_TYPE = "finderliveclosenotifymsg"
_LIVE_START_ID = re.compile(r"LiveStartNotifyMsg_(\d+)_")
_MAX_XML = 1_000_000  # bigger payloads are not parsed, only kept


@dataclass(frozen=True, slots=True)
class ParsedContent:
    kind: str
    text: str  # scrubbed, what a user reads
    meta: dict[str, Any] = field(default_factory=dict)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _xml(raw: str) -> Element:
    if len(raw) > _MAX_XML:
        raise ValueError("payload too large to parse")
    root: Element = SafeET.fromstring(raw.strip().encode("utf-8"))  # defusedxml has no stubs
    return root


def _child_text(node: Element | None, tag: str) -> str:
    if node is None:
        return ""
    found = node.find(tag)
    return (found.text or "").strip() if found is not None else ""


def format_size(length: object, *, kb_decimals: int = 0) -> str:
    """``111 KB``, ``3.2 MB``; empty for anything that is not a positive byte count."""
    if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
        return ""
    if length >= 1 << 20:
        return f"{length / (1 << 20):.1f} MB"
    if length >= 1024:
        return f"{length / 1024:.{kb_decimals}f} KB"
    return f"{length} B"


def _image(root: Element) -> ParsedContent:
    img = root.find("img") if root.tag != "img" else root
    if img is None:
        raise ValueError("no <img> element")
    length, width, height = (
        _int(img.get("length")),
        _int(img.get("cdnthumbwidth")),
        _int(img.get("cdnthumbheight")),
    )
    meta: dict[str, Any] = {
        "length": length,
        "hdlength": _int(img.get("hdlength")),
        "md5": scrub_line(img.get("md5") or ""),
        "width": width,
        "height": height,
    }
    parts = [p for p in (format_size(length),) if p]
    if width and height:
        parts.append(f"{width}×{height} thumb")
    return ParsedContent(IMAGE, "[image" + (f" {', '.join(parts)}" if parts else "") + "]", meta)


def _video(root: Element) -> ParsedContent:
    video = root.find("videomsg")
    if video is None:
        raise ValueError("no <videomsg> element")
    length, play_length = _int(video.get("length")), _int(video.get("playlength"))
    meta: dict[str, Any] = {"length": length, "play_length": play_length}
    parts = [p for p in (format_size(length),) if p]
    if play_length:
        parts.append(f"{play_length} s")
    return ParsedContent(VIDEO, "[video" + (f" {', '.join(parts)}" if parts else "") + "]", meta)


def _emoji(root: Element) -> ParsedContent:
    emoji = root.find("emoji")
    if emoji is None:
        raise ValueError("no <emoji> element")
    meta = {"md5": scrub_line(emoji.get("md5") or ""), "length": _int(emoji.get("len"))}
    return ParsedContent(EMOJI, "[sticker]", meta)


def _appmsg(root: Element) -> ParsedContent:
    app = root.find("appmsg")
    if app is None:
        raise ValueError("no <appmsg> element")
    meta = {
        "type": _int(_child_text(app, "type")),
        "title": scrub_line(_child_text(app, "title")),
        "url": scrub_line(_child_text(app, "url")),
    }
    label = meta["title"] or "link"
    return ParsedContent(APPMSG, f"[app message: {label}]", meta)


def _sysmsg(root: Element) -> ParsedContent:
    if root.tag != "sysmsg":
        raise ValueError(f"unexpected root <{root.tag}>")
    sys_type = root.get("type") or ""
    if sys_type == "functionmsg":
        func = root.find("functionmsg")
        cgi = _child_text(func, "cgi")
        if cgi.rsplit("/", 1)[-1] == LIVE_TIPS_CGI:
            match = _LIVE_START_ID.search(_child_text(func, "functionmsgid"))
            if match:
                object_id = match.group(1)
                return ParsedContent(LIVE_STARTED, "went live", {"object_id": object_id})
    if sys_type == LIVE_CLOSE_TYPE:
        node = root.find(LIVE_CLOSE_TYPE)
        object_id = _child_text(node, "object_id")
        if object_id.isdigit():
            live_id = _child_text(node, "live_id")
            meta = {"object_id": object_id, "live_id": live_id if live_id.isdigit() else ""}
            return ParsedContent(LIVE_ENDED, "live ended", meta)
    label = scrub_line(sys_type) or "system"
    return ParsedContent(SYSMSG, f"[system notice: {label}]", {"type": label})


_XML_KINDS = {
    MSG_IMAGE: (IMAGE, _image),
    MSG_VIDEO: (VIDEO, _video),
    MSG_EMOJI: (EMOJI, _emoji),
    MSG_APPMSG: (APPMSG, _appmsg),
    MSG_SYS: (SYSMSG, _sysmsg),
}


def parse_content(msg_type: int, raw: str) -> ParsedContent:
    """Classify one message body. Never raises."""
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
        return parser(_xml(raw))
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
