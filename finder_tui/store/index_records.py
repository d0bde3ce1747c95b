"""The records the index keeps and hands out: a session's summary, a live stream's state, and
what one ``Index.add`` changed. Plain data with their persisted shape (``to_doc``/``from_doc``);
the index owns the locking and the copies."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from ..peers import display_name
from ..wire.models import Message


@dataclass(slots=True)
class SessionSummary:
    session_id: str
    peer: str = ""
    alias: str = ""
    count: int = 0
    unread: int = 0
    last_time: int = 0
    last_seq: int = 0
    last_kind: str = ""
    last_out: bool = False
    preview: str = ""
    read_time: int = 0  # read marker: messages ordered after (read_time, read_seq) are unread
    read_seq: int = 0
    me: str = ""  # the identity this session uses (see Message.me)
    # From the contacts cache, filled on every copy the index hands out; never persisted here.
    nickname: str = field(default="", compare=False)

    @property
    def display_name(self) -> str:
        """What the user sees for this peer everywhere: alias > nickname > short id · kind."""
        return display_name(self.peer, self.alias, self.nickname)

    def to_doc(self) -> dict[str, Any]:
        # Spelled out, in field order (``from_doc``'s fast path; test_store_records checks it):
        # this runs for every session on every commit, 2.5x faster than a comprehension.
        return {
            "session_id": self.session_id,
            "peer": self.peer,
            "alias": self.alias,
            "count": self.count,
            "unread": self.unread,
            "last_time": self.last_time,
            "last_seq": self.last_seq,
            "last_kind": self.last_kind,
            "last_out": self.last_out,
            "preview": self.preview,
            "read_time": self.read_time,
            "read_seq": self.read_seq,
            "me": self.me,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> SessionSummary:
        if tuple(doc) == _SESSION_FIELDS:  # written by to_doc, in its order: every open,
            return cls(*doc.values())  # for every session, before the first paint
        try:
            return cls(**doc)
        except TypeError:  # a field this version does not know: keep the ones it does
            return cls(**{k: doc[k] for k in _SESSION_FIELDS if k in doc})

    def copy(self) -> SessionSummary:
        # Spelled out: every list refresh copies every summary (test_store checks it is whole).
        return SessionSummary(
            self.session_id,
            self.peer,
            self.alias,
            self.count,
            self.unread,
            self.last_time,
            self.last_seq,
            self.last_kind,
            self.last_out,
            self.preview,
            self.read_time,
            self.read_seq,
            self.me,
            self.nickname,
        )


@dataclass(slots=True)
class LiveStream:
    object_id: str
    started_at: int | None = None
    ended_at: int | None = None
    live_id: str = ""
    last_seq: int = 0
    notices: int = 0
    account: str = ""  # the streaming account's username, when something told us (store/live.py)
    account_name: str = ""

    @property
    def open_ended(self) -> bool:
        """Started with no end notice, however long ago: NOT "live now" (``live.is_live``)."""
        return self.started_at is not None and self.ended_at is None

    def to_doc(self) -> dict[str, Any]:
        # Spelled out like SessionSummary.to_doc: every commit writes the head's streams.
        return {
            "object_id": self.object_id,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "live_id": self.live_id,
            "last_seq": self.last_seq,
            "notices": self.notices,
            "account": self.account,
            "account_name": self.account_name,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> LiveStream:
        if tuple(doc) == _LIVE_FIELDS:  # written by to_doc, in its order (every open)
            return cls(*doc.values())
        try:
            return cls(**doc)
        except TypeError:
            return cls(**{k: doc[k] for k in _LIVE_FIELDS if k in doc})

    def copy(self) -> LiveStream:
        # Every commit copies the head's streams (up to ~2,000): one C call, not a generator.
        return LiveStream(*_live_values(self))


_SESSION_FIELDS = tuple(f.name for f in fields(SessionSummary) if f.name != "nickname")
_LIVE_FIELDS = tuple(f.name for f in fields(LiveStream))
_live_values = attrgetter(*_LIVE_FIELDS)


@dataclass(slots=True)
class LiveChange:
    stream: LiveStream
    event: str  # "started" | "ended"


@dataclass(slots=True)
class AddResult:
    new: list[Message] = field(default_factory=list)
    duplicates: int = 0
    live_changes: list[LiveChange] = field(default_factory=list)
