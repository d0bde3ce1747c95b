"""The sync engine: pages through syncFinder into the store, then polls, backing off on errors."""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import service_events as ev
from .client import FinderClient, ProtocolError, SyncError
from .page_fetch import PageSource
from .store import Store
from .store.errors import StoreError
from .wire.models import Rejected, SyncPage

Emit = Callable[[ev.Event], None]


@dataclass(slots=True)
class SyncReport:
    new: int = 0
    duplicates: int = 0
    rejected: int = 0
    pages: int = 0
    seconds: float = 0.0
    rejected_samples: list[Rejected] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "new": self.new,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
        }


class Backoff:
    """Exponential backoff with jitter, capped, reset on success."""

    def __init__(self, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None):
        self.base, self.cap = base, cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        delay = min(self.cap, self.base * 2.0 ** min(self.failures, 32))
        self.failures = min(self.failures + 1, 64)  # no overflow after a night of failures
        return delay * self._rng.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0


class SyncEngine:
    """Pages into the store and emits what arrived.

    ``caught_up``: the server ran dry since the last outage. Until then pages are a catch-up
    (``backfill``): after the start, and again after failing for ``OUTAGE_AFTER`` seconds, so
    what piled up while we were away does not notify as a storm (hooks decide by message time,
    see ``alerts``).
    """

    OUTAGE_AFTER = 30.0  # failing this long is an outage: what comes next is a catch-up again
    MAX_PAGES_PER_CYCLE = 100_000  # a server that never runs dry must not pin us forever
    MAX_REPLAYS = 5
    SETTLE_EVERY = 5_000  # new messages between two gc.freeze() calls

    def __init__(self, client: FinderClient, store: Store, emit: Emit | None = None) -> None:
        self.client = client
        self.store = store
        self.emit: Emit = emit or (lambda event: None)
        self.caught_up = False  # ran dry since the start or the last outage: items are "live"
        self.failing_since: float | None = None  # monotonic time of the first failure in a row
        self.should_stop: Callable[[], bool] = lambda: False  # checked between pages
        self.between_pages: Callable[[], None] = lambda: None  # e.g. apply the user's commands
        self._replays = 0
        self._since_settle = 0

    def run_cycle(self, report: SyncReport | None = None) -> SyncReport:
        """Fetch pages until the server has nothing new. Raises ``SyncError``/``StoreError``.

        During a catch-up the next pages are fetched and read (in a helper process) while this
        thread stores the current one, so the server, the parser and this thread work at the
        same time (``page_fetch``). Nothing fetched reaches the store before its turn."""
        report = report or SyncReport()
        started = time.perf_counter()
        failing = self.failing_since
        if failing is not None and time.monotonic() - failing >= self.OUTAGE_AFTER:
            self.caught_up = False  # back after an outage: catch up again before "live"
        source = PageSource(self.client)
        try:
            for _ in range(self.MAX_PAGES_PER_CYCLE):
                self.between_pages()
                if self.should_stop():
                    return report
                key_buff = self.store.key_buff
                if not self._one_page(report, key_buff, source.page(key_buff)):
                    break
            else:
                return report  # the server never ran dry: not caught up, poll again later
            self.caught_up = True
            self.failing_since = None
            self.store.mark_synced(time.time())
        except BaseException:
            if self.failing_since is None:
                self.failing_since = time.monotonic()
            raise
        finally:
            # Commit what was fetched even when a later page failed: never re-fetch needlessly.
            # First, so nothing in closing the source can stand between the pages and disk.
            try:
                self.store.commit()
            finally:
                # Pages fetched ahead are dropped; a request still in flight ends on its own
                # thread within the client's timeouts (its answer is never used).
                source.close()
                report.seconds += time.perf_counter() - started
        return report

    def _one_page(self, report: SyncReport, key_buff: str, page: SyncPage) -> bool:
        report.pages += 1
        result = self.store.ingest(page.messages)
        if page.key_buff:
            self.store.set_key_buff(page.key_buff)
        report.new += len(result.new)
        report.duplicates += result.duplicates
        report.rejected += len(page.rejected)
        if page.rejected:
            report.rejected_samples.extend(
                page.rejected[: max(0, 20 - len(report.rejected_samples))]
            )
            self.emit(ev.ItemsRejected(page.rejected))
        backfill = not self.caught_up
        if result.new:
            by_session: dict[str, list] = {}
            notices = []
            for message in result.new:
                if message.session_id:
                    by_session.setdefault(message.session_id, []).append(message)
                else:
                    notices.append(message)
            self.emit(ev.NewMessages(by_session, notices, backfill))
        for change in result.live_changes:
            self.emit(ev.LiveEvent(change.stream, change.event, backfill))
        self.emit(ev.Progress(report.pages, report.new, report.duplicates, report.rejected))
        self.store.maybe_commit()
        self._since_settle += len(result.new)
        if self._since_settle >= self.SETTLE_EVERY:
            self._since_settle = 0
            settle_heap()
        if page.raw_count == 0:
            return False
        if result.new or page.key_buff != key_buff:
            self._replays = 0
            return True
        # Same cursor and nothing new: a replayed page. Ask again a few times; a server that
        # keeps replaying is an error to back off from, never "caught up".
        self._replays += 1
        if self._replays > self.MAX_REPLAYS:
            self._replays = 0
            raise ProtocolError("the server keeps answering the same page with the same keyBuff")
        return True


def settle_heap() -> None:
    """Move what is stored so far out of the cyclic GC's reach.

    Committed messages live as long as the process and hold no reference cycles, but every
    full (generation 2) collection walks them all: at 100k messages that is a 150-200 ms pause
    holding the GIL, which freezes the UI. Collecting the young generations and then
    ``gc.freeze()`` keeps full collections proportional to what is new.
    """
    gc.collect(1)
    gc.freeze()


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, SyncError | StoreError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
