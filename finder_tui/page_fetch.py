"""Fetching and reading the next syncFinder pages while the engine stores the current one.

During a catch-up the sync engine's thread spends its time ingesting and committing. Left to
itself, the server (its own process) and the page parser process (``parse_process``) would
wait for it, and it for them. ``PagePipeline`` keeps all three busy: a fetch thread follows
the keyBuff chain a few pages ahead (each body's keyBuff is peeked from its bytes), a read
thread hands each body to the parser, and the engine takes the pages in order.

Nothing here touches the store, and a page is only used when it was requested with exactly
the keyBuff the store holds when its turn comes (a wrong peek, or a cursor moved by someone
else, discards the speculation and the engine asks directly). An abandoned page costs one
re-delivered page, which dedupes, never data.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .client import FinderClient
from .parse_process import PageParser
from .wire.answer import SyncAnswer
from .wire.models import SyncPage

Read = Callable[[bytes], SyncAnswer]
STOP_GRACE = 0.2  # seconds ``stop`` gives the threads before leaving them to end alone
_KEY_BUFF = re.compile(rb'"keyBuff"\s*:\s*"([A-Za-z0-9+/=_-]+)"')


@dataclass(frozen=True, slots=True)
class _Step:
    """One request of the chain: what came of it, and the keyBuff the chain asked next with
    (None: the chain ended after it)."""

    outcome: bytes | SyncPage | BaseException
    following: str | None


_END = _Step(b"", None)


def peek_key_buff(body: bytes) -> str | None:
    """The last ``"keyBuff":"…"`` in a body, without parsing it (verified later: a wrong guess
    only wastes a request)."""
    at = body.rfind(b'"keyBuff"')
    match = _KEY_BUFF.match(body, at) if at >= 0 else None
    return match.group(1).decode("ascii") if match else None


class PagePipeline:
    """Pages along the keyBuff chain from ``key_buff``, fetched and read ahead of the engine.

    The chain goes on while bodies are at least ``min_body`` bytes (a catch-up) and at most
    ``depth`` pages wait unconsumed; a smaller body, a keyBuff that did not move, an error or
    ``stop`` ends it. ``take`` is called from one thread (the engine's)."""

    def __init__(
        self,
        client: FinderClient,
        read: Read,
        key_buff: str,
        *,
        min_body: int,
        depth: int = 4,
    ) -> None:
        self._client, self._read, self._min_body = client, read, min_body
        self._room = threading.Semaphore(depth)
        self._stopped = threading.Event()
        self._bodies: queue.Queue[_Step] = queue.Queue()
        self._pages: queue.Queue[_Step] = queue.Queue()
        self._next_key: str | None = key_buff  # the keyBuff of the next page ``take`` returns
        self._fetcher = threading.Thread(
            target=self._fetch, args=(key_buff,), name="sync-fetch", daemon=True
        )
        self._reader = threading.Thread(target=self._read_pages, name="sync-read", daemon=True)
        self._fetcher.start()
        self._reader.start()

    def offers(self, key_buff: str) -> bool:
        """Whether the next page here was requested with ``key_buff``."""
        return self._next_key == key_buff

    def went_astray(self, key_buff: str) -> bool:
        """Whether the chain goes on with a keyBuff other than ``key_buff`` (a wrong peek, or a
        cursor moved by someone else), rather than having simply ended."""
        return self._next_key is not None and self._next_key != key_buff

    def take(self) -> SyncPage:
        """The next page in order (its error raised as a direct request would raise it)."""
        step = self._pages.get()
        self._room.release()
        self._next_key = step.following
        if step is _END:
            raise LookupError("the pipeline has no more pages")
        if isinstance(step.outcome, BaseException):
            raise step.outcome
        assert isinstance(step.outcome, SyncPage)
        return step.outcome

    def stop(self) -> None:
        """End the chain without waiting out a request in flight: a slow server must not hold
        up a quit. The threads end on their own (daemons) and drop what still arrives."""
        self._stopped.set()
        self._room.release()  # a fetcher waiting for room wakes up and sees the stop
        self._fetcher.join(STOP_GRACE)
        self._reader.join(STOP_GRACE)

    # ---- the threads ------------------------------------------------------------------------

    def _fetch(self, key_buff: str) -> None:
        try:
            while not self._stopped.is_set():
                self._room.acquire()
                if self._stopped.is_set():
                    return
                try:
                    body = self._client.sync_body(key_buff)
                except BaseException as exc:  # noqa: BLE001 - raised by take, in its turn
                    self._bodies.put(_Step(exc, None))
                    return
                following = peek_key_buff(body) if len(body) >= self._min_body else None
                if following == key_buff:
                    following = None  # the server did not move on: the engine decides
                self._bodies.put(_Step(body, following))
                if following is None:
                    return
                key_buff = following
        finally:
            self._bodies.put(_END)

    def _read_pages(self) -> None:
        while (step := self._bodies.get()) is not _END:
            if self._stopped.is_set():
                continue  # nobody takes it: do not parse it (nor start a parser for it)
            if isinstance(step.outcome, bytes):
                try:
                    page = self._client.page_from(self._read(step.outcome))
                    step = _Step(page, step.following)
                except BaseException as exc:  # noqa: BLE001 - raised by take, in its turn
                    step = _Step(exc, None)
            self._pages.put(step)
        self._pages.put(_END)


class PageSource:
    """The sync engine's pages: asked for directly, or taken from a ``PagePipeline`` started
    by a big page (a catch-up) and kept while it offers the page the store's keyBuff asks for.
    Big bodies are read in the parser process. ``close`` ends both (call it once a cycle)."""

    def __init__(self, client: FinderClient, parser: PageParser | None = None) -> None:
        self._client = client
        self._parser = parser or PageParser()
        self._pipeline: PagePipeline | None = None
        self._speculate = True  # off for the cycle once a chain went astray: each costs requests

    @property
    def pages_in_helper(self) -> int:
        return self._parser.pages_in_helper

    def page(self, key_buff: str) -> SyncPage:
        pipeline = self._pipeline
        if pipeline is not None and pipeline.offers(key_buff):
            return pipeline.take()
        if pipeline is not None and pipeline.went_astray(key_buff):
            self._speculate = False
        self._stop_pipeline()
        body = self._client.sync_body(key_buff)
        page = self._client.page_from(self._parser.read(body))
        big = len(body) >= self._parser.min_body
        if self._speculate and big and page.key_buff not in ("", key_buff):
            self._pipeline = PagePipeline(
                self._client, self._parser.read, page.key_buff, min_body=self._parser.min_body
            )
        return page

    def close(self) -> None:
        self._stop_pipeline()
        self._parser.close()

    def _stop_pipeline(self) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.stop()
