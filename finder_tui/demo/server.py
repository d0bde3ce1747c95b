"""A local stand-in for the vendor's ``POST /syncFinder``, for demos and end-to-end tests.

It pages through a fixed (appendable) item list by the keyBuff cursor exactly like the real
API: key 1 of the cursor is the last ``seq`` delivered. It logs nothing per request and never
echoes the Authorization token.
"""

from __future__ import annotations

import bisect
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import orjson

import finder_tui.demo.people  # noqa: F401  (registers /finderHome and /finder/getContactDetails)
import finder_tui.demo.reply  # noqa: F401 - registers /privateSend and /getSessionId
from finder_tui.demo import media as _media  # noqa: F401 - registers /getMsgImg, /media/
from finder_tui.demo.data import Item, LiveFeed, default_demo_items
from finder_tui.demo.endpoints import ApiError
from finder_tui.demo.faults import FaultSpec
from finder_tui.demo.generator import GeneratedHistory
from finder_tui.demo.handler import DemoHTTPServer, DemoRequestHandler
from finder_tui.wire.keybuff import Cursor, KeyBuffError, decode, encode


def cursor_for(seq: int) -> Cursor:
    """The server's cursor shape: key 1 = last seq delivered, keys 2..9 = 0, reset 0."""
    return Cursor(pairs=((1, seq),) + tuple((key, 0) for key in range(2, 10)), reset=0)


_CURSOR_CEILING = 1 << 62  # cursors above this are not followed by new items' seqs


