"""A big demo inbox generated page by page from its seed: flat memory at any size.

``generate_items`` builds the whole list (tests and screenshots depend on its exact items);
past a few thousand items the demo server uses ``GeneratedHistory`` instead. History is cut
into chunks of ``CHUNK`` items; chunk k is generated from ``Random(f"{seed}:{k}")`` alone, at a
seq and time range fixed by k (seq gaps are at most 4, so chunk k owns the seqs
from ``start_seq + 4*CHUNK*k``; times are spread so the whole inbox spans about two years).
Any page is therefore one or two chunks, generated when asked, a few kept in an LRU.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from itertools import accumulate

from finder_tui.demo.data import _Gen, _session_kinds
from finder_tui.demo.items import _EMOJI, _PHRASES, HOSTILE_TEXTS, OWN_FINDER, Item, Session

CHUNK = 1_000
_SEQ_SPAN = 4 * CHUNK  # a seq gap is 4 at most
_SPAN_SECONDS = 2 * 365 * 86_400  # the inbox's history, whatever its size
_MIN_STEP = 20  # seconds between two items of a chunk at least (busier inboxes: closer)


class _FastGen(_Gen):
    """The same building blocks, drawing hex and ids with one ``getrandbits`` each and
    remembering no ids (64-bit random ids do not collide in practice; memory stays flat)."""

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def msg_id(self) -> int:
        return self.rng.getrandbits(64) or 1

    def object_id(self) -> int:
        return self.rng.randrange(14_215_000_000_000_000_000, 18_000_000_000_000_000_000)

    def long_line(self) -> str:
        rng, size = self.rng, 0
        parts: list[str] = []
        while size < 300:
            phrase = rng.choice(_PHRASES)
            parts += (phrase, rng.choice(("，", " ", "；", rng.choice(_EMOJI))))
            size += len(phrase) + 1
        return "".join(parts)


class GeneratedHistory:
    """``messages`` items over ``sessions`` sessions, any page of them on demand."""

    def __init__(
        self,
        *,
        sessions: int,
        messages: int,
        seed: int,
        start_seq: int = 1243,
        start_time: int = 1694500000,
        cache_chunks: int = 8,
    ) -> None:
        if sessions < 1 or messages < 0:
            raise ValueError("sessions must be >= 1 and messages >= 0")
        self.messages, self.seed = messages, seed
        self.start_seq, self.start_time = start_seq, start_time
        rng = random.Random(seed)
        gen = _FastGen(rng)
        self.sessions: list[Session] = [gen.session(k) for k in _session_kinds(rng, sessions)]
        self._cum_weights = list(accumulate(1.0 / (rank + 1) for rank in range(sessions)))
        self.chunks = (messages + CHUNK - 1) // CHUNK
        self._chunk_seconds = max(CHUNK * _MIN_STEP, _SPAN_SECONDS // max(1, self.chunks))
        self._cache: OrderedDict[int, list[Item]] = OrderedDict()
        self._cache_chunks = cache_chunks
        self._lock = threading.Lock()

    @property
    def first_seq(self) -> int:
        return self.start_seq

    @property
    def end_seq(self) -> int:
        """One past the highest seq any chunk may use."""
        return self.start_seq + _SEQ_SPAN * self.chunks

    def last(self) -> Item | None:
        if not self.chunks:
            return None
        return self.chunk(self.chunks - 1)[-1]

    def page_after(self, after: int, limit: int) -> list[Item]:
        """Up to ``limit`` items with seq > ``after``, in seq order."""
        number = max(0, (after + 1 - self.start_seq) // _SEQ_SPAN)
        out: list[Item] = []
        while number < self.chunks and len(out) < limit:
            out += [i for i in self.chunk(number) if i["content"]["seq"] > after]
            number += 1
        return out[:limit]

    def chunk(self, number: int) -> list[Item]:
        with self._lock:
            items = self._cache.get(number)
            if items is not None:
                self._cache.move_to_end(number)
                return items
        items = self._generate(number)
        with self._lock:
            self._cache[number] = items
            while len(self._cache) > self._cache_chunks:
                self._cache.popitem(last=False)
        return items

    def _generate(self, number: int) -> list[Item]:
        rng = random.Random(f"{self.seed}:{number}")
        gen = _FastGen(rng)
        count = min(CHUNK, self.messages - number * CHUNK)
        seq = self.start_seq + number * _SEQ_SPAN
        steps = [
            rng.randint(6 * 3600, 40 * 3600) if rng.random() < 0.06 else rng.randint(20, 5400)
            for _ in range(count)
        ]
        scale = self._chunk_seconds / max(1, sum(steps))
        when = float(self.start_time + number * self._chunk_seconds)
        last_chunk = number == self.chunks - 1
        live_open: list[int] = []
        items: list[Item] = []
        current = self.sessions[0]
        keep_live = 3 if last_chunk else 0  # a few streams still live at the very end
        for index in range(count):
            roll = rng.random()
            left = count - index
            if live_open and len(live_open) - keep_live >= left:
                # Streams that started in this chunk end in it: the count stays exact.
                oid = live_open.pop(0)
                items.append(gen.live(start=False, object_id=oid, seq=seq, when=int(when)))
            elif roll < 0.05 and left > len(live_open) + keep_live + 1:
                if live_open and roll < 0.025:
                    oid = live_open.pop(rng.randrange(len(live_open)))
                    items.append(gen.live(start=False, object_id=oid, seq=seq, when=int(when)))
                else:
                    oid = gen.object_id()
                    live_open.append(oid)
                    items.append(gen.live(start=True, object_id=oid, seq=seq, when=int(when)))
            else:
                if rng.random() > 0.7:
                    current = rng.choices(self.sessions, cum_weights=self._cum_weights)[0]
                sent = rng.random() < (0.35 if current.own == OWN_FINDER else 0.6)
                item = gen.chat(current, seq=seq, when=int(when), is_sender=int(sent), first=False)
                msg = item["content"]["msg"]
                if msg["MsgType"] == 1 and rng.random() < 0.01:
                    msg["Content"]["string"] = rng.choice(HOSTILE_TEXTS)
                items.append(item)
            seq += 1 if rng.random() < 0.85 else rng.randint(2, 4)
            when += steps[index] * scale
        return items
