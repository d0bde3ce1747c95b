"""Payloads of one element: image, video, sticker, voice, contact card, location, friend
request. Every field is optional: a missing one is left out of the text, never an error."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from .kinds import CARD, EMOJI, FRIEND_REQUEST, IMAGE, LOCATION, VIDEO, VOICE, ParsedContent
from .sanitize import scrub
from .xmlread import attr, clip, format_size, labelled, meta_int, to_int

_MD5_CHARS = frozenset("0123456789abcdefABCDEF")


def _element(root: Element, tag: str) -> Element:
    node = root if root.tag == tag else root.find(tag)
    if node is None:
        raise ValueError(f"no <{tag}> element")
    return node


def image_label(meta: dict[str, Any], *, detailed: bool = False) -> str:
    """The one image placeholder: ``[image 111 KB, 80×120 thumb]`` in the chat, and with the
    HD size and md5 (``[image: 111.0 KB, HD 1.2 MB, 80×120 thumb, md5 …]``) in exports.

    ``meta`` may come from an old store: every value's type is checked."""
    decimals = 1 if detailed else 0
    parts = [format_size(meta_int(meta, "length"), kb_decimals=decimals)]
    if detailed and (hd := format_size(meta_int(meta, "hdlength"), kb_decimals=1)):
        parts.append(f"HD {hd}")
    width, height = meta_int(meta, "width"), meta_int(meta, "height")
    if width and height and width > 0 and height > 0:
        parts.append(f"{width}×{height} thumb")
    md5 = meta.get("md5")
    if detailed and isinstance(md5, str) and len(md5) == 32 and set(md5) <= _MD5_CHARS:
        parts.append(f"md5 {md5.lower()}")
    shown = [p for p in parts if p]
    if not shown:
        return "[image]"
    return "[image" + (": " if detailed else " ") + ", ".join(shown) + "]"


def image(root: Element) -> ParsedContent:
    img = _element(root, "img")
    length, width, height = (
        to_int(img.get("length")),
        to_int(img.get("cdnthumbwidth")),
        to_int(img.get("cdnthumbheight")),
    )
    meta: dict[str, Any] = {
        "length": length,
        "hdlength": to_int(img.get("hdlength")),
        "md5": attr(img, "md5"),
        "width": width,
        "height": height,
    }
    # the chat label, built inline (this runs for every image ingested); same as image_label
    parts = [format_size(length)] if length and length > 0 else []
    if width and height and width > 0 and height > 0:
        parts.append(f"{width}×{height} thumb")
    return ParsedContent(IMAGE, "[image " + ", ".join(parts) + "]" if parts else "[image]", meta)


def video(root: Element) -> ParsedContent:
    node = _element(root, "videomsg")
    length, play_length = to_int(node.get("length")), to_int(node.get("playlength"))
    meta: dict[str, Any] = {"length": length, "play_length": play_length}
    seconds = f"{play_length} s" if play_length else ""
    return ParsedContent(VIDEO, labelled("video", [format_size(length), seconds]), meta)


def emoji(root: Element) -> ParsedContent:
    node = _element(root, "emoji")
    meta = {"md5": attr(node, "md5"), "length": to_int(node.get("len"))}
    return ParsedContent(EMOJI, "[sticker]", meta)


def voice(root: Element) -> ParsedContent:
    node = _element(root, "voicemsg")
    millis = to_int(node.get("voicelength"))
    meta = {"voice_ms": millis, "length": to_int(node.get("length"))}
    # WeChat shows whole seconds, at least 1 for any recorded voice
    seconds = f"{max(1, round(millis / 1000))} s" if millis and millis > 0 else ""
    return ParsedContent(VOICE, labelled("voice", [seconds]), meta)


def account_kind(username: str, certflag: int | None, openim: str) -> str:
    """What kind of account a contact card points to."""
    if openim:
        return "WeCom"
    if username.startswith("gh_") or (certflag or 0) > 0:
        return "Official Account"
    if username.endswith("@finder"):
        return "Channels"
    return "WeChat"


def card(root: Element) -> ParsedContent:
    if root.tag != "msg":
        raise ValueError(f"unexpected root <{root.tag}>")
    username = attr(root, "username")
    nickname = attr(root, "nickname") or username or "someone"
    kind = account_kind(username, to_int(root.get("certflag")), attr(root, "openimdesc"))
    meta = {"username": username, "nickname": nickname, "account": kind}
    return ParsedContent(CARD, f"[contact card: {clip(nickname, 80)} · {kind}]", meta)


def _coordinate(value: str | None) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if -180.0 <= number <= 180.0 else None


def location(root: Element) -> ParsedContent:
    node = _element(root, "location")
    poi, label = attr(node, "poiname"), attr(node, "label")
    meta: dict[str, Any] = {
        "poiname": poi,
        "label": label,
        "lat": _coordinate(node.get("x")),
        "lon": _coordinate(node.get("y")),
    }
    place = " · ".join(p for p in (clip(poi, 80), clip(label, 120)) if p) or "a place"
    return ParsedContent(LOCATION, f"[location: {place}]", meta)


def friend_request(root: Element) -> ParsedContent:
    if root.tag != "msg":
        raise ValueError(f"unexpected root <{root.tag}>")
    name = attr(root, "fromnickname") or attr(root, "fromusername") or "someone"
    greeting = scrub(root.get("content") or "").strip()
    meta = {
        "fromusername": attr(root, "fromusername"),
        "fromnickname": attr(root, "fromnickname"),
    }
    text = f"[friend request from {clip(name, 80)}]" + (f" {greeting}" if greeting else "")
    return ParsedContent(FRIEND_REQUEST, text, meta)
