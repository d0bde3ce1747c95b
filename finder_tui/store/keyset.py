"""The dedupe keys of every stored message, in about 8 bytes a message.

A key is a NewMsgId (a decimal uint64, kept exactly as its integer) or a digest for system
items (hashed to 64 bits). Keys are spread over ``BUCKETS`` buckets by a multiplicative hash
(sequential ids spread too); each bucket is a sorted ``array('Q')`` (8 bytes a key, searched
with bisect) plus a small set of recent keys merged into it once it holds ``MERGE_AT``. A merge
sorts one bucket (a few thousand keys at a million), never the whole history: no transient
list of a million Python ints (~40 MB) at open or during a long sync. A 64-bit digest of a
system item colliding with another key is about one in 10^12 at a million messages.
"""

from __future__ import annotations

import bisect
import hashlib
from array import array

_U64 = 1 << 64
BUCKETS = 256
_MIX = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: Fibonacci hashing of the bucket


def key_hash(key: str) -> int:
    if key.isdigit() and len(key) <= 20:
        value = int(key)
        if value < _U64:
            return value
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _bucket(value: int) -> int:
    return ((value * _MIX) % _U64) >> 56


class KeySet:
    MERGE_AT = 128

    def __init__(self) -> None:
        self._sorted: list[array[int]] = [array("Q") for _ in range(BUCKETS)]
        self._recent: list[set[int]] = [set() for _ in range(BUCKETS)]

    def __len__(self) -> int:
        return sum(len(a) for a in self._sorted) + sum(len(s) for s in self._recent)

    def __contains__(self, key: str) -> bool:
        return self.contains_hash(key_hash(key))

    def contains_hash(self, value: int) -> bool:
        b = _bucket(value)
        if value in self._recent[b]:
            return True
        keys = self._sorted[b]
        at = bisect.bisect_left(keys, value)
        return at < len(keys) and keys[at] == value

    def add(self, key: str) -> None:
        self.add_hash(key_hash(key))

    def add_if_new(self, key: str) -> bool:
        """Add ``key``; False when it was already there. Runs for every message a sync
        ingests, so the hash and its bucket are computed once for both steps."""
        value = key_hash(key)
        b = _bucket(value)
        recent = self._recent[b]
        if value in recent:
            return False
        keys = self._sorted[b]
        at = bisect.bisect_left(keys, value)
        if at < len(keys) and keys[at] == value:
            return False
        recent.add(value)
        if len(recent) >= self.MERGE_AT:
            self._merge(b)
        return True

    def add_hash(self, value: int) -> None:
        b = _bucket(value)
        recent = self._recent[b]
        recent.add(value)
        if len(recent) >= self.MERGE_AT:
            self._merge(b)

    def add_hashes(self, packed: list[bytes]) -> None:
        """Bulk-add sealed keys (``array('Q')`` bytes each), one sort per bucket."""
        pending: list[list[int]] = [[] for _ in range(BUCKETS)]
        for chunk in packed:
            keys = array("Q")
            keys.frombytes(chunk)
            for value in keys:
                pending[_bucket(value)].append(value)
        for b, values in enumerate(pending):
            if values:
                values.extend(self._sorted[b])
                values.extend(self._recent[b])
                self._sorted[b] = array("Q", sorted(set(values)))
                self._recent[b] = set()
            pending[b] = []

    def _merge(self, b: int) -> None:
        """Move bucket ``b``'s recent keys into its sorted array: only they are sorted, and
        the array is copied in slices between their places. (Turning a bucket's thousands of
        keys into Python ints to sort them all made every add cost more as history grew.)"""
        old, merged, at = self._sorted[b], array("Q"), 0
        for value in sorted(self._recent[b]):
            place = bisect.bisect_left(old, value, at)
            merged += old[at:place]
            merged.append(value)
            at = place
        merged += old[at:]
        self._sorted[b] = merged
        self._recent[b] = set()

    def nbytes(self) -> int:
        return 8 * sum(len(a) for a in self._sorted) + 72 * sum(len(s) for s in self._recent)
