"""Read saved syncFinder answers (or finder-tui JSON exports) for ``finder-tui import``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .store import Store
from .store.contacts import Contact, clean_name
from .wire import jsonio, keybuff
from .wire.answer import SUCCESS
from .wire.models import EnvelopeError, SyncPage, parse_envelope, parse_page


class ImportFormatError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SessionState:
    """What a JSON export carries about its conversation besides messages."""

    session_id: str
    alias: str = ""
    read_time: int = 0
    read_seq: int = 0
    nickname: str = ""


@dataclass(slots=True)
class Capture:
    page: SyncPage
    key_buff: str | None  # None when the file carries no cursor (e.g. an export)
    session: SessionState | None = None  # from a finder-tui JSON export


def _session_state(doc: dict[str, Any]) -> SessionState | None:
    session = doc.get("session")
    if not isinstance(session, dict) or not isinstance(session.get("id"), str):
        return None

    def number(key: str) -> int:
        value = session.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    alias = session.get("alias")
    return SessionState(
        session["id"],
        alias if isinstance(alias, str) else "",
        number("read_time"),
        number("read_seq"),
        clean_name(session.get("nickname")),
    )


def restore_session(store: Store, state: SessionState) -> None:
    """What a JSON export carries besides messages: its alias (unless one is set), read state,
    and the peer's nickname, cached as if asked long ago (``fetched_at`` 0) so the resolver
    refreshes it at the next chance while the name shows at once."""
    summary = store.index.session(state.session_id)
    if state.alias and (summary is None or not summary.alias):
        store.set_alias(state.session_id, state.alias)
    store.restore_read_marker(state.session_id, state.read_time, state.read_seq)
    if state.nickname and summary is not None and summary.peer:
        known = store.contacts.get(summary.peer)
        if known is None or not known.nickname:
            store.set_contact(Contact(summary.peer, nickname=state.nickname, fetched_at=0.0))


def read_capture(data: bytes) -> Capture:
    """Accept a full answer ``{"code","data"}``, a bare ``data`` object, a list of items, or
    a finder-tui JSON export."""
    try:
        payload: Any = jsonio.loads(data)
    except jsonio.JSONError as exc:
        raise ImportFormatError(f"not JSON: {exc}") from None
    try:
        if isinstance(payload, list):
            return Capture(parse_page({"list": payload, "keyBuff": ""}), None)
        if isinstance(payload, dict) and payload.get("format") == "finder-tui-export":
            items = [m.get("item") for m in payload.get("messages", []) if isinstance(m, dict)]
            return Capture(
                parse_page({"list": items, "keyBuff": ""}), None, _session_state(payload)
            )
        if isinstance(payload, dict) and "code" in payload:
            code, message, body = parse_envelope(payload)
            if code != SUCCESS:
                raise ImportFormatError(f"saved answer is a failure (code {code}: {message})")
            payload = body
        page = parse_page(payload)
        return Capture(page, page.key_buff or None)
    except EnvelopeError as exc:
        raise ImportFormatError(str(exc)) from None


def newer_cursor(current: str, candidate: str) -> bool:
    """Whether an imported keyBuff is further along than the stored one (key 1, the seq)."""
    if not candidate:
        return False
    if not current:
        return True
    try:
        return keybuff.decode(candidate).value(1) > keybuff.decode(current).value(1)
    except keybuff.KeyBuffError:
        return False
