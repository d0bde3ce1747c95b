"""``/finderHome`` and ``/finder/getContactDetails``: calls and tolerant readers of their answers.

Neither answer is documented publicly, so every shape seen in the vendor's family of APIs is
read: the object itself, or wrapped in ``contact``, or an element of a list (``data`` itself,
``data.list``, ``data.contacts``) whose username is the one asked for. An answer in no known shape
is logged by its keys only (never values, never the token) and the peer keeps its short id.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from ..client import ApiError, AuthError, FinderClient
from ..store.contacts import FOUND, MISSING, UNREADABLE, Contact, Profile, clean_name
from ..wire.sanitize import scrub, scrub_line

log = logging.getLogger(__name__)

HOME_PATH = "/finderHome"
CONTACT_PATH = "/finder/getContactDetails"

_USERNAME_KEYS = ("username", "userName", "user_name", "UserName")
_NICKNAME_KEYS = ("nickname", "nickName", "nick_name", "NickName")
_AVATAR_KEYS = ("headUrl", "headImgUrl", "bigHeadImgUrl", "smallHeadImgUrl", "avatar")
NOT_FOUND_CODE = "1001"
_LIST_KEYS = ("list", "contacts", "contactList", "data")
# A 1001 that means "try later", not "no such contact": those are retried, not cached.
_TRANSIENT_HINTS = ("繁忙", "稍后", "频繁", "busy", "later", "timeout", "超时", "限流")


def _first_str(obj: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict) and isinstance(value.get("string"), str):
            return str(value["string"])  # the protobuf-JSON {"string": ...} wrapping
    return ""


_SHAPE_KEYS, _SHAPE_KEY_CHARS = 20, 40
# A contact is never nested deeper than this; a deeper answer is no known shape (and must not
# exhaust the stack).
_MAX_DEPTH = 8


def _shape(data: Any) -> str:
    """What an unreadable answer looked like, without any of its values. The keys are the
    server's text too: scrubbed (a log line may reach the terminal), cut short and few."""
    if isinstance(data, dict):
        keys = sorted(scrub_line(str(k))[:_SHAPE_KEY_CHARS] for k in list(data)[:200])
        more = f" (+{len(data) - _SHAPE_KEYS} more)" if len(data) > _SHAPE_KEYS else ""
        return "object with keys " + ", ".join(keys[:_SHAPE_KEYS]) + more
    if isinstance(data, list):
        return f"list of {len(data)}"
    return type(data).__name__


def _url(text: str) -> str:
    url = scrub_line(text).strip()
    return url[:1000] if url.startswith(("http://", "https://")) else ""


def read_profile(data: Any) -> Profile | None:
    """The own Channels identity from a ``/finderHome`` answer's ``data``, or None."""
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, dict):
        return None
    username = _first_str(data, _USERNAME_KEYS) or _first_str(data, ("mainFinderUsername",))
    if not username:
        return None
    role = data.get("roleType", 3)
    try:
        role_type = int(role)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e999 reads as inf
        role_type = 3
    return Profile(
        username=scrub_line(username)[:200],
        role_type=role_type,
        nickname=clean_name(_first_str(data, _NICKNAME_KEYS)),
        avatar=_url(_first_str(data, _AVATAR_KEYS)),
        fetched_at=time.time(),
    )


def _matches(obj: Any, username: str) -> bool:
    return isinstance(obj, dict) and _first_str(obj, _USERNAME_KEYS) == username


def _find_contact(data: Any, username: str, depth: int = 0) -> dict[str, Any] | None:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(data, list):
        return next((e for e in data if _matches(e, username)), None)
    if not isinstance(data, dict):
        return None
    wrapped = data.get("contact")
    if isinstance(wrapped, dict):
        unnamed = not _first_str(wrapped, _USERNAME_KEYS) and "contact" not in wrapped
        return _find_contact(wrapped, username, depth + 1) or (wrapped if unnamed else None)
    for key in _LIST_KEYS:
        if isinstance(data.get(key), list):
            return _find_contact(data[key], username, depth + 1)
    own = _first_str(data, _USERNAME_KEYS)
    if own == username or (not own and _first_str(data, _NICKNAME_KEYS)):
        return data  # the contact object itself (with or without its username)
    return None


def read_contact(data: Any, username: str) -> Contact:
    """A ``Contact`` from a ``/finder/getContactDetails`` answer; ``UNREADABLE`` if no shape fits."""
    found = _find_contact(data, username)
    now = time.time()
    if found is None:
        log.warning("getContactDetails: answer in no known shape (%s)", _shape(data))
        return Contact(username, status=UNREADABLE, fetched_at=now)
    signature = found.get("signature")
    return Contact(
        username,
        nickname=clean_name(_first_str(found, _NICKNAME_KEYS)),
        avatar=_url(_first_str(found, _AVATAR_KEYS)),
        signature=scrub(signature)[:500] if isinstance(signature, str) else "",
        status=FOUND,
        fetched_at=now,
    )


def fetch_profile(client: FinderClient) -> Profile | None:
    """One ``/finderHome``; None when the answer holds no username (logged by shape)."""
    data = client.call(HOME_PATH, {"wId": client.config.wid})
    profile = read_profile(data)
    if profile is None:
        log.warning("finderHome: answer in no known shape (%s)", _shape(data))
    return profile


@dataclass(frozen=True, slots=True)
class ContactAnswer:
    contact: Contact
    transient: bool = False  # a busy 1001: ask again later, do not cache


def fetch_contact(client: FinderClient, me: str, role_type: int, username: str) -> ContactAnswer:
    """One ``/finder/getContactDetails``. Only a 1001 that is not "busy" means "not found": a
    ``MISSING`` contact to cache. Any other code is asked again later (``transient``); transport,
    protocol and auth errors propagate (the resolver backs off)."""
    body = {
        "wId": client.config.wid,
        "meUserName": me,
        "meRoleType": role_type,
        "contactUserName": username,
    }
    try:
        data = client.call(CONTACT_PATH, body)
    except AuthError:
        raise
    except ApiError as exc:
        busy = any(h in exc.server_message.lower() for h in _TRANSIENT_HINTS)
        transient = busy or exc.code != NOT_FOUND_CODE
        return ContactAnswer(Contact(username, status=MISSING, fetched_at=time.time()), transient)
    return ContactAnswer(read_contact(data, username))
