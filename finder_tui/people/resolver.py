"""Which name to ask for next, and when: runs in the store-owning thread, one request per step.

Order: the own identity (``/finderHome``, once per start and again after a failure), then peers
never asked about (newest conversation first), then answers older than a week. At most one
request every ``interval`` seconds; after a transport or auth failure it pauses (``pause``)
instead of hammering a server that is down or refusing the token. Sync never waits on a name:
the service only steps the resolver between sync cycles, and each request has a short timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..client import AuthError, FinderClient, SyncError
from ..peers import WECHAT, peer_kind
from ..store import Store
from ..store.contacts import UNREADABLE, Profile
from .api import fetch_contact, fetch_profile

REFRESH_AFTER = 7 * 86400.0
UNREADABLE_RETRY = 86400.0  # an answer we could not read: ask again tomorrow, not every sync
WECHAT_ROLE, CHANNELS_ROLE = 1, 3


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
        self._profile_asked = False  # once per start (the cache shows the last one meanwhile)
        self._retry_peer: dict[str, float] = {}  # peer → monotonic time a busy 1001 lets us retry
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
        return not self._profile_asked or self.next_peer() is not None

    def due_in(self) -> float:
        """Seconds until ``step`` would send something (``inf`` when nothing is to be asked)."""
        if not self.has_work():
            return float("inf")
        return max(0.0, self._next_at - self._clock())

    # ---- acting ----------------------------------------------------------------------------

    def step(self) -> bool:
        """Send at most one request if one is due; returns whether a name or identity changed."""
        if self._clock() < self._next_at:
            return False
        try:
            if not self._profile_asked:
                return self._ask_profile()
            peer = self.next_peer()
            if peer is None:
                return False
            return self._ask_contact(peer)
        except SyncError as exc:
            self.last_error = str(exc)
            # Down, or refusing the token: sync reports that loudly; names just wait.
            pause = self.pause * 5 if isinstance(exc, AuthError) else self.pause
            self._next_at = self._clock() + pause
            return False

    def _sent(self) -> None:
        self.requests += 1
        self._next_at = self._clock() + self.interval

    def _ask_profile(self) -> bool:
        self._sent()
        profile = fetch_profile(self.client)
        self._profile_asked = True
        if profile is None:
            return False
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
            self._profile_asked = False
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
