"""The Index's reads and writes of sealed history (a mixin of ``Index``, kept apart so the
index module stays small): counts before the catalog loads, the catalog's attachment,
moving the head into a segment, and conversations read across the head and the segments."""

from __future__ import annotations

import bisect
import threading
from typing import Any

from ..wire.content import LIVE_ENDED, LIVE_STARTED
from ..wire.models import Message
from .catalog import SealedHistory
from .keyset import KeySet
from .recall import Recalls

FEED_OWNERS_KEPT = 5_000  # a live notice follows its post by days, not years


def _order(message: Message) -> tuple[int, int]:
    return (message.create_time, message.seq)


class SealedReads:
    # Set by Index.__init__ (declared here for the type checker).
    _lock: threading.RLock
    _keys: KeySet
    _recalls: Recalls
    _feed_owners: dict[str, tuple[str, str]]
    _by_session: dict[str, list[Message]]
    _notices: list[Message]
    _sessions: dict[str, Any]  # SessionSummary (index.py imports this module, not the reverse)
    _sealed_live_seqs: list[int]
    _max_notice_seq: int
    sealed: SealedHistory | None
    sealed_count: int
    sealed_notices: int
    message_count: int

    def _changed(self) -> None:
        raise NotImplementedError

    def set_sealed_counts(self, messages: int, notices: int) -> None:
        """What the head's meta says sealed history holds (before its catalog is read)."""
        with self._lock:
            self.message_count += messages - self.sealed_count
            self.sealed_count, self.sealed_notices = messages, notices

    def attach(self, sealed: SealedHistory) -> None:
        """Sealed history is catalogued: its counts replace the meta's."""
        with self._lock:
            self.sealed = sealed
            sealed.recalled = self._recalls.keys  # shared: a later recall marks sealed reads
            self._sealed_live_seqs = sorted(sealed.live_seqs())
            if self._sealed_live_seqs:
                self._max_notice_seq = max(self._max_notice_seq, self._sealed_live_seqs[-1])
            self.set_sealed_counts(sealed.count, sealed.notices)
            self._changed()

    def restore_recalled(self, keys: list[str]) -> None:
        """The recalled messages' keys saved in the head (before its messages load)."""
        with self._lock:
            self._recalls.keys.update(k for k in keys if isinstance(k, str))

    def recalled_for_store(self) -> list[str]:
        with self._lock:
            return sorted(self._recalls.keys)

    def restore_feed_owners(self, rows: list[Any]) -> None:
        """Channel posts' owners saved in the head: a live notice for a post read before a
        seal still finds its account's name after a reopen."""
        with self._lock:
            for row in rows:
                if isinstance(row, list) and len(row) == 3 and all(isinstance(v, str) for v in row):
                    self._feed_owners.setdefault(row[0], (row[1], row[2]))

    def feed_owners_for_store(self) -> list[list[str]]:
        """The newest ``FEED_OWNERS_KEPT`` object ids' owners (about 150 bytes each)."""
        with self._lock:
            rows = list(self._feed_owners.items())[-FEED_OWNERS_KEPT:]
            return [[oid, user, nick] for oid, (user, nick) in rows]

    def add_sealed_keys(self, keys: list[bytes]) -> None:
        """Sealed history's dedupe keys (read once, before the first ingest)."""
        with self._lock:
            self._keys.add_hashes(keys)

    def on_sealed(self) -> list[Message]:
        """The head's messages moved into a segment: drop them from the head lists (the
        caller hands them to ``sealed``); returns them."""
        with self._lock:
            moved = list(self._notices)
            for messages in self._by_session.values():
                moved.extend(messages)
            self._by_session, self._notices = {}, []
            self.sealed_count += len(moved)
            self.sealed_notices += sum(1 for m in moved if not m.session_id)
            self._sealed_live_seqs.extend(
                m.seq for m in moved if not m.session_id and m.kind in (LIVE_STARTED, LIVE_ENDED)
            )
            self._sealed_live_seqs.sort()
            return moved

    def recount(self) -> None:
        """Session counts from the catalog and the head (after segments were set aside)."""
        with self._lock:
            for sid, summary in self._sessions.items():
                sealed = self.sealed.session_count(sid) if self.sealed is not None else 0
                summary.count = sealed + len(self._by_session.get(sid, ()))
                summary.unread = min(summary.unread, summary.count)
            self._changed()

    def _head(self, session_id: str) -> list[Message]:
        return self._notices if session_id == "" else self._by_session.get(session_id, [])

    def messages(self, session_id: str) -> list[Message]:
        """A whole conversation, oldest first ("" = the account's notices). Sealed parts are
        read from disk on first use (then cached): prefer ``messages_before`` for a screen."""
        with self._lock:
            head = self._head(session_id)
            if self.sealed is None:
                return list(head)
            return [*self.sealed.messages(session_id), *head]

    def messages_before(
        self, session_id: str, before: tuple[int, int] | None = None, limit: int = 300
    ) -> list[Message]:
        """Up to ``limit`` messages of a session ordered before ``before`` (a (create_time, seq)
        pair; None = the newest), oldest first: what a conversation shows, then scrolls into."""
        with self._lock:
            head = self._head(session_id)
            if before is not None:
                head = head[: bisect.bisect_left(head, before, key=_order)]
            out = head[-limit:] if limit > 0 else []
            if self.sealed is None or limit <= 0:
                return list(out)
            newest = self.sealed.newest(session_id)
            if newest is None or (len(out) == limit and newest < _order(out[0])):
                return list(out)
            # A message that arrived after a seal may be ordered before sealed ones: merge
            # rather than assume the head is newer than every segment.
            older = self.sealed.messages_before(session_id, before, limit)
            return sorted([*older, *out], key=_order)[-limit:]

    def head_messages(self) -> list[Message]:
        """The head's (unsealed) messages, notices first."""
        with self._lock:
            out: list[Message] = list(self._notices)
            for messages in self._by_session.values():
                out.extend(messages)
            return out

    def find_message(self, key: str) -> Message | None:
        """The message stored under dedupe ``key`` (a NewMsgId as text), without reading
        every segment: the head first, then the one sealed slice that holds it."""
        with self._lock:
            for message in (*self._notices, *(m for c in self._by_session.values() for m in c)):
                if message.key == key:
                    return message
            return self.sealed.find(key) if self.sealed is not None else None

    def all_messages(self) -> list[Message]:
        """Every message, sealed ones read from disk: for tests and small stores."""
        with self._lock:
            if self.sealed is None:
                return self.head_messages()
            sids = {"", *self._by_session, *self._sessions}
            out: list[Message] = []
            for sid in sids:
                out.extend(self.messages(sid))
            return out

    def notice_count(self) -> int:
        with self._lock:
            return len(self._notices) + self.sealed_notices

    def notices(self) -> list[Message]:
        return self.messages("")
