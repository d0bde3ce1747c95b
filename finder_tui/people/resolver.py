"""Which name to ask for next, and when: runs in the store-owning thread, one request per step.

Order: the own identity (``/finderHome``, once per start and again later after a failure or an
unreadable answer), then peers never asked about (newest conversation first), then answers
older than a week. At most one request every ``interval`` seconds; after a failure it pauses,
longer each time (``pause`` doubling up to ``MAX_PAUSE``), instead of hammering a server that is
down, refusing the token or lacking the endpoint. A name never stops sync: any error in one
lookup is logged by its type only and that peer is recorded as unreadable. Sync never waits on a
name: the service steps the resolver between commands and sync cycles, each request with the
short ``NAME_TIMEOUTS``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from ..client import AuthError, ClientConfig, FinderClient, SyncError
from ..peers import WECHAT, peer_kind
from ..store import Store
from ..store.contacts import UNREADABLE, Contact, Profile
from .api import fetch_contact, fetch_profile

log = logging.getLogger(__name__)

REFRESH_AFTER = 7 * 86400.0
UNREADABLE_RETRY = 86400.0  # an answer we could not read: ask again tomorrow, not every sync
MAX_PAUSE = 6 * 3600.0
WECHAT_ROLE, CHANNELS_ROLE = 1, 3
# (connect, read) seconds: a name request holds the store thread (and the user's queued
# commands) for at most about this long.
NAME_TIMEOUTS = (2.0, 3.0)


def names_client_config(config: ClientConfig) -> ClientConfig:
    """The client settings for name requests: the sync's, with short timeouts."""
    connect, read = NAME_TIMEOUTS
    return replace(
        config,
        connect_timeout=min(config.connect_timeout, connect),
        read_timeout=min(config.read_timeout, read),
    )


