"""The outbox: messages on their way out, and drafts, in ``<store>/outbox.json``.

A file of its own (not tables of ``head.json``): it is tiny, it must be written *before* a
request leaves (an fsync'd atomic rewrite, as ``store/storage.py`` does for the head), and it
must never wait for or slow down the head's commit of a big sync page.

States: ``pending`` (committed, request not answered yet) → ``sent`` (``newMsgId`` known) →
``delivered`` (a sync brought the message back: the store's copy is the one bubble).
``failed``: nothing reached the server (a 1001, a refused connection). ``unknown``: the request
left and no answer came (timeout, cut connection, a kill): it may have been sent, so only the
user may send it again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import orjson

from ..fsutil import atomic_write_bytes
from ..wire.models import Message
from ..wire.sanitize import scrub, scrub_line

PENDING, SENT, DELIVERED, FAILED, UNKNOWN = "pending", "sent", "delivered", "failed", "unknown"
STATES = (PENDING, SENT, DELIVERED, FAILED, UNKNOWN)
OPEN_STATES = (PENDING, SENT, FAILED, UNKNOWN)  # everything not delivered
OUTBOX_FILE = "outbox.json"
FORMAT = 1
# No public source gives the vendor's limit; WeChat's own text box takes far more. 2,000
# characters is a safe ceiling for a DM: the compose box warns past it and sending is refused.
MAX_TEXT = 2_000
# A sync-delivered copy counts as ours only if the server stamped it no earlier than this many
# seconds before our request left (the server's clock and ours differ a little). Small on
# purpose: the same text typed a minute earlier (sent from the phone) must not mark a message
# delivered that never left.
CLOCK_SKEW = 5
KEEP_DELIVERED = 7 * 86_400  # delivered entries only mark bubbles; dropped after a week
# A ``sent`` entry (the server gave its newMsgId) that no sync brought back within a day will
# not come back: it is dropped from the outbox (the message went out; nothing is lost).
KEEP_SENT = 86_400


class OutboxError(Exception):
    """The outbox file cannot be written (or read); the text says which and why."""


def text_refusal(text: str) -> str:
    """Why a cleaned message text cannot be sent ("" when it can): the one check the compose
    box and the store thread both make."""
    if not text:
        return "nothing to send: the message is empty"
    if len(text) > MAX_TEXT:
        return f"too long to send: {len(text):,} characters (the limit is {MAX_TEXT:,})"
    return ""


def clean_text(text: str) -> str:
    """What a message body becomes before it is stored or sent: control characters stripped
    exactly as at ingest (``wire.sanitize.scrub``), outer blank space trimmed."""
    return scrub(text).strip()


@dataclass(slots=True)
class Entry:
    id: str
    session_id: str
    to_user: str
    my_user: str
    text: str
    created: float
    state: str = PENDING
    attempted_at: float | None = None  # when the last request left (committed before it did)
    attempts: int = 0
    new_msg_id: int | None = None
    error: str = ""
    updated: float = 0.0
    # The sync cursor's last seq when send (or retry) was pressed: a message at or below it
    # was already known before this send, so it never reconciles this entry by its text.
    known_seq: int = 0

    @property
    def in_flight(self) -> bool:
        return self.state == PENDING and self.attempted_at is not None

    def to_doc(self) -> dict[str, Any]:
        doc = {name: getattr(self, name) for name in _ENTRY_FIELDS}
        doc["new_msg_id"] = None if self.new_msg_id is None else str(self.new_msg_id)
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Entry:
        values = {k: doc[k] for k in _ENTRY_FIELDS if k in doc}
        raw_id = values.get("new_msg_id")
        values["new_msg_id"] = int(raw_id) if raw_id is not None else None
        entry = cls(**values)
        if entry.state not in STATES or not isinstance(entry.text, str):
            raise ValueError(f"entry {entry.id!r} has state {entry.state!r}")
        return entry

    def copy(self) -> Entry:
        return replace(self)


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))


class Outbox:
    """Entries and drafts; mutated by the store-owning thread, read from any thread (copies)."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / OUTBOX_FILE
        self._entries: dict[str, Entry] = {}
        self._drafts: dict[str, str] = {}
        self._lock = threading.Lock()
        self.warning = ""  # set by load() when the file, or an entry, was unreadable
        self.commits = 0

    # ---- loading and committing ------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path, *, now: float | None = None) -> Outbox:
        """Read the outbox of a store directory (the caller holds the store's lock).

        A ``pending`` entry whose request had left is now ``unknown`` (the process died before
        the answer); one that never left is ``failed``. Neither is ever sent again by itself.
        An unreadable file is moved aside (kept, named in ``warning``), never deleted; an
        unreadable entry is skipped (the file as read is copied aside) and the rest kept.
        """
        outbox = cls(directory)
        now = time.time() if now is None else now
        try:
            raw = outbox.path.read_bytes()
        except FileNotFoundError:
            return outbox
        except OSError as exc:
            raise OutboxError(f"cannot read {outbox.path}: {exc.strerror or exc}") from exc
        try:
            data = orjson.loads(raw)
            entries, bad = _entries_of(list(data.get("entries", [])))
            drafts = {str(k): str(v) for k, v in dict(data.get("drafts", {})).items()}
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
            aside = outbox.path.with_name(f"{OUTBOX_FILE}.unreadable-{int(now)}")
            try:
                outbox.path.rename(aside)
            except OSError as move:
                raise OutboxError(
                    f"{outbox.path} is unreadable ({type(exc).__name__}) and could not be "
                    f"moved aside: {move.strerror or move}"
                ) from move
            outbox.warning = (
                f"the outbox file was unreadable ({type(exc).__name__}); it was kept as {aside} "
                "and a new outbox started: check there for messages that may have been sent"
            )
            return outbox
        if bad:
            outbox.warning = _keep_bad_entries(outbox.path, raw, bad, now)
        for entry in entries:
            if entry.state == PENDING:
                if entry.attempted_at is not None:
                    entry.state = UNKNOWN
                    entry.error = "finder-tui stopped before the answer came; it may have been sent"
                else:
                    entry.state = FAILED
                    entry.error = "finder-tui stopped before sending it; nothing was sent"
            if entry.state == DELIVERED and now - entry.updated > KEEP_DELIVERED:
                continue
            if entry.state == SENT and now - (entry.updated or entry.created) > KEEP_SENT:
                continue
            outbox._entries[entry.id] = entry
        outbox._drafts = {k: v for k, v in drafts.items() if v}
        return outbox

    def commit(self) -> None:
        """Write the whole outbox atomically (temp file, fsync, rename, fsync the directory)."""
        with self._lock:
            payload = orjson.dumps(
                {
                    "format": FORMAT,
                    "entries": [e.to_doc() for e in self._entries.values()],
                    "drafts": self._drafts,
                }
            )
        try:
            atomic_write_bytes(self.path, payload)
        except OSError as exc:
            raise OutboxError(f"could not write {self.path}: {exc.strerror or exc}") from exc
        self.commits += 1

    # ---- reading (any thread) --------------------------------------------------------------

    def entries(self, session_id: str | None = None) -> list[Entry]:
        with self._lock:
            return [
                e.copy()
                for e in self._entries.values()
                if session_id is None or e.session_id == session_id
            ]

    def open_entries(self, session_id: str | None = None) -> list[Entry]:
        return [e for e in self.entries(session_id) if e.state in OPEN_STATES]

    def get(self, entry_id: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(entry_id)
            return entry.copy() if entry else None

    def find(self, needle: str) -> Entry:
        """An entry by its id or a unique prefix of it; ``KeyError`` with a reason otherwise."""
        with self._lock:
            if needle in self._entries:
                return self._entries[needle].copy()
            found = [e for k, e in self._entries.items() if needle and k.startswith(needle)]
        if len(found) == 1:
            return found[0].copy()
        shown = scrub_line(needle)[:40]
        raise KeyError(f"no outbox entry {shown!r}" if not found else f"{shown!r} is ambiguous")

    def delivered_ids(self, session_id: str) -> set[int]:
        with self._lock:
            return {
                e.new_msg_id
                for e in self._entries.values()
                if e.session_id == session_id and e.state == DELIVERED and e.new_msg_id
            }

    def draft(self, session_id: str) -> str:
        with self._lock:
            return self._drafts.get(session_id, "")

    # ---- changes (the owning thread; the caller commits) -----------------------------------

    def add(
        self, session_id: str, to_user: str, my_user: str, text: str, now: float, known_seq: int = 0
    ) -> Entry:
        entry = Entry(
            _new_id(self._entries),
            session_id,
            to_user,
            my_user,
            text,
            now,
            updated=now,
            known_seq=known_seq,
        )
        with self._lock:
            self._entries[entry.id] = entry
        return entry.copy()

    def set_draft(self, session_id: str, text: str) -> bool:
        with self._lock:
            if self._drafts.get(session_id, "") == text:
                return False
            if text:
                self._drafts[session_id] = text
            else:
                self._drafts.pop(session_id, None)
            return True

    def update(self, entry_id: str, **changes: Any) -> Entry:
        with self._lock:
            entry = self._entries[entry_id]
            for name, value in changes.items():
                setattr(entry, name, value)
            entry.updated = time.time()
            return entry.copy()

    def discard(self, entry_id: str) -> Entry:
        with self._lock:
            return self._entries.pop(entry_id)

    def reconcile(self, messages: Iterable[Message]) -> set[str]:
        """Mark entries delivered that these (synced) messages show arrived; returns the
        sessions that changed.

        By ``newMsgId`` first (a ``sent`` entry merges with its copy: one bubble). An
        ``unknown`` or in-flight entry whose answer never came is delivered by a sent message
        in its session with the same text, stamped after its request left (each message
        delivers at most one entry, the oldest).
        """
        changed: set[str] = set()
        with self._lock:
            waiting = [e for e in self._entries.values() if e.state in OPEN_STATES]
            if not waiting:
                return changed
            by_id = {e.new_msg_id: e for e in waiting if e.new_msg_id is not None}
            claimed = {e.new_msg_id for e in self._entries.values() if e.new_msg_id is not None}
            for message in messages:
                if not message.is_sender or not message.session_id:
                    continue
                entry = by_id.get(message.new_msg_id)
                if entry is None and message.new_msg_id not in claimed:
                    entry = _same_text(waiting, message)
                if entry is None or entry.state == DELIVERED:
                    continue
                entry.state = DELIVERED
                entry.new_msg_id = message.new_msg_id
                entry.error = ""
                entry.updated = time.time()
                claimed.add(message.new_msg_id)
                changed.add(entry.session_id)
        return changed


def _entries_of(docs: list[Any]) -> tuple[list[Entry], list[str]]:
    """The readable entries, and why each unreadable one was skipped (one bad entry never
    costs the others)."""
    entries: list[Entry] = []
    bad: list[str] = []
    for number, doc in enumerate(docs, 1):
        try:
            entries.append(Entry.from_doc(doc))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            bad.append(f"entry {number}: {type(exc).__name__}")
    return entries, bad


def _keep_bad_entries(path: Path, raw: bytes, bad: list[str], now: float) -> str:
    """Copy the file as read aside (the next commit rewrites it without the bad entries)."""
    aside = path.with_name(f"{OUTBOX_FILE}.bad-entries-{int(now)}")
    try:
        atomic_write_bytes(aside, raw)
        kept = f"the file as it was is kept as {aside}"
    except OSError as exc:
        kept = f"a copy could not be kept ({exc.strerror or exc})"
    return (
        f"{len(bad)} unreadable outbox {'entry was' if len(bad) == 1 else 'entries were'} "
        f"skipped ({'; '.join(bad[:3])}); the others are kept; {kept}"
    )


def _same_text(waiting: list[Entry], message: Message) -> Entry | None:
    text = clean_text(message.text)
    for entry in sorted(waiting, key=lambda e: e.created):
        if (
            entry.session_id == message.session_id
            and (entry.state == UNKNOWN or entry.in_flight)
            and entry.attempted_at is not None
            and message.create_time >= entry.attempted_at - CLOCK_SKEW
            and message.seq > entry.known_seq
            and entry.text == text
        ):
            return entry
    return None


def _new_id(taken: dict[str, Entry]) -> str:
    while True:
        candidate = secrets.token_hex(4)
        if candidate not in taken:
            return candidate
