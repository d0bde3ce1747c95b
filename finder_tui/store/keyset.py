"""The dedupe keys of every stored message, in about 8 bytes a message.

A key is a NewMsgId (a decimal uint64, kept exactly as its integer) or a digest for system
items (hashed to 64 bits). Sealed history's keys live in one sorted ``array('Q')`` (8 bytes a
key, searched with bisect); recent ones in a set that is merged into the array when it grows
past ``MERGE_AT`` (an O(n) merge every 64k messages instead of a set of a million Python
ints, ~70 bytes each). A 64-bit digest of a system item colliding with another key is about
one in 10^12 at a million messages.
"""

from __future__ import annotations

import bisect
import hashlib
from array import array
from collections.abc import Iterable

_U64 = 1 << 64


def key_hash(key: str) -> int:
    if key.isdigit() and len(key) <= 20:
        value = int(key)
        if value < _U64:
            return value
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


class KeySet:
    MERGE_AT = 65_536

    def __init__(self) -> None:
        self._sorted: array[int] = array("Q")
        self._recent: set[int] = set()

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def __contains__(self, key: str) -> bool:
        return self.contains_hash(key_hash(key))

    def contains_hash(self, value: int) -> bool:
        if value in self._recent:
            return True
        at = bisect.bisect_left(self._sorted, value)
        return at < len(self._sorted) and self._sorted[at] == value

    def add(self, key: str) -> None:
        self.add_hash(key_hash(key))

    def add_if_new(self, key: str) -> bool:
        """Add ``key``; False when it was already there (one hash for both steps)."""
        value = key_hash(key)
        if self.contains_hash(value):
            return False
        self.add_hash(value)
        return True

    def add_hash(self, value: int) -> None:
        self._recent.add(value)
        if len(self._recent) >= self.MERGE_AT:
            self._merge()

    def add_hashes(self, packed: Iterable[bytes]) -> None:
        """Bulk-add sealed keys (``array('Q')`` bytes each), one sort for all of them."""
        merged = array("Q", self._sorted)
        for chunk in packed:
            merged.frombytes(chunk)
        merged.extend(self._recent)
        self._recent = set()
        self._sorted = array("Q", sorted(merged))

    def _merge(self) -> None:
        # Timsort merges the sorted run and the small sorted tail in about linear time.
        merged = array("Q", self._sorted)
        merged.extend(sorted(self._recent))
        self._sorted = array("Q", sorted(merged))
        self._recent = set()

    def nbytes(self) -> int:
        return self._sorted.itemsize * len(self._sorted) + 72 * len(self._recent)
