"""What a live stream's notices say: live now, ended, or "no end seen", and whose stream it is.

The vendor's notices are account-level (no session, no sender), arrive in any order and
sometimes not at all: an end notice that never came must not leave a stream "live" for years.
A start older than ``stale_after`` with no end is shown as "no end seen" and not counted.

Which account a stream belongs to comes, best first, from a name the notice itself carries,
a shared Channels post (``finderFeed``) of the same object id in any conversation, or a
conversation with that account (its alias or contact name); otherwise "a followed account".
A bare 19/20-digit object id is never the main text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ..peers import display_name
from ..wire.content import LIVE_ENDED, LIVE_STARTED, MSG_APPMSG
from ..wire.sanitize import scrub_line

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from ..wire.models import Message


class LiveStream(Protocol):
    """What this module reads and writes of a stream (``index.LiveStream``; no import of the
    index here, which imports this module)."""

    object_id: str
    started_at: int | None
    ended_at: int | None
    live_id: str
    last_seq: int
    notices: int
    account: str
    account_name: str


DEFAULT_STALE_AFTER = 12 * 3600.0
LIVE, NO_END_SEEN, ENDED = "live", "no end seen", "ended"
UNKNOWN_ACCOUNT = "a followed account"
STARTED, ENDED_EVENT = "started", "ended"

_NAME_TAGS = ("nickname", "nick_name", "anchor_nickname", "finder_nickname", "display_name")
_USER_TAGS = ("username", "finder_username", "anchor_username", "user_name")
_OWNER_BYTES = tuple(tag.encode() for tag in _NAME_TAGS + _USER_TAGS)
_MAX_NAME = 64
_MAX_XML = 200_000


def state(
    stream: LiveStream, now: float | None = None, stale_after: float = DEFAULT_STALE_AFTER
) -> str:
    """``live`` (started, no end, recent), ``no end seen`` (started long ago, no end) or ``ended``."""
    if stream.ended_at is not None or stream.started_at is None:
        return ENDED
    now = time.time() if now is None else now
    return LIVE if now - stream.started_at < stale_after else NO_END_SEEN


def is_live(
    stream: LiveStream, now: float | None = None, stale_after: float = DEFAULT_STALE_AFTER
) -> bool:
    return state(stream, now, stale_after) == LIVE


def sort_key(stream: LiveStream, now: float, stale_after: float) -> tuple[bool, int]:
    """Live now first, then the most recent end (a stream with no end by its start)."""
    return (is_live(stream, now, stale_after), stream.ended_at or stream.started_at or 0)


def apply_notice(stream: LiveStream, message: Message) -> str | None:
    """Fold one start/end notice into its stream; the event to announce, if any.

    Notices may arrive in any order: an end before its start pairs by object id, and a start
    arriving after its stream's end is recorded but announces nothing.
    """
    stream.notices += 1
    stream.last_seq = max(stream.last_seq, message.seq)
    owner = notice_owner(message)
    if owner is not None:
        adopt_owner(stream, *owner)
    if message.kind == LIVE_STARTED:
        if stream.started_at is None or message.create_time < stream.started_at:
            stream.started_at = message.create_time
        return STARTED if stream.ended_at is None else None
    if message.kind == LIVE_ENDED:
        stream.ended_at = max(stream.ended_at or 0, message.create_time)
        stream.live_id = str(message.meta.get("live_id", "")) or stream.live_id
        return ENDED_EVENT
    return None


def adopt_owner(stream: LiveStream, username: str, nickname: str) -> None:
    """Record whose stream it is; a name already known is kept unless a better one arrives."""
    if username and not stream.account:
        stream.account = username
    if nickname and not stream.account_name:
        stream.account_name = nickname


def _clean(value: str, limit: int = _MAX_NAME) -> str:
    return scrub_line(value).strip()[:limit]


def _find_first(root: Element, tags: Iterable[str]) -> str:
    for tag in tags:
        for node in root.iter(tag):
            text = _clean(node.text or "")
            if text:
                return text
    return ""


def _content_xml(message: Message) -> Element | None:
    """The message's Content parsed as XML (defusedxml), or None when it is not XML."""
    try:
        item = orjson.loads(message.raw)
        content = item["content"]["msg"]["Content"]
        raw = content.get("string", "") if isinstance(content, dict) else content
        if not isinstance(raw, str) or "<" not in raw or len(raw) > _MAX_XML:
            return None
        root: Element = SafeET.fromstring(raw[raw.find("<") :].strip().encode("utf-8"))
        return root
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError):
        return None
    except (SafeET.ParseError, DefusedXmlException):
        return None


def notice_owner(message: Message) -> tuple[str, str] | None:
    """(username, nickname) a start/end notice names, read from its meta or its XML."""
    meta: Mapping[str, Any] = message.meta or {}
    username = _clean(str(meta.get("username", "") or ""))
    nickname = _clean(str(meta.get("nickname", "") or ""))
    if not (username and nickname) and any(tag in message.raw for tag in _OWNER_BYTES):
        root = _content_xml(message)
        if root is not None:
            username = username or _find_first(root, _USER_TAGS)
            nickname = nickname or _find_first(root, _NAME_TAGS)
    return (username, nickname) if username or nickname else None


def feed_owner(message: Message) -> tuple[str, str, str] | None:
    """(object_id, username, nickname) of a shared Channels post (``finderFeed``), if any."""
    if message.msg_type != MSG_APPMSG or b"finderFeed" not in message.raw:
        return None
    meta: Mapping[str, Any] = message.meta or {}
    object_id = str(meta.get("object_id", "") or "")
    username = _clean(str(meta.get("username", "") or ""))
    nickname = _clean(str(meta.get("nickname", "") or ""))
    root = _content_xml(message)
    feed = None if root is None else next(iter(root.iter("finderFeed")), None)
    if feed is not None:
        object_id = object_id or _find_first(feed, ("objectId", "object_id"))
        username = username or _find_first(feed, ("username",))
        nickname = nickname or _find_first(feed, ("nickname",))
    object_id = _clean(object_id, 32)
    if not object_id.isdigit() or not (username or nickname):
        return None
    return object_id, username, nickname


def title(stream: LiveStream, alias_of: Callable[[str], str] = lambda _: "") -> str:
    """The name to show for a stream's account; never a bare object id."""
    if stream.account_name:
        return stream.account_name
    if stream.account:
        return display_name(stream.account, alias_of(stream.account))
    return UNKNOWN_ACCOUNT


def badge_names(titles: list[str]) -> tuple[str, ...]:
    """Who is live, for a header badge: the known names of the live streams' ``titles`` when
    one or two are live (more: the badge shows a count only)."""
    if not 0 < len(titles) <= 2:
        return ()
    return tuple(t for t in titles if t != UNKNOWN_ACCOUNT)


def age_text(seconds: float) -> str:
    """``3h``, ``2d``: the age of a start with no end, coarse on purpose."""
    seconds = max(0, int(seconds))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
