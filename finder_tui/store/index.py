"""The in-memory index the UI and CLI read: sessions, conversations, live streams, dedupe keys.

The store thread mutates it; the UI thread reads it. Every public method takes the lock and
returns copies (but the store thread's own ``*_for_store`` reads), so a reader never sees a
half-applied page and never iterates a dict that is changing under it.

Only the head's messages are held here; sealed history stays on disk behind ``sealed`` (a
``SealedHistory``: per-session catalog, LRU of loaded sessions, search text), attached by the
store once the segments' sidecars are read. Live-stream state (``LiveStream``, ``_apply_live``)
is kept from the notices as they arrive and persisted with the head.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable

from ..peers import display_name
from ..wire.content import LIVE_ENDED, LIVE_STARTED
from ..wire.models import Message
from ..wire.sanitize import scrub_line
from ..wire.sysmsg import fill_pat
from . import live
from .catalog import SealedHistory
from .index_records import AddResult, LiveChange, LiveStream, SessionSummary
from .index_sealed import SealedReads
from .keyset import KeySet
from .recall import Recalls


def _order(message: Message) -> tuple[int, int]:
    return (message.create_time, message.seq)


def _preview(message: Message) -> str:
    template = message.meta.get("template") if message.meta.get("type") == "pat" else None
    if isinstance(template, str):  # a pat names people by display name, not by raw id
        return scrub_line(fill_pat(template, display_name))[:120]
    return scrub_line(message.text)[:120]


class Index(SealedReads):
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._keys = KeySet()
        self._by_session: dict[str, list[Message]] = {}  # the head's (unsealed) messages
        self._sessions: dict[str, SessionSummary] = {}
        # Sessions whose newest message changed since their preview was made: the preview
        # is made when a summary is read (``_settle_previews``), once for the several
        # messages a sync adds to a session between two commits.
        self._previews_due: dict[str, Message] = {}
        self._notices: list[Message] = []  # the head's notices
        self.sealed: SealedHistory | None = None
        self._sealed_live_seqs: list[int] = []
        self._max_notice_seq = 0
        self.sealed_count = 0  # sealed messages (from the head's meta until the catalog loads)
        self.sealed_notices = 0
        self._live: dict[str, LiveStream] = {}
        self._live_seen_seq = 0
        self._nicknames: dict[str, str] = {}  # peer → nickname, from the contacts cache
        self._feed_owners: dict[str, tuple[str, str]] = {}  # object id -> (username, nickname)
        self.live_stale_after = live.DEFAULT_STALE_AFTER  # a start older than this is not live
        self._sorted_cache: list[SessionSummary] | None = None
        self.version = 0  # bumped on every change; cheap "did anything change" for readers
        self.message_count = 0
        self.complete = True  # False while sealed segments are still loading
        self._recalls = Recalls()

    # ---- writes (store thread) -------------------------------------------------------------

    def restore(
        self,
        sessions: Iterable[SessionSummary],
        live: Iterable[LiveStream],
        live_seen_seq: int,
    ) -> None:
        """Load persisted summaries: shown as-is until ``finish_load`` recomputes them."""
        with self._lock:
            self._sessions = {s.session_id: s for s in sessions}
            self._previews_due = {}
            self._live = {s.object_id: s for s in live}
            self._live_seen_seq = live_seen_seq
            self._changed()

    def restore_archived(self, streams: Iterable[LiveStream]) -> None:
        """Ended streams kept out of the head (the head's copy of a stream wins)."""
        with self._lock:
            for stream in streams:
                self._live.setdefault(stream.object_id, stream)
            self._changed()

    def load(self, messages: Iterable[Message]) -> None:
        """Bulk-load stored messages (no summary or live bookkeeping until ``finish_load``)."""
        with self._lock:
            for message in messages:
                if not self._keys.add_if_new(message.key):
                    continue
                self.message_count += 1
                if message.session_id:
                    conversation = self._by_session.setdefault(message.session_id, [])
                    self._insert(conversation, message)
                    self._recalls.see(message, conversation)
                    self._note_feed(message)
                else:
                    self._insert(self._notices, message)
                    self._max_notice_seq = max(self._max_notice_seq, message.seq)

    def finish_load(self) -> None:
        """Recompute every derived summary from the messages, keeping aliases and read markers.

        Only when the head holds all history: with sealed segments the persisted summaries
        (committed atomically with the messages) are the truth, and nothing is re-read."""
        with self._lock:
            if self.sealed is not None and (self.sealed.segments or self.sealed.bad):
                self.complete = True
                self._changed()
                return
            old = self._sessions
            self._sessions = {}
            for sid, messages in self._by_session.items():
                prior = old.get(sid)
                summary = SessionSummary(sid)
                if prior is not None:
                    summary.alias = prior.alias
                    summary.read_time, summary.read_seq = prior.read_time, prior.read_seq
                for message in messages:
                    self._account(summary, message)
                self._sessions[sid] = summary
            self._settle_previews()
            live_seen = self._live_seen_seq
            self._live = {}
            for notice in self._notices:
                self._apply_live(notice)
            self._live_seen_seq = live_seen
            self.complete = True
            self._changed()

    def add(self, messages: Iterable[Message]) -> AddResult:
        result = AddResult()
        with self._lock:
            for message in messages:
                if not self._keys.add_if_new(message.key):
                    result.duplicates += 1
                    continue
                self.message_count += 1
                result.new.append(message)
                if not message.session_id:
                    self._insert(self._notices, message)
                    self._max_notice_seq = max(self._max_notice_seq, message.seq)
                    change = self._apply_live(message)
                    if change is not None:
                        result.live_changes.append(change)
                    continue
                conversation = self._by_session.setdefault(message.session_id, [])
                self._insert(conversation, message)
                recalled = self._recalls.see(message, conversation)
                if recalled is not None and self.sealed is not None:
                    self.sealed.mark_recalled(message.session_id, recalled)
                self._note_feed(message)
                summary = self._sessions.get(message.session_id)
                if summary is None:
                    summary = self._sessions[message.session_id] = SessionSummary(
                        message.session_id
                    )
                self._account(summary, message)
            if result.new:
                self._changed()
        return result

    @staticmethod
    def _insert(target: list[Message], message: Message) -> None:
        if target and _order(target[-1]) > _order(message):
            bisect.insort(target, message, key=_order)
        else:
            target.append(message)

    def _account(self, summary: SessionSummary, message: Message) -> None:
        summary.count += 1
        if not summary.peer:
            summary.peer = message.peer
        if not summary.me:
            summary.me = message.me
        if _order(message) >= (summary.last_time, summary.last_seq):
            summary.last_time, summary.last_seq = message.create_time, message.seq
            summary.last_kind, summary.last_out = message.kind, message.is_sender
            self._previews_due[summary.session_id] = message
        if not message.is_sender and _order(message) > (summary.read_time, summary.read_seq):
            summary.unread += 1

    def _settle_previews(self) -> None:
        """Make the previews still due (under the lock, before any summary is read)."""
        for sid, message in self._previews_due.items():
            summary = self._sessions.get(sid)
            if summary is not None:
                summary.preview = _preview(message)
        self._previews_due.clear()

    def _apply_live(self, message: Message) -> LiveChange | None:
        if message.kind not in (LIVE_STARTED, LIVE_ENDED):
            return None
        object_id = str(message.meta.get("object_id", ""))
        if not object_id:
            return None
        stream = self._live.get(object_id)
        if stream is None:
            stream = self._live[object_id] = LiveStream(object_id)
            if object_id in self._feed_owners:
                live.adopt_owner(stream, *self._feed_owners[object_id])
        event = live.apply_notice(stream, message)
        return LiveChange(stream.copy(), event) if event else None

    def _note_feed(self, message: Message) -> None:
        """A shared Channels post names the account behind its object id (and its stream)."""
        if message.msg_type != live.MSG_APPMSG:
            return
        owner = live.feed_owner(message)
        if owner is None:
            return
        object_id, username, nickname = owner
        self._feed_owners.setdefault(object_id, (username, nickname))
        stream = self._live.get(object_id)
        if stream is not None:
            live.adopt_owner(stream, username, nickname)

    def mark_read(self, session_id: str) -> bool:
        with self._lock:
            summary = self._sessions.get(session_id)
            if summary is None:
                return False
            marker = (summary.last_time, summary.last_seq)
            if summary.unread == 0 and (summary.read_time, summary.read_seq) >= marker:
                return False
            summary.read_time, summary.read_seq = marker
            summary.unread = 0
            self._changed()
            return True

    def mark_unread(self, session_id: str) -> bool:
        """Move the read marker back before the last received message (``u``)."""
        with self._lock:
            summary = self._sessions.get(session_id)
            received = [m for m in self._by_session.get(session_id, ()) if not m.is_sender]
            if summary is None or not received or summary.unread:
                return False
            last = _order(received[-1])
            summary.read_time, summary.read_seq = last[0], last[1] - 1
            summary.unread = 1
            self._changed()
            return True

    def restore_read_marker(self, session_id: str, read_time: int, read_seq: int) -> bool:
        """A marker from an imported export; only ever moves forward (never unreads)."""
        with self._lock:
            summary = self._sessions.get(session_id)
            marker = (read_time, read_seq)
            if summary is None or marker <= (summary.read_time, summary.read_seq):
                return False
            summary.read_time, summary.read_seq = marker
            summary.unread = sum(
                1
                for m in self._by_session.get(session_id, ())
                if not m.is_sender and _order(m) > marker
            )
            self._changed()
            return True

    def set_alias(self, session_id: str, alias: str) -> bool:
        with self._lock:
            summary = self._sessions.get(session_id)
            if summary is None:
                return False
            summary.alias = scrub_line(alias).strip()[:64]
            self._changed()
            return True

    def set_nicknames(self, nicknames: dict[str, str]) -> None:
        """Peers' nicknames (already scrubbed) to show in every summary handed out."""
        with self._lock:
            if nicknames != self._nicknames:
                self._nicknames = dict(nicknames)
                self._changed()

    def _named_copy(self, summary: SessionSummary) -> SessionSummary:
        copy = summary.copy()
        copy.nickname = self._nicknames.get(summary.peer, "")
        return copy

    def mark_live_seen(self) -> bool:
        with self._lock:
            newest = self._max_notice_seq
            if newest <= self._live_seen_seq:
                return False
            self._live_seen_seq = newest
            self._changed()
            return True

    def _changed(self) -> None:
        self.version += 1
        self._sorted_cache = None

    # ---- reads (any thread) ----------------------------------------------------------------

    def has_key(self, key: str) -> bool:
        with self._lock:
            return key in self._keys

    def sessions(self) -> list[SessionSummary]:
        """Newest activity first (copies)."""
        with self._lock:
            if self._sorted_cache is None:
                self._settle_previews()
                self._sorted_cache = sorted(
                    (self._named_copy(s) for s in self._sessions.values()),
                    key=lambda s: (s.last_time, s.last_seq),
                    reverse=True,
                )
            return list(self._sorted_cache)

    def session(self, session_id: str) -> SessionSummary | None:
        with self._lock:
            self._settle_previews()
            summary = self._sessions.get(session_id)
            return self._named_copy(summary) if summary else None

    def live_streams(self, now: float | None = None) -> list[LiveStream]:
        """Live now first, then by most recent end (see ``live.sort_key``)."""
        now = time.time() if now is None else now
        with self._lock:
            streams = [s.copy() for s in self._live.values()]
        streams.sort(key=lambda s: live.sort_key(s, now, self.live_stale_after), reverse=True)
        return streams

    def open_streams(self) -> list[LiveStream]:
        """Copies of the streams started with no end seen (live now, or stale), newest first."""
        with self._lock:
            streams = [
                s.copy()
                for s in self._live.values()
                if s.ended_at is None and s.started_at is not None
            ]
        streams.sort(key=lambda s: s.started_at or 0, reverse=True)
        return streams

    def live_now_count(self, now: float | None = None) -> int:
        """Streams plausibly live now: started, no end seen, and not older than the limit."""
        now = time.time() if now is None else now
        with self._lock:
            return sum(
                1 for s in self._live.values() if live.is_live(s, now, self.live_stale_after)
            )

    def live_titles(self, streams: Iterable[LiveStream]) -> list[str]:
        """Whose streams: a name from notices or a shared post, an alias, or "a followed account"."""
        with self._lock:
            # Alias > nickname (from the contacts cache), as everywhere else.
            names = dict(self._nicknames)
            names.update((s.peer, s.alias) for s in self._sessions.values() if s.alias)
        return [live.title(stream, lambda peer: names.get(peer, "")) for stream in streams]

    def unseen_live_notices(self) -> int:
        with self._lock:
            head = sum(
                1
                for m in self._notices
                if m.seq > self._live_seen_seq and m.kind in (LIVE_STARTED, LIVE_ENDED)
            )
            seqs = self._sealed_live_seqs
            return head + len(seqs) - bisect.bisect_right(seqs, self._live_seen_seq)

    @property
    def live_seen_seq(self) -> int:
        return self._live_seen_seq

    def session_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    # The two ``*_for_store`` reads hand out the index's own records, not copies: the store
    # thread (their only writer) serialises them at once on every commit, thousands of them,
    # and never passes them on.

    def summaries_for_store(self) -> list[SessionSummary]:
        with self._lock:
            self._settle_previews()
            return list(self._sessions.values())

    def live_for_store(self, skip: set[str] | frozenset[str] = frozenset()) -> list[LiveStream]:
        """The streams the head may keep: ``skip`` (the archived ones) is left out."""
        with self._lock:
            return [s for s in self._live.values() if s.object_id not in skip]
