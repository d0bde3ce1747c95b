"""The outbox's side of the store-owning thread: typed send commands, sends, reconciliation.

``SyncService`` owns one ``OutboxDesk``: it hands it the UI's commands, lets it send one queued
message between everything else it does, and passes it each page of synced messages before the
UI hears of them, so a message that came back is one bubble from the first frame.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from . import service_events as ev
from .client import ClientConfig, FinderClient
from .outbox import (
    FAILED,
    PENDING,
    SENT,
    UNKNOWN,
    Entry,
    Outbox,
    OutboxError,
    Sender,
    clean_text,
    text_refusal,
)
from .service_commands import (
    DiscardSend,
    OutboxCommand,
    RetrySend,
    SaveDraft,
    SendText,
    SendToUser,
)
from .store import Store
from .wire.keybuff import KeyBuffError, decode

DEFAULT_SEND_TIMEOUT = 15.0
QUEUED = "queued"  # OutboxChanged.state of a new entry (a UI shows its own bubble until then)
STALE = "stale"  # OutboxChanged.state of a retry ignored because the entry had moved on


def send_client_config(config: ClientConfig, send_timeout: float) -> ClientConfig:
    """The sync client's settings with the send's own (shorter) read timeout."""
    return dataclasses.replace(config, read_timeout=send_timeout)


class OutboxDesk:
    def __init__(
        self,
        store: Store,
        outbox: Outbox,
        client_config: ClientConfig | None,
        emit: Callable[[ev.Event], None],
        *,
        send_timeout: float = DEFAULT_SEND_TIMEOUT,
        offline_reason: str = "offline: no server is configured",
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.emit = emit
        self._client = (
            FinderClient(send_client_config(client_config, send_timeout))
            if client_config is not None
            else None
        )
        self.sender = Sender(outbox, self._client) if self._client is not None else None
        self.offline_reason = offline_reason if self.sender is None else ""

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # ---- commands --------------------------------------------------------------------------

    def apply(self, command: OutboxCommand) -> None:
        match command:
            case SendText(session_id, text, pressed_at):
                self._send_text(session_id, text, pressed_at)
            case SendToUser(to_user, my_user, text):
                self._send_to_user(to_user, my_user, text)
            case RetrySend(entry_id, seen_state, seen_attempts):
                self._retry(entry_id, seen_state, seen_attempts)
            case DiscardSend(entry_id):
                self._discard(entry_id)
            case SaveDraft(session_id, text):
                if self.outbox.set_draft(session_id, text):
                    self._commit()

    def _send_text(self, session_id: str, raw_text: str, pressed_at: float) -> None:
        text = clean_text(raw_text)
        refusal = self._refusal(session_id, text)
        if refusal:
            self.emit(ev.OutboxNotice(refusal, session_id, refused_text=raw_text))
            return
        summary = self.store.index.session(session_id)
        assert summary is not None  # _refusal checked it
        me, known_seq = self._identity(session_id), self._known_seq()
        entry = self.outbox.add(session_id, summary.peer, me, text, pressed_at, known_seq)
        self._queue(entry, raw_text)

    def _send_to_user(self, to_user: str, my_user: str, raw_text: str) -> None:
        text = clean_text(raw_text)
        refusal = self._text_refusal(text) or (
            "" if to_user and my_user else "a new conversation needs both usernames"
        )
        if refusal:
            self.emit(ev.OutboxNotice(refusal))
            return
        self._queue(self.outbox.add("", to_user, my_user, text, time.time()))

    def _queue(self, entry: Entry, raw_text: str = "") -> None:
        """Commit ``entry`` and queue it; a session's draft is cleared only with that commit
        (a refused commit leaves the draft, and hands the text back to the UI)."""
        draft = self.outbox.draft(entry.session_id) if entry.session_id else ""
        if entry.session_id:
            self.outbox.set_draft(entry.session_id, "")
        try:
            self.outbox.commit()
        except OutboxError as exc:
            self.outbox.discard(entry.id)
            if entry.session_id:
                self.outbox.set_draft(entry.session_id, draft)
            self.emit(ev.OutboxNotice(f"not sent: {exc}", entry.session_id, refused_text=raw_text))
            return
        assert self.sender is not None
        self.sender.enqueue(entry.id)
        self.emit(ev.OutboxChanged(entry.session_id, entry.id, QUEUED))

    def _text_refusal(self, text: str) -> str:
        if self.sender is None:
            return self.offline_reason
        return text_refusal(text)

    def _refusal(self, session_id: str, text: str) -> str:
        refusal = self._text_refusal(text)
        if refusal:
            return refusal
        if self.store.index.session(session_id) is None:
            return "no such conversation"
        if not self._identity(session_id):
            return "cannot tell which identity this conversation uses; sync it first"
        return ""

    def _known_seq(self) -> int:
        """The last seq synced so far (0 when unknown: then time and text alone decide)."""
        try:
            return decode(self.store.key_buff).value(1) if self.store.key_buff else 0
        except KeyBuffError:
            return 0

    def _identity(self, session_id: str) -> str:
        summary = self.store.index.session(session_id)
        if summary is not None and summary.me:
            return summary.me
        for message in reversed(self.store.index.messages(session_id)):
            if message.me:
                return message.me
        return ""

    def _retry(self, entry_id: str, seen_state: str, seen_attempts: int) -> None:
        entry = self.outbox.get(entry_id)
        if entry is None:
            return
        if self.sender is None:
            self.emit(ev.OutboxNotice(self.offline_reason, entry.session_id))
            return
        if (
            entry.state not in (FAILED, UNKNOWN)
            or entry.state != seen_state
            or entry.attempts != seen_attempts
        ):
            # Moved on since the user chose (e.g. a first retry timed out into unknown):
            # sending now would be a send the user never confirmed.
            self.emit(ev.OutboxChanged(entry.session_id, entry_id, STALE))
            return
        self.outbox.update(
            entry_id, state=PENDING, attempted_at=None, error="", known_seq=self._known_seq()
        )
        self._commit()
        self.sender.enqueue(entry_id)
        self.emit(ev.OutboxChanged(entry.session_id, entry_id, PENDING))

    def _discard(self, entry_id: str) -> None:
        entry = self.outbox.get(entry_id)
        # A ``sent`` one too: it went out, but a sync may never bring it back (forgetting it
        # only empties the outbox).
        if entry is None or entry.in_flight or entry.state not in (FAILED, UNKNOWN, PENDING, SENT):
            return
        self.outbox.discard(entry_id)
        self._commit()
        self.emit(ev.OutboxChanged(entry.session_id, entry_id, "discarded"))

    # ---- sending ---------------------------------------------------------------------------

    @property
    def has_work(self) -> bool:
        return self.sender is not None and self.sender.has_work

    def send_one(self) -> None:
        """Send the oldest queued message (blocks this thread for at most the send timeout)."""
        if self.sender is None:
            return
        outcome = self.sender.send_next()
        if outcome is not None:
            entry = outcome.entry
            self.emit(ev.OutboxChanged(entry.session_id, entry.id, entry.state, entry.error))

    # ---- reconciliation --------------------------------------------------------------------

    def reconcile_stored(self) -> None:
        """At start-up: messages synced before a crash may already deliver open entries."""
        sessions = {e.session_id for e in self.outbox.open_entries()}
        messages = [m for sid in sessions for m in self.store.index.messages(sid)]
        self._reconciled(self.outbox.reconcile(messages))

    def on_synced(self, event: ev.NewMessages) -> None:
        mine = [m for msgs in event.by_session.values() for m in msgs if m.is_sender]
        if mine:
            self._reconciled(self.outbox.reconcile(mine))

    def _reconciled(self, sessions: set[str]) -> None:
        if not sessions:
            return
        self._commit()
        for session_id in sessions:
            self.emit(ev.OutboxChanged(session_id, "", "delivered"))

    def _commit(self) -> None:
        try:
            self.outbox.commit()
        except OutboxError as exc:
            self.emit(ev.OutboxNotice(str(exc), ""))
