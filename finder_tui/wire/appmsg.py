"""Type 49 (``<appmsg>``) by its inner ``type``: links, files, chat records, mini programs,
Channels posts, quotes, transfers, red packets; any other type shows its title and number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from .kinds import (
    APP,
    CHANNELS_POST,
    CHAT_RECORD,
    FILE,
    LINK,
    MINI_PROGRAM,
    QUOTE,
    RED_PACKET,
    TRANSFER,
    ParsedContent,
)
from .xmlread import (
    block,
    clip,
    format_size,
    host_of,
    int_at,
    line,
    parse_xml,
    text_of,
    web_url,
)

ContentReader = Callable[[int, str], ParsedContent]

_EXCERPT = 60  # characters of a quoted message shown under a reply


def _link(app: Element, _read: ContentReader) -> ParsedContent:
    title, des = line(app, "title"), line(app, "des")
    url = web_url(text_of(app, "url"))
    host = host_of(url)
    text = "[link] " + (clip(title, 200) or url or "(untitled)")
    if des:
        text += f" — {clip(des, 200)}"
    if host:
        text += f" ({host})"
    return ParsedContent(LINK, text, {"title": title, "des": des, "url": url})


def _file(app: Element, _read: ContentReader, *, uploading: bool = False) -> ParsedContent:
    title = line(app, "title")
    size = int_at(app, "appattach/totallen")
    ext = line(app, "appattach/fileext").lower()
    if not ext and "." in title:
        ext = title.rsplit(".", 1)[1].lower()[:10]
    details = [d for d in (format_size(size, kb_decimals=1), ext.upper()) if d]
    label = "[file, uploading]" if uploading else "[file]"
    text = f"{label} {clip(title, 200) or 'untitled'}" + (
        f" ({', '.join(details)})" if details else ""
    )
    meta = {"title": title, "size": size, "ext": ext, "uploading": uploading}
    return ParsedContent(FILE, text, meta)


def _uploading_file(app: Element, read: ContentReader) -> ParsedContent:
    return _file(app, read, uploading=True)


def _chat_record(app: Element, _read: ContentReader) -> ParsedContent:
    title = line(app, "title") or "chat record"
    count: int | None = None
    record = text_of(app, "recorditem")  # escaped XML of its own (a <recordinfo>)
    if record:
        try:
            info = parse_xml(record)
            datalist = info.find("datalist")
            if datalist is not None:
                count = len(datalist.findall("dataitem"))
                declared = datalist.get("count")
                if declared and declared.strip().isdigit():
                    count = int(declared)
        except Exception:  # noqa: BLE001 - the count is a detail; the title still shows
            count = None
    items = f" ({count} item{'s' if count != 1 else ''})" if count is not None else ""
    return ParsedContent(
        CHAT_RECORD, f"[chat record] {clip(title, 200)}{items}", {"title": title, "count": count}
    )


def _mini_program(app: Element, _read: ContentReader) -> ParsedContent:
    title = line(app, "title")
    source = (
        line(app, "sourcedisplayname")
        or line(app, "weappinfo/appname")
        or line(app, "appinfo/appname")
    )
    text = "[mini program] " + (clip(title, 200) or "(untitled)")
    if source:
        text += f" · {clip(source, 60)}"
    return ParsedContent(MINI_PROGRAM, text, {"title": title, "source": source})


def _channels_post(app: Element, _read: ContentReader) -> ParsedContent:
    # The <title> says "please upgrade WeChat": the post itself lives in <finderFeed>.
    nickname = line(app, "finderFeed/nickname")
    desc = block(app, "finderFeed/desc")
    meta = {"nickname": nickname, "desc": desc, "object_id": line(app, "finderFeed/objectId")}
    head = f"[Channels post] {clip(nickname, 80)}" if nickname else "[Channels post]"
    return ParsedContent(CHANNELS_POST, head + (f": {clip(desc, 300)}" if desc else ""), meta)


def _quote(app: Element, read: ContentReader) -> ParsedContent:
    reply = block(app, "title")
    refer = app.find("refermsg")
    who = line(refer, "displayname") or line(refer, "fromusr") or "someone"
    refer_type = int_at(refer, "type") or 1
    # <content> of the quoted message is its own payload (escaped XML for anything but text)
    quoted = read(refer_type, text_of(refer, "content"))
    excerpt = " ".join(quoted.text.split())
    meta = {
        "reply": reply,
        "quoted_from": who,
        "quoted_id": line(refer, "svrid"),
        "quoted_kind": quoted.kind,
        "quoted_text": clip(excerpt, 200),
    }
    return ParsedContent(QUOTE, f"{reply}\n↪ {clip(who, 40)}: {clip(excerpt, _EXCERPT)}", meta)


_PAY_STATES = {1: "", 3: "received", 4: "returned", 5: "expired"}


def _transfer(app: Element, _read: ContentReader) -> ParsedContent:
    amount = line(app, "wcpayinfo/feedesc")
    sub = int_at(app, "wcpayinfo/paysubtype")
    state = _PAY_STATES.get(sub or 1, "")
    memo = line(app, "wcpayinfo/pay_memo")
    text = "[transfer" + (f" {amount}" if amount else "") + (f", {state}" if state else "") + "]"
    if memo:
        text += f" {clip(memo, 120)}"
    return ParsedContent(TRANSFER, text, {"amount": amount, "paysubtype": sub, "state": state})


def _red_packet(app: Element, _read: ContentReader) -> ParsedContent:
    wish = line(app, "wcpayinfo/sendertitle") or line(app, "wcpayinfo/receivertitle")
    text = "[red packet]" + (f" {clip(wish, 120)}" if wish else "")
    return ParsedContent(RED_PACKET, text, {"wish": wish})


def _other(app: Element, app_type: int | None) -> ParsedContent:
    title = line(app, "title")
    url = web_url(text_of(app, "url"))
    number = f" type {app_type}" if app_type is not None else ""
    text = f"[app message{number}]" + (f" {clip(title, 200)}" if title else "")
    meta: dict[str, Any] = {"app_type": app_type, "title": title, "url": url}
    return ParsedContent(APP, text, meta)


_READERS: dict[int, Callable[[Element, ContentReader], ParsedContent]] = {
    5: _link,
    6: _file,
    74: _uploading_file,
    19: _chat_record,
    33: _mini_program,
    36: _mini_program,
    51: _channels_post,
    57: _quote,
    2000: _transfer,
    2001: _red_packet,
}


def appmsg(root: Element, read: ContentReader) -> ParsedContent:
    """``read`` parses a nested payload (the quoted message of a reply)."""
    app = root if root.tag == "appmsg" else root.find("appmsg")
    if app is None:
        raise ValueError("no <appmsg> element")
    app_type = int_at(app, "type")
    reader = _READERS.get(app_type) if app_type is not None else None
    parsed = reader(app, read) if reader is not None else _other(app, app_type)
    parsed.meta.setdefault("app_type", app_type)
    return parsed
