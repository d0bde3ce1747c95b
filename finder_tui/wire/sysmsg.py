"""Type 10002 (``<sysmsg type=…>``): recalls, pats, templated notices, group announcements
and tips, the two live notices; any other type shows its type name."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from xml.etree.ElementTree import Element

from .kinds import LIVE_ENDED, LIVE_STARTED, SYSMSG, ParsedContent
from .sanitize import scrub, scrub_line
from .xmlread import block, clip, line, text_of

LIVE_TIPS_CGI = "findergetlivetips"
LIVE_CLOSE_TYPE = "finderliveclosenotifymsg"
_LIVE_START_ID = re.compile(r"LiveStartNotifyMsg_(\d+)_")
# ``${wxid_a}`` in a pat template (some clients add ``@textstatusicon``)
_PAT_SLOT = re.compile(r"\$\{([^{}\s]{1,200})\}")
_PAT_SUFFIX = "@textstatusicon"
_TEMPLATE_SLOT = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]{0,63})\$")


def pat_ids(template: str) -> list[str]:
    return [_pat_id(m.group(1)) for m in _PAT_SLOT.finditer(template)]


def _pat_id(slot: str) -> str:
    return slot[: -len(_PAT_SUFFIX)] if slot.endswith(_PAT_SUFFIX) else slot


def fill_pat(template: str, name_of: Callable[[str], str]) -> str:
    """The pat template with each ``${id}`` replaced by ``name_of(id)`` (scrubbed)."""
    return scrub_line(_PAT_SLOT.sub(lambda m: scrub_line(name_of(_pat_id(m.group(1)))), template))


def _live(root: Element, sys_type: str) -> ParsedContent | None:
    if sys_type == "functionmsg":
        func = root.find("functionmsg")
        cgi = text_of(func, "cgi")
        if cgi.rsplit("/", 1)[-1] == LIVE_TIPS_CGI:
            match = _LIVE_START_ID.search(text_of(func, "functionmsgid"))
            if match:
                return ParsedContent(LIVE_STARTED, "went live", {"object_id": match.group(1)})
    if sys_type == LIVE_CLOSE_TYPE:
        node = root.find(LIVE_CLOSE_TYPE)
        object_id = text_of(node, "object_id")
        if object_id.isdigit():
            live_id = text_of(node, "live_id")
            meta = {"object_id": object_id, "live_id": live_id if live_id.isdigit() else ""}
            return ParsedContent(LIVE_ENDED, "live ended", meta)
    return None


def _revoke(root: Element) -> ParsedContent:
    node = root.find("revokemsg")
    replaced = line(node, "replacemsg") or "A message was recalled"
    recalled = text_of(node, "newmsgid")
    meta = {"type": "revokemsg", "recalled_id": recalled if recalled.isdigit() else ""}
    return ParsedContent(SYSMSG, replaced, meta)


def _pat(root: Element) -> ParsedContent:
    node = root.find("pat")
    template = text_of(node, "template")
    patter, patted = line(node, "fromusername"), line(node, "pattedusername")
    if not template:
        template = f"${{{patter or 'someone'}}} patted ${{{patted or 'someone'}}}"
    meta = {"type": "pat", "template": scrub_line(template), "from": patter, "patted": patted}
    # Stored text names people by id; show, exports and the UI fill in display names.
    return ParsedContent(SYSMSG, fill_pat(template, lambda ident: ident), meta)


def _members(link: Element) -> str:
    names = []
    for member in link.iter("member"):
        name = line(member, "nickname") or line(member, "username")
        if name:
            names.append(name)
    separator = text_of(link, "separator") or "、"
    return scrub_line(separator).join(names)


def _link_text(link: Element) -> str:
    kind = link.get("type") or ""
    if kind == "link_plain":
        return line(link, "plain")
    return _members(link) or line(link, "title") or line(link, "plain")


def fill_template(template: str, values: Mapping[str, str]) -> str:
    return _TEMPLATE_SLOT.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _sysmsgtemplate(root: Element) -> ParsedContent:
    content = root.find("sysmsgtemplate/content_template")
    template = text_of(content, "template") or text_of(content, "plain")
    values: dict[str, str] = {}
    if content is not None:
        for link in content.iterfind("link_list/link"):
            name = link.get("name") or ""
            if name:
                values[name] = _link_text(link)
    text = scrub(fill_template(template, values)).strip() or "[system notice: sysmsgtemplate]"
    return ParsedContent(SYSMSG, text, {"type": "sysmsgtemplate"})


def _announcement(root: Element) -> ParsedContent:
    node = root.find("mmchatroombarannouncememt")
    content = block(node, "content") or block(node, "announcement")
    text = "[group announcement]" + (f" {clip(content, 500)}" if content else "")
    return ParsedContent(SYSMSG, text, {"type": "mmchatroombarannouncememt"})


def _room_tools(root: Element) -> ParsedContent:
    todo = root.find("todo")
    node = todo if todo is not None else root.find("roomtoolstips")
    title = line(node, "title") or line(node, "text")
    template = text_of(node, "template")
    if template:
        creator = line(node, "creator") or line(node, "username")
        filled = scrub_line(fill_template(template, {"username": creator, "title": title}))
        text = filled + (f": {title}" if title and title not in filled else "")
    else:
        text = "[group tool]" + (f" {title}" if title else "")
    return ParsedContent(SYSMSG, text, {"type": "roomtoolstips", "title": title})


_READERS: dict[str, Callable[[Element], ParsedContent]] = {
    "revokemsg": _revoke,
    "pat": _pat,
    "sysmsgtemplate": _sysmsgtemplate,
    "mmchatroombarannouncememt": _announcement,
    "roomtoolstips": _room_tools,
}
NEWLY_READ_TYPES = frozenset(_READERS)


def sysmsg(root: Element) -> ParsedContent:
    if root.tag != "sysmsg":
        raise ValueError(f"unexpected root <{root.tag}>")
    sys_type = root.get("type") or ""
    live = _live(root, sys_type)
    if live is not None:
        return live
    reader = _READERS.get(sys_type)
    if reader is not None:
        return reader(root)
    label = scrub_line(sys_type) or "system"
    meta: dict[str, Any] = {"type": label}
    return ParsedContent(SYSMSG, f"[system notice: {label}]", meta)
