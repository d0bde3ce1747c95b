"""Sends outbox entries one at a time, oldest first, each request committed before it leaves.

Runs in whichever thread owns the store (the service's, or the CLI's main thread): one request
in flight at a time, so at most one per session and in the order the user pressed send. Its
client is its own, with the send timeout, so a long sync read timeout never applies to a send.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from ..client import (
    ApiError,
    CredentialError,
    FinderClient,
    ProtocolError,
    SyncError,
    TransportError,
)
from .api import SendTarget, get_session_id, private_send
from .book import FAILED, PENDING, SENT, UNKNOWN, Entry, Outbox, OutboxError


@dataclass(frozen=True, slots=True)
class SendOutcome:
    entry: Entry  # as it ended (state sent, failed or unknown)

    @property
    def state(self) -> str:
        return self.entry.state


class Sender:
    def __init__(self, outbox: Outbox, client: FinderClient) -> None:
        self.outbox = outbox
        self.client = client
        self._queue: deque[str] = deque()
        # Set when a request could not even connect: what the user asked for before then
        # (queued behind it) fails at once, still failed and nothing left, instead of each
        # waiting out its own timeout: a dead server never holds the store thread N sends
        # long. What is asked for (sent or retried) afterwards gets a request of its own.
        self._unreachable = ""
        self._unreachable_at = 0.0

    @property
    def has_work(self) -> bool:
        return bool(self._queue)

    def enqueue(self, entry_id: str) -> None:
        self._queue.append(entry_id)

    def send_next(self) -> SendOutcome | None:
        """Send the oldest queued entry; None when there is none (or it was discarded)."""
        while self._queue:
            entry = self.outbox.get(self._queue.popleft())
            if entry is not None and entry.state == PENDING and entry.attempted_at is None:
                if self._unreachable and entry.updated <= self._unreachable_at:
                    return SendOutcome(self._finish(entry.id, FAILED, self._unreachable))
                return SendOutcome(self.send(entry))
        return None

    def send(self, entry: Entry) -> Entry:
        """One attempt: commit that it leaves, send, commit what came back."""
        if not entry.session_id:
            try:
                session_id = get_session_id(
                    self.client, entry.to_user, entry.my_user, as_channels=_is_channels(entry)
                )
            except SyncError as exc:
                # Only a session lookup was attempted: nothing was sent.
                return self._finish(entry.id, FAILED, f"no session id: {exc}")
            entry = self.outbox.update(entry.id, session_id=session_id)
        attempted = self.outbox.update(
            entry.id, attempted_at=time.time(), attempts=entry.attempts + 1, error=""
        )
        try:
            self.outbox.commit()
        except OutboxError as exc:
            # Never send what is not on disk: a kill now would forget the request ever left.
            return self._finish(entry.id, FAILED, f"not sent: {exc}", attempted_at=None)
        target = SendTarget(attempted.session_id, attempted.to_user, attempted.my_user)
        try:
            new_msg_id = private_send(self.client, target, attempted.text)
        except TransportError as exc:
            if exc.sent:
                return self._finish(entry.id, UNKNOWN, f"no answer: {exc}")
            self._unreachable = f"not sent: the server could not be reached ({exc})"
            self._unreachable_at = time.time()
            return self._finish(entry.id, FAILED, f"not sent: {exc}")
        except (ApiError, CredentialError) as exc:
            return self._finish(entry.id, FAILED, f"refused: {exc}")
        except ProtocolError as exc:
            return self._finish(entry.id, UNKNOWN, f"unreadable answer: {exc}")
        except Exception as exc:  # noqa: BLE001 - after the request left, anything is "unknown"
            return self._finish(entry.id, UNKNOWN, f"{type(exc).__name__}: {exc}")
        return self._finish(entry.id, SENT, "", new_msg_id=new_msg_id)

    def _finish(self, entry_id: str, state: str, error: str, **changes: object) -> Entry:
        entry = self.outbox.update(entry_id, state=state, error=error[:300], **changes)
        try:
            self.outbox.commit()
        except OutboxError:
            # The state is kept in memory and written by the next commit; a kill before then
            # reads the entry as unknown (its request had left), which is the safe side.
            pass
        return entry


def _is_channels(entry: Entry) -> bool:
    return entry.my_user.endswith("@finder")