def _seq_of(item: Item) -> int:
    return int(item["content"]["seq"])


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One authorized request to an endpoint other than /syncFinder, as the server read it."""

    path: str
    body: dict[str, Any]
    at: float


class DemoServer:
    """``POST /syncFinder`` on a ThreadingHTTPServer in a daemon thread."""

    def __init__(
        self,
        *,
        token: str,
        wid: str,
        items: list[Item] | None = None,
        source: GeneratedHistory | None = None,
        page_size: int = 100,
        faults: FaultSpec | None = None,
        live_every: float | None = None,
        live_seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        peer_replies: float = 0.0,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        if live_every is not None and live_every <= 0:
            raise ValueError("live_every must be > 0 seconds")
        self._token = token
        self.wid = wid
        self.page_size = page_size
        self.live_every = live_every
        self._faults = faults
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._items: list[Item] = []
        self._seqs: list[int] = []
        # The highest cursor (key 1) a client has presented: a client restarted with an old
        # store (or a restarted demo server) may be past every item here, and new items must
        # be numbered above it or that client would never sync them.
        self._max_cursor = 0
        self._requests = 0
        self._stopping = threading.Event()
        self._httpd: DemoHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._calls: list[RecordedCall] = []
        self._append_lock = threading.Lock()  # serialises "next seq" between appenders
        self.extras: dict[str, Any] = {}
        self.peer_replies = peer_replies
        self.contact_shape = "object"
        self.contact_requests: dict[str, int] = {}
        # Generated history served page by page (``items`` then holds only the items around
        # it: the seed page before, live-feed items after).
        self._source = source
        if source is not None:  # its peers have names too (demo/people.py)
            self.extras["generated_peers"] = frozenset(s.peer for s in source.sessions)
        self.append(default_demo_items() if items is None and source is None else items or [])
        known = self._items + (
            (source.chunk(source.chunks - 1) if source.chunks else []) if source else []
        )
        self._feed = LiveFeed(live_seed, known) if live_every else None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        self._httpd = DemoHTTPServer((self._host, self._port), DemoRequestHandler, self)
        self._spawn(self._httpd.serve_forever, 0.05)
        if self._feed is not None and self.live_every is not None:
            self._spawn(self._live_loop, self.live_every)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.close_open_connections()  # kept-alive clients must see the server die
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self, target: Any, arg: float) -> None:
        thread = threading.Thread(target=target, args=(arg,), daemon=True, name="demo-server")
        thread.start()
        self._threads.append(thread)

    # -- state -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("DemoServer is not started")
        host, port = self._httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    @property
    def base_url(self) -> str:
        return self.url

    @property
    def items(self) -> list[Item]:
        """Every item so far, in seq order (a shallow copy of the list); with a generated
        ``source``, only the items held in memory around it."""
        with self._lock:
            return list(self._items)

    @property
    def item_count(self) -> int:
        with self._lock:
            return len(self._items) + (self._source.messages if self._source else 0)

    @property
    def requests(self) -> int:
        """How many HTTP requests have been handled (any path or method)."""
        with self._lock:
            return self._requests

    @property
    def faults(self) -> FaultSpec | None:
        return self._faults

    def set_faults(self, spec: FaultSpec | None) -> None:
        self._faults = spec

    def append(self, items: list[Item]) -> None:
        """Add items (thread-safe); they are served to any client whose cursor is below them."""
        new = list(items)
        for item in new:
            _seq_of(item)  # fail fast on items without an integer content.seq
        with self._lock:
            if self._seqs and new and min(_seq_of(i) for i in new) <= self._seqs[-1]:
                self._items = sorted(self._items + new, key=_seq_of)
            else:
                self._items.extend(sorted(new, key=_seq_of))
            self._seqs = [_seq_of(item) for item in self._items]

    @property
    def calls(self) -> list[RecordedCall]:
        """Every authorized call to the other endpoints, in order (a copy)."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, path: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.path == path]

    def _record(self, path: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._calls.append(RecordedCall(path, body, time.time()))

    def append_next(self, build: Callable[[int], list[Item]]) -> None:
        """Append the items ``build(next_seq)`` returns, next_seq following the last item."""
        with self._append_lock:
            last_seq, _ = self._last_seq_time()  # past generated history too
            self.append(build(last_seq + 1))

    def later(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` in ``delay`` seconds unless the server stops first."""

        def wait_then_run() -> None:
            if not self._stopping.wait(delay):
                action()

        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(target=wait_then_run, daemon=True, name="demo-later")
        thread.start()
        self._threads.append(thread)

    def _count_request(self) -> None:
        with self._lock:
            self._requests += 1

    def _page_after(self, after: int) -> list[Item]:
        with self._lock:
            start = bisect.bisect_right(self._seqs, after)
            page = self._items[start : start + self.page_size]
        if self._source is not None and after + 1 < self._source.end_seq:
            page = sorted(page + self._source.page_after(after, self.page_size), key=_seq_of)
            page = page[: self.page_size]
        return page

    def _last_seq_time(self) -> tuple[int, int]:
        with self._lock:
            last = self._items[-1] if self._items else None
            seen = self._max_cursor
        generated = self._source.last() if self._source is not None else None
        if generated is not None and (last is None or _seq_of(generated) > _seq_of(last)):
            last = generated
        if last is None:
            return seen, 0
        return max(_seq_of(last), seen), int(last["content"]["msg"]["CreateTime"])

    def _live_loop(self, interval: float) -> None:
        assert self._feed is not None
        while not self._stopping.wait(interval):
            with self._append_lock:
                last_seq, last_time = self._last_seq_time()
                now = max(int(time.time()), int(last_time))
                self.append(self._feed.next_items(last_seq, now))

    # -- the API -----------------------------------------------------------------------------

    def authorize(self, header: str | None) -> None:
        if not header:
            raise ApiError("缺少Authorization")
        # Constant-time compare; the message never repeats what was sent.
        if not hmac.compare_digest(header.encode(), self._token.encode()):
            raise ApiError("Authorization无效")

    def parse_request(self, body: bytes) -> Cursor:
        """Validate the JSON body and return the client's cursor."""
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ApiError("参数错误: 请求体不是合法的JSON") from None
        if not isinstance(payload, dict):
            raise ApiError("参数错误: 请求体必须是JSON对象")
        for name in ("wId", "keyBuff"):
            if not isinstance(payload.get(name), str):
                raise ApiError(f"参数错误: {name}必须是字符串")
        if payload["wId"] != self.wid:
            raise ApiError("wId不存在")
        try:
            cursor = decode(payload["keyBuff"])
            encode(cursor)  # the decoder admits varints past 64 bits; the answer must re-encode
            return cursor
        except KeyBuffError:
            raise ApiError("keyBuff无效") from None

    def parse_call(self, body: bytes) -> dict[str, Any]:
        """The JSON object of a request to one of the other endpoints, with its ``wId`` checked."""
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ApiError("参数错误: 请求体不是合法的JSON") from None
        if not isinstance(payload, dict):
            raise ApiError("参数错误: 请求体必须是JSON对象")
        if payload.get("wId") != self.wid:
            raise ApiError("wId不存在")
        return payload

    def sync(self, cursor: Cursor, fault: str | None) -> dict[str, Any]:
        """The ``data`` of a successful answer for ``cursor``, shaped by ``fault``."""
        after = cursor.value(1)
        if after < _CURSOR_CEILING:  # a wild cursor must not push new seqs past 2^64
            with self._lock:
                self._max_cursor = max(self._max_cursor, after)
        page = self._page_after(after)
        sent_in = encode(cursor if cursor.pairs else cursor_for(0))
        if page and fault != "duplicate":
            key_buff = encode(cursor_for(_seq_of(page[-1])))
        else:
            key_buff = sent_in  # caught up, or a duplicate: the same page comes again
        if fault == "malformed" and self._faults is not None:
            page = self._with_junk(page, self._faults)
        return {"list": page, "keyBuff": key_buff}

    def _with_junk(self, page: list[Item], faults: FaultSpec) -> list[Item]:
        # Junk is inserted between real items; the real ones keep their order.
        out = list(page)
        for index, junk in enumerate(faults.junk_items(page[0] if page else None)):
            out.insert(min(len(out), index * 2), junk)
        return out

    def sleep_slow(self, seconds: float) -> None:
        self._stopping.wait(seconds)  # returns early on stop()