class NameResolver:
    def __init__(
        self,
        client: FinderClient,
        store: Store,
        *,
        interval: float = 0.34,  # ~3 requests a second
        pause: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.store = store
        self.interval = interval
        self.pause = pause
        self._clock = clock
        self._wall = wall
        self._next_at = 0.0
        # When to ask /finderHome: now at start (the cache shows the last one meanwhile), never
        # again once read, later again after a failure or an unreadable answer.
        self._profile_due = 0.0
        self._profile_misses = 0  # unanswered or unreadable /finderHome in a row
        self._retry_peer: dict[str, float] = {}  # peer → monotonic time a busy 1001 lets us retry
        self._failures = 0  # failures in a row: each doubles the pause
        self._logged: set[str] = set()  # error types already logged (once each)
        self.requests = 0
        self.last_error = ""

    # ---- planning --------------------------------------------------------------------------

    def _profile(self) -> Profile | None:
        return self.store.contacts.profile

    def next_peer(self) -> str | None:
        """The peer to ask about next: unknown ones (newest first), then stale answers."""
        now_wall, now = self._wall(), self._clock()
        stale: str | None = None
        for summary in self.store.index.sessions():  # newest activity first
            peer = summary.peer
            if not peer or self._retry_peer.get(peer, 0.0) > now:
                continue
            known = self.store.contacts.get(peer)
            if known is None:
                return peer
            age = REFRESH_AFTER if known.status != UNREADABLE else UNREADABLE_RETRY
            if stale is None and now_wall - known.fetched_at >= age:
                stale = peer
        return stale

    def has_work(self) -> bool:
        return self._profile_due != float("inf") or self.next_peer() is not None

    def due_in(self) -> float:
        """Seconds until ``step`` would send something (``inf`` when nothing is to be asked)."""
        now = self._clock()
        if self.next_peer() is not None:
            start = self._next_at
        elif self._profile_due != float("inf"):
            start = max(self._next_at, self._profile_due)
        else:
            return float("inf")
        return max(0.0, start - now)

    # ---- acting ----------------------------------------------------------------------------

    def step(self) -> bool:
        """Send at most one request if one is due; returns whether a name or identity changed."""
        now = self._clock()
        if now < self._next_at:
            return False
        peer: str | None = None
        try:
            if self._profile_due <= now:
                return self._ask_profile()
            peer = self.next_peer()
            if peer is None:
                return False
            changed = self._ask_contact(peer)
        except SyncError as exc:
            # Down, refusing the token, or lacking the endpoint: sync reports the first two
            # loudly; names just wait, longer each time.
            self._failed(exc, self.pause * 5 if isinstance(exc, AuthError) else self.pause)
            return False
        except Exception as exc:  # noqa: BLE001 - a name must never stop the store thread
            self._failed(exc, self.pause)
            if peer is not None:
                self._set_aside(peer)
            return False
        self._failures = 0
        return changed

    def _failed(self, exc: BaseException, pause: float) -> None:
        kind = type(exc).__name__
        self.last_error = str(exc) if isinstance(exc, SyncError) else kind
        if kind not in self._logged:  # by type only: the text may carry the server's words
            self._logged.add(kind)
            log.warning("name lookup failed (%s); names wait and are asked again later", kind)
        self._next_at = self._clock() + min(MAX_PAUSE, pause * 2**self._failures)
        self._failures += 1

    def _set_aside(self, peer: str) -> None:
        """A peer whose answer broke the reader is asked again only with the unreadable ones."""
        self._retry_peer[peer] = self._clock() + UNREADABLE_RETRY
        try:
            self.store.set_contact(Contact(peer, status=UNREADABLE, fetched_at=self._wall()))
        except Exception:  # noqa: BLE001 - the in-memory retry time above still holds
            log.warning("could not record an unreadable name answer")

    def _sent(self) -> None:
        self.requests += 1
        self._next_at = self._clock() + self.interval

    def _ask_profile(self) -> bool:
        self._sent()
        # Asked again later unless this answer is read (a failure raises past this line).
        self._profile_due = self._clock() + min(MAX_PAUSE, self.pause * 2**self._profile_misses)
        self._profile_misses += 1
        profile = fetch_profile(self.client)
        if profile is None:
            return False
        self._profile_due, self._profile_misses = float("inf"), 0
        before = self._profile()
        changed = before is None or (before.username, before.nickname) != (
            profile.username,
            profile.nickname,
        )
        self.store.set_profile(profile)
        return changed

    def _identity_for(self, peer: str) -> tuple[str, int] | None:
        """Who asks: the identity the peer's session uses, else the own Channels identity."""
        profile = self._profile()
        summary = next((s for s in self.store.index.sessions() if s.peer == peer), None)
        me = summary.me if summary is not None and summary.me else ""
        if profile is not None and (not me or me == profile.username):
            return profile.username, profile.role_type
        if me:
            return me, WECHAT_ROLE if peer_kind(me) == WECHAT else CHANNELS_ROLE
        return None

    def _ask_contact(self, peer: str) -> bool:
        identity = self._identity_for(peer)
        if identity is None:  # no identity to ask as: retry once the profile is known
            self._profile_due = min(self._profile_due, self._clock() + self.pause)
            self._next_at = self._clock() + self.pause
            return False
        self._sent()
        answer = fetch_contact(self.client, identity[0], identity[1], peer)
        if answer.transient:
            self._retry_peer[peer] = self._clock() + self.pause
            return False
        before = self.store.contacts.get(peer)
        self.store.set_contact(answer.contact)
        return before is None or before.nickname != answer.contact.nickname

    def run_until_done(self, deadline: float, sleep: Callable[[float], None] = time.sleep) -> int:
        """For the CLI: resolve everything due, rate-limited, until ``deadline`` (monotonic).
        Returns how many names changed."""
        changed = 0
        while self.has_work() and self._clock() < deadline:
            wait = self.due_in()
            if wait > 0:
                if self._clock() + wait >= deadline:
                    break
                sleep(wait)
            changed += self.step()
        return changed
